"""yoyo's ``apsw://`` backend, the repository's yoyo.ini, and yoyo beside cwdb.

The command line runs as a subprocess (the ``yoyo`` of this virtualenv, found
through the entry point cwdb registers); finer behaviour goes through yoyo's
Python API (``get_backend`` / ``read_migrations``).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import apsw
import pytest
from yoyo import get_backend, read_migrations

import cwdb
from cwdb.adapters.apsw.migrator import shipped_migrations
from cwdb.adapters.apsw.yoyo_backend import ApswBackend

ROOT = Path(__file__).resolve().parent.parent
YOYO = Path(sys.executable).parent / "yoyo"
#: Every shipped migration, oldest first, and the newest.
MIGRATION_IDS = [m.id for m in shipped_migrations()]
LATEST = MIGRATION_IDS[-1]
YOYO_TABLES = {"_yoyo_migration", "_yoyo_log", "_yoyo_version", "yoyo_lock"}
#: How yoyo's stock sqlite backend stores a datetime: naive isoformat().
NAIVE_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$")


# -- helpers --------------------------------------------------------------------


def run_yoyo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(YOYO), *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result


def apsw_url(path: Path) -> str:
    """yoyo's convention: three slashes, then the absolute path (so four)."""
    return f"apsw:///{path}"


