"""cwdb still writes yoyo's bookkeeping tables itself: this fails when yoyo's layout moves.

``sql/_migrations.sql`` and ``sql/postgresql/_migrations.sql`` create yoyo's
four tables at its internal schema version 2 and insert its rows, so that a
migration and its record commit in one transaction (yoyo's own
``apply_one`` runs the migration on a second connection and records it in a
later transaction). ``setup.cfg`` pins yoyo-migrations to the versions whose
layout this test has seen; a new yoyo must pass it before the pin moves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import apsw
from yoyo import get_backend, internalmigrations

from cwdb.adapters.apsw.migrator import Migrator


def _columns(connection: sqlite3.Connection | apsw.Connection, table: str) -> list[tuple[str, str]]:
    rows = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
    return [(str(row[1]), str(row[2]).upper()) for row in rows]


def test_yoyo_internal_schema_version_is_the_one_cwdb_writes() -> None:
    assert max(internalmigrations.schema_versions) == 2


def test_yoyo_makes_its_tables_as_cwdb_makes_them(tmp_path: Path) -> None:
    backend = get_backend(f"sqlite:///{tmp_path / 'yoyo.db'}")
    backend.ensure_internal_schema_updated()
    backend.connection.close()
    connection = apsw.Connection(str(tmp_path / "cwdb.db"))
    Migrator(connection, []).apply_pending()
    Migrator(connection, [])._create_bookkeeping()
    yoyo = sqlite3.connect(tmp_path / "yoyo.db")
    try:
        for table in ("_yoyo_migration", "_yoyo_log", "_yoyo_version", "yoyo_lock"):
            assert _columns(connection, table) == _columns(yoyo, table), table
        assert yoyo.execute("SELECT version FROM _yoyo_version").fetchall() == [(2,)]
    finally:
        yoyo.close()
        connection.close()
