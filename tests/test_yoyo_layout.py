"""What cwdb relies on inside yoyo: this fails when yoyo's layout moves.

cwdb applies migrations through yoyo's backends (``cwdb/adapters/yoyo_apply.py``)
and writes none of yoyo's tables itself. It still relies on these, beyond
yoyo's documented API (``get_backend``, ``read_migrations``, ``to_apply``,
``apply_migrations``, ``lock``):

* the backend methods it overrides (``lock``, ``apply_one``,
  ``rollback_one``, ``ensure_internal_schema_updated``,
  ``disable_transactions``, ``begin``) and those it calls inside them, with
  these signatures, and yoyo's ``apply_migrations`` going through
  ``apply_one``;
* two attributes of ``DatabaseBackend`` that are not public:
  ``_in_transaction`` (is a transaction open) and
  ``_internal_schema_updated`` (yoyo's tables checked);
* ``yoyo.internalmigrations`` (``needs_upgrading``, ``upgrade``), at
  internal schema version 2;
* the columns its two reading queries name (``sql/_migrations.sql``,
  ``sql/postgresql/_migrations.sql``): ``_yoyo_migration.migration_hash``,
  ``migration_id``, ``applied_at_utc`` and ``yoyo_lock.pid``.

``setup.cfg`` pins yoyo-migrations to the versions this test has passed on;
a new yoyo must pass it before the pin moves.
"""

from __future__ import annotations

import configparser
import inspect
import sqlite3
from importlib.metadata import version
from pathlib import Path
from typing import Any

import apsw
import pytest
from packaging.requirements import Requirement
from yoyo import get_backend, internalmigrations, read_migrations
from yoyo.backends.base import DatabaseBackend
from yoyo.migrations import Migration

import cwdb
from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.yoyo_backend import ApswBackend
from cwdb.adapters.sqlfiles import load_all

ROOT = Path(__file__).resolve().parent.parent
YOYO_TABLES = ("_yoyo_migration", "_yoyo_log", "_yoyo_version", "yoyo_lock")

#: yoyo's methods cwdb overrides or calls, and the parameters it passes them.
SIGNATURES = {
    (DatabaseBackend, "lock"): ["self", "timeout"],
    (DatabaseBackend, "apply_one"): ["self", "migration", "force", "mark"],
    (DatabaseBackend, "rollback_one"): ["self", "migration", "force"],
    (DatabaseBackend, "ensure_internal_schema_updated"): ["self"],
    (DatabaseBackend, "disable_transactions"): ["self"],
    (DatabaseBackend, "begin"): ["self"],
    (DatabaseBackend, "commit"): ["self"],
    (DatabaseBackend, "rollback"): ["self"],
    (DatabaseBackend, "is_applied"): ["self", "migration"],
    (DatabaseBackend, "log_migration"): ["self", "migration", "operation"],
    (DatabaseBackend, "mark_one"): ["self", "migration", "log"],
    (DatabaseBackend, "unmark_one"): ["self", "migration", "log"],
    (DatabaseBackend, "create_lock_table"): ["self"],
    (DatabaseBackend, "break_lock"): ["self"],
    (DatabaseBackend, "list_tables"): ["self", "kwargs"],
    (DatabaseBackend, "apply_migrations"): ["self", "migrations", "force"],
    (Migration, "load"): ["self"],
    (Migration, "process_steps"): ["self", "backend", "direction", "force"],
}


def _columns(connection: sqlite3.Connection | apsw.Connection, table: str) -> list[tuple[str, str]]:
    rows = connection.execute(f'PRAGMA table_info("{table}")').fetchall()
    return [(str(row[1]), str(row[2]).upper()) for row in rows]


def test_the_installed_yoyo_is_in_the_range_setup_cfg_pins() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    pins = [
        Requirement(line)
        for line in config["options"]["install_requires"].split("\n")
        if line.startswith("yoyo-migrations")
    ]
    assert len(pins) == 1
    assert pins[0].specifier.contains(version("yoyo-migrations"))


def test_yoyo_internal_schema_version_is_the_one_cwdb_reads() -> None:
    assert max(internalmigrations.schema_versions) == 2
    assert callable(internalmigrations.needs_upgrading)
    assert callable(internalmigrations.upgrade)


@pytest.mark.parametrize(("owner", "name"), sorted(SIGNATURES, key=lambda key: key[1]))
def test_the_yoyo_methods_cwdb_overrides_or_calls_keep_their_parameters(
    owner: type, name: str
) -> None:
    parameters = list(inspect.signature(getattr(owner, name)).parameters)
    assert parameters == SIGNATURES[owner, name]


def test_the_backend_attributes_cwdb_reads_still_exist(tmp_path: Path) -> None:
    connection = connections.open_file(str(tmp_path / "a.db"), busy_timeout_ms=5000, create=True)
    try:
        backend: Any = ApswBackend.on(connection)
        assert backend._in_transaction is False
        assert backend._internal_schema_updated is False
        with backend.transaction():
            assert backend._in_transaction is True
        assert backend._in_transaction is False
    finally:
        connection.close()


def test_yoyo_applies_each_migration_through_apply_one(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for number in (1, 2):
        (folder / f"000{number}_t.sql").write_text(f"CREATE TABLE t{number} (x INTEGER);\n")
        (folder / f"000{number}_t.rollback.sql").write_text(f"DROP TABLE t{number};\n")
    connection = connections.open_file(str(tmp_path / "a.db"), busy_timeout_ms=5000, create=True)
    try:
        backend: Any = ApswBackend.on(connection)
        with backend.lock():
            backend.apply_migrations(backend.to_apply(read_migrations(str(folder))))
        assert backend.applied_here == ["0001_t", "0002_t"]
    finally:
        connection.close()


def test_yoyo_makes_its_tables_as_cwdb_reads_them(tmp_path: Path) -> None:
    """The stock backend's tables, and cwdb's (made by yoyo through cwdb's backend), agree."""
    stock = get_backend(f"sqlite:///{tmp_path / 'yoyo.db'}")
    stock.ensure_internal_schema_updated()
    stock.connection.close()
    cwdb.ensure_schema(tmp_path / "cwdb.db")
    ours = apsw.Connection(str(tmp_path / "cwdb.db"))
    theirs = sqlite3.connect(tmp_path / "yoyo.db")
    try:
        for table in YOYO_TABLES:
            assert _columns(ours, table) == _columns(theirs, table), table
        assert theirs.execute("SELECT version FROM _yoyo_version").fetchall() == [(2,)]
        migration = dict(_columns(theirs, "_yoyo_migration"))
        assert {"migration_hash", "migration_id", "applied_at_utc"} <= migration.keys()
        assert "pid" in dict(_columns(theirs, "yoyo_lock"))
        for name in ("applied", "lock_holders"):
            theirs.execute(load_all()["_migrations"][name].sql).fetchall()
    finally:
        theirs.close()
        ours.close()