def empty_private_file(path: Path) -> None:
    """An empty database file (SQLite reads a 0-byte file as an empty database)."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read with Python's own sqlite3 (what a DBA has), leaving no connection open."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def schema(path: Path) -> list[tuple[Any, ...]]:
    """Every schema object except yoyo's bookkeeping, as SQLite stores it."""
    rows = query(path, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    return [row for row in rows if row[2] not in YOYO_TABLES]


def applied_ids(path: Path) -> list[str]:
    return [row[0] for row in query(path, "SELECT migration_id FROM _yoyo_migration")]


def apply_all(url: str, source: Path) -> None:
    with get_backend(url) as backend, backend.lock():
        backend.apply_migrations(backend.to_apply(read_migrations(str(source))))


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what ``yoyo apply`` needs from the repository root."""
    target = tmp_path / "checkout"
    target.mkdir()
    shutil.copy(ROOT / "yoyo.ini", target / "yoyo.ini")
    shutil.copytree(ROOT / "migrations", target / "migrations")
    return target


@pytest.fixture
def reference_schema(tmp_path: Path) -> list[tuple[Any, ...]]:
    """The schema as cwdb.ensure_schema creates it."""
    path = tmp_path / "reference.db"
    cwdb.ensure_schema(path)
    return schema(path)


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Any]:
    """An apsw backend on a fresh (empty, 0600) file, with no migration applied."""
    empty_private_file(tmp_path / "api.db")
    with get_backend(apsw_url(tmp_path / "api.db")) as opened:
        yield opened


# -- yoyo apply with the repository's yoyo.ini ----------------------------------


def test_yoyo_apply_in_checkout_creates_database_with_full_schema(
    checkout: Path, reference_schema: list[tuple[Any, ...]]
) -> None:
    run_yoyo("apply", cwd=checkout)

    assert schema(checkout / "cw.db") == reference_schema
    assert applied_ids(checkout / "cw.db") == MIGRATION_IDS


def test_yoyo_apply_creates_database_file_0600(checkout: Path) -> None:
    run_yoyo("apply", cwd=checkout)

    assert mode(checkout / "cw.db") == 0o600


def test_yoyo_apply_leaves_database_in_wal_mode(checkout: Path) -> None:
    run_yoyo("apply", cwd=checkout)

    assert query(checkout / "cw.db", "PRAGMA journal_mode") == [("wal",)]


def test_yoyo_apply_leaves_no_lock_row(checkout: Path) -> None:
    run_yoyo("apply", cwd=checkout)

    assert query(checkout / "cw.db", "SELECT * FROM yoyo_lock") == []


def test_cwdb_opens_yoyo_applied_database_without_migrating(checkout: Path) -> None:
    run_yoyo("apply", cwd=checkout)

    with cwdb.connect(checkout / "cw.db", migrate=False) as db:
        assert db.schema_version == LATEST
        created = db.initiatives.create(name="through yoyo")
        assert db.initiatives.find_by_id(created.id) == created


def test_yoyo_apply_from_subdirectory_migrates_checkout_database(checkout: Path) -> None:
    subdirectory = checkout / "scripts"
    subdirectory.mkdir()

    run_yoyo("apply", cwd=subdirectory)

    assert applied_ids(checkout / "cw.db") == MIGRATION_IDS
    assert not (subdirectory / "cw.db").exists()


def test_yoyo_ini_keeps_default_table_names() -> None:
    assert "migration_table" not in (ROOT / "yoyo.ini").read_text(encoding="utf-8")


# -- yoyo and cwdb.ensure_schema on one database --------------------------------


def test_yoyo_list_shows_migration_applied_by_ensure_schema(checkout: Path) -> None:
    cwdb.ensure_schema(checkout / "cw.db")

    listing = run_yoyo("list", cwd=checkout).stdout

    applied = [line.split()[:2] for line in listing.splitlines() if "_" in line]
    assert applied == [["A", migration] for migration in MIGRATION_IDS]


def test_yoyo_apply_after_ensure_schema_applies_nothing(checkout: Path) -> None:
    path = checkout / "cw.db"
    cwdb.ensure_schema(path)
    before = query(path, "SELECT * FROM _yoyo_log"), query(path, "SELECT * FROM _yoyo_migration")

    run_yoyo("apply", cwd=checkout)

    after = query(path, "SELECT * FROM _yoyo_log"), query(path, "SELECT * FROM _yoyo_migration")
    assert after == before


def test_yoyo_rollback_drops_schema_applied_by_ensure_schema(checkout: Path) -> None:
    path = checkout / "cw.db"
    cwdb.ensure_schema(path)

    run_yoyo("rollback", "--all", cwd=checkout)

    assert schema(path) == []
    assert applied_ids(path) == []


def test_cwdb_sees_migration_pending_after_yoyo_rollback(checkout: Path) -> None:
    path = checkout / "cw.db"
    cwdb.ensure_schema(path)
    run_yoyo("rollback", "--all", cwd=checkout)

    with pytest.raises(cwdb.MigrationError, match=MIGRATION_IDS[0]):
        cwdb.connect(path, migrate=False)


def test_ensure_schema_reapplies_after_yoyo_rollback(
    checkout: Path, reference_schema: list[tuple[Any, ...]]
) -> None:
    path = checkout / "cw.db"
    cwdb.ensure_schema(path)
    run_yoyo("rollback", "--all", cwd=checkout)

    assert cwdb.ensure_schema(path) == MIGRATION_IDS
    assert schema(path) == reference_schema


def test_yoyo_applies_after_ensure_schema_of_nothing_then_rollback(checkout: Path) -> None:
    """ensure_schema's bookkeeping tables, left empty by a rollback, suit yoyo."""
    path = checkout / "cw.db"
    cwdb.ensure_schema(path)
    run_yoyo("rollback", "--all", cwd=checkout)

    run_yoyo("apply", cwd=checkout)

    assert applied_ids(path) == MIGRATION_IDS


# -- the stock sqlite backend -----------------------------------------------------


def test_stock_sqlite_backend_applies_same_schema(
    tmp_path: Path, reference_schema: list[tuple[Any, ...]]
) -> None:
    path = tmp_path / "stock.db"

    apply_all(f"sqlite:///{path}", ROOT / "migrations")

    assert schema(path) == reference_schema


def test_cwdb_accepts_database_migrated_by_stock_sqlite_backend(tmp_path: Path) -> None:
    path = tmp_path / "stock.db"
    apply_all(f"sqlite:///{path}", ROOT / "migrations")

    with cwdb.connect(path, migrate=False) as db:
        assert db.schema_version == LATEST
        assert db.initiatives.create(name="through sqlite3").name == "through sqlite3"


@pytest.mark.parametrize("scheme", ["apsw", "sqlite"])
def test_yoyo_timestamps_are_stored_as_naive_iso_8601_text(tmp_path: Path, scheme: str) -> None:
    path = tmp_path / f"{scheme}.db"
    apply_all(f"{scheme}:///{path}", ROOT / "migrations")

    stamps = query(
        path,
        "SELECT applied_at_utc FROM _yoyo_migration UNION ALL "
        "SELECT created_at_utc FROM _yoyo_log UNION ALL "
        "SELECT installed_at_utc FROM _yoyo_version",
    )

    assert len(stamps) == 2 * len(MIGRATION_IDS) + 1
    for (stamp,) in stamps:
        assert isinstance(stamp, str)
        assert NAIVE_ISO.match(stamp), stamp
        assert datetime.fromisoformat(stamp).tzinfo is None


def test_ensure_schema_timestamps_match_yoyo_format(tmp_path: Path) -> None:
    path = tmp_path / "cwdb.db"
    cwdb.ensure_schema(path)

    stamps = query(path, "SELECT applied_at_utc FROM _yoyo_migration")

    assert len(stamps) == len(MIGRATION_IDS)
    assert NAIVE_ISO.match(stamps[0][0]), stamps


# -- the backend through yoyo's Python API ----------------------------------------


def test_entry_point_resolves_to_apsw_backend(backend: Any) -> None:
    assert isinstance(backend, ApswBackend)


def test_absolute_path_url_has_four_slashes_and_creates_that_file(tmp_path: Path) -> None:
    path = tmp_path / "absolute.db"
    url = apsw_url(path)

    with get_backend(url) as opened, opened.lock():
        opened.apply_migrations(opened.to_apply(read_migrations(str(ROOT / "migrations"))))

    assert url.startswith("apsw:////")
    assert path.is_file()


def test_wal_and_shm_files_of_new_database_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "private.db"
    with get_backend(apsw_url(path)) as opened, opened.lock():
        opened.apply_migrations(opened.to_apply(read_migrations(str(ROOT / "migrations"))))

        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)


def test_existing_database_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    path.touch()
    path.chmod(0o640)

    with get_backend(apsw_url(path)):
        pass

    assert mode(path) == 0o640


def test_connections_are_configured_as_cwdb_configures_them(backend: Any) -> None:
    settings = {
        name: backend.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")
    }

    assert settings == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "synchronous": 1,
        "busy_timeout": 5000,
    }


def test_memory_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs a database file"):
        get_backend("apsw:///:memory:")


def test_commit_and_rollback_outside_transaction_do_nothing(backend: Any) -> None:
    backend.connection.commit()
    backend.connection.rollback()

    assert not backend.connection.in_transaction


def test_nested_transaction_rolls_back_to_its_savepoint(backend: Any) -> None:
    with backend.transaction():
        backend.execute("CREATE TABLE t (x INTEGER)")
        backend.execute("INSERT INTO t VALUES (1)")
        with backend.transaction(rollback_on_exit=True):
            backend.execute("INSERT INTO t VALUES (2)")

    assert backend.execute("SELECT x FROM t").fetchall() == [(1,)]


def test_transaction_rollback_undoes_its_writes(backend: Any) -> None:
    with backend.transaction():
        backend.execute("CREATE TABLE t (x INTEGER)")
    with backend.transaction(rollback_on_exit=True):
        backend.execute("INSERT INTO t VALUES (1)")

    assert backend.execute("SELECT count(*) FROM t").fetchone() == (0,)
    assert not backend.connection.in_transaction


def test_busy_begin_leaves_backend_able_to_begin_again(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    empty_private_file(path)
    with get_backend(apsw_url(path)) as opened:
        opened.connection.apsw.set_busy_timeout(0)
        writer = apsw.Connection(str(path))
        writer.execute("BEGIN IMMEDIATE")
        with pytest.raises(apsw.BusyError), opened.transaction():
            pass
        writer.execute("ROLLBACK")
        writer.close()

        with opened.transaction():
            opened.execute("CREATE TABLE t (x INTEGER)")

        assert not opened.connection.in_transaction
        assert query(path, "SELECT count(*) FROM t") == [(0,)]


def test_datetime_parameters_bind_as_isoformat(backend: Any) -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901)
    with backend.transaction():
        backend.execute("CREATE TABLE t (at TIMESTAMP)")
        backend.execute("INSERT INTO t VALUES (:at)", {"at": moment})

    assert backend.execute("SELECT at FROM t").fetchall() == [(moment.isoformat(),)]


# -- migrations marked "-- transactional: false" ------------------------------------

TABLES_SQL = """\
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE
);
"""

REBUILD_SQL = """\
-- transactional: false
CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);
INSERT INTO parent_new (id, name) SELECT id, name FROM parent;
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;
"""

BREAK_SQL = """\
-- transactional: false
INSERT INTO child (id, parent_id) VALUES (99, 12345);
"""


def apply_folder(backend: Any, folder: Path) -> None:
    with backend.lock():
        backend.apply_migrations(backend.to_apply(read_migrations(str(folder))))


def apply_first_then_second(backend: Any, folder: Path, second_sql: str) -> None:
    """Apply 0001, add a parent with a child, then add and apply 0002."""
    folder.mkdir()
    (folder / "0001_tables.sql").write_text(TABLES_SQL)
    (folder / "0001_tables.rollback.sql").write_text("DROP TABLE child;\nDROP TABLE parent;\n")
    apply_folder(backend, folder)
    with backend.transaction():
        backend.execute("INSERT INTO parent (id, name) VALUES (1, 'p')")
        backend.execute("INSERT INTO child (id, parent_id) VALUES (1, 1)")
    (folder / "0002_second.sql").write_text(second_sql)
    (folder / "0002_second.rollback.sql").write_text("")
    apply_folder(backend, folder)


def test_non_transactional_rebuild_keeps_cascading_children(backend: Any, tmp_path: Path) -> None:
    apply_first_then_second(backend, tmp_path / "rebuild", REBUILD_SQL)

    assert backend.execute("SELECT id, parent_id FROM child").fetchall() == [(1, 1)]
    assert backend.execute("SELECT id, name, note FROM parent").fetchall() == [(1, "p", None)]


def test_non_transactional_migration_breaking_foreign_keys_fails_unmarked(
    backend: Any, tmp_path: Path
) -> None:
    with pytest.raises(apsw.ConstraintError, match="foreign keys"):
        apply_first_then_second(backend, tmp_path / "break", BREAK_SQL)

    applied = backend.execute("SELECT migration_id FROM _yoyo_migration").fetchall()
    assert applied == [("0001_tables",)]


def test_foreign_keys_back_on_after_non_transactional_block(backend: Any) -> None:
    with backend.disable_transactions():
        assert backend.execute("PRAGMA foreign_keys").fetchone() == (0,)

    assert backend.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_foreign_keys_back_on_after_failed_non_transactional_block(backend: Any) -> None:
    with pytest.raises(apsw.SQLError), backend.disable_transactions():
        backend.execute("SELECT * FROM no_such_table")

    assert backend.execute("PRAGMA foreign_keys").fetchone() == (1,)


# -- a database that does not exist yet -------------------------------------------------


def test_yoyo_list_of_a_missing_database_creates_nothing(checkout: Path) -> None:
    listing = run_yoyo("list", cwd=checkout).stdout
    pending = [line.split()[:2] for line in listing.splitlines() if "_" in line]
    assert pending == [["U", migration] for migration in MIGRATION_IDS]
    assert sorted(p.name for p in checkout.iterdir()) == ["migrations", "yoyo.ini"]


def test_yoyo_apply_creates_the_missing_database_private_and_applies_everything(
    checkout: Path,
) -> None:
    run_yoyo("list", cwd=checkout)
    run_yoyo("apply", cwd=checkout)
    assert mode(checkout / "cw.db") == 0o600
    assert [
        row[0] for row in query(checkout / "cw.db", "SELECT migration_id FROM _yoyo_migration")
    ] == MIGRATION_IDS
    assert query(checkout / "cw.db", "SELECT count(*) FROM yoyo_lock") == [(0,)]
    listing = run_yoyo("list", cwd=checkout).stdout
    applied = [line.split()[:2] for line in listing.splitlines() if "_" in line]
    assert applied == [["A", migration] for migration in MIGRATION_IDS]


def test_yoyo_apply_of_the_package_source_works_from_a_checkout_install(tmp_path: Path) -> None:
    """``package:cwdb:migrations`` (issue 23 item 7): the checkout's cwdb/migrations link."""
    result = run_yoyo(
        "apply", "-b", "--database", "apsw:///yy.db", "package:cwdb:migrations", cwd=tmp_path
    )
    assert applied_ids(tmp_path / "yy.db") == [m.id for m in shipped_migrations()], result.stderr


# -- yoyo's lock is the migration's transaction, not a row --------------------------

KILLED_YOYO = """
import os, signal, sys
from yoyo import get_backend, read_migrations

backend = get_backend(sys.argv[1])
backend.connection.apsw.create_scalar_function("die", lambda: os.kill(os.getpid(), signal.SIGKILL))
with backend.lock():
    backend.apply_migrations(backend.to_apply(read_migrations(sys.argv[2])))
"""


def test_yoyos_lock_on_the_apsw_backend_writes_no_row(backend: Any) -> None:
    backend.ensure_internal_schema_updated()
    with backend.lock():
        assert backend.execute("SELECT count(*) FROM yoyo_lock").fetchone() == (0,)
        assert not backend.connection.in_transaction


def test_a_yoyo_apply_killed_mid_migration_leaves_no_lock_and_nothing_half_done(
    tmp_path: Path,
) -> None:
    path = tmp_path / "killed.db"
    folder = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", folder)
    apply_all(apsw_url(path), folder)
    (folder / "0999_dies.sql").write_text("CREATE TABLE doomed (x INTEGER);\nSELECT die();\n")
    (folder / "0999_dies.rollback.sql").write_text("DROP TABLE doomed;\n")
    before = schema(path)

    killed = subprocess.run(
        [sys.executable, "-c", KILLED_YOYO, apsw_url(path), str(folder)], check=False
    )

    assert killed.returncode == -9
    assert schema(path) == before
    assert query(path, "SELECT count(*) FROM yoyo_lock") == [(0,)]
    assert "0999_dies" not in applied_ids(path)
    with cwdb.connect(path, migrate=False) as db:
        assert db.schema_version == LATEST


def test_yoyo_rollback_and_its_record_commit_together(backend: Any, tmp_path: Path) -> None:
    """A rollback that fails half-way leaves the migration applied and recorded."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_two.sql").write_text("CREATE TABLE a (x INTEGER);\nCREATE TABLE b (x);\n")
    (folder / "0001_two.rollback.sql").write_text("DROP TABLE a;\nDROP TABLE no_such_table;\n")
    apply_folder(backend, folder)

    with pytest.raises(apsw.SQLError), backend.lock():
        backend.rollback_migrations(backend.to_rollback(read_migrations(str(folder))))

    tables = {row[0] for row in backend.execute("SELECT name FROM sqlite_master").fetchall()}
    assert {"a", "b"} <= tables
    assert backend.execute("SELECT migration_id FROM _yoyo_migration").fetchall() == [("0001_two",)]
