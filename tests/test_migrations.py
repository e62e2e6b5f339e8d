"""ensure_schema: atomic migrations recorded in yoyo's tables, safe under concurrency."""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import apsw
import pytest

import cwdb
from cwdb._resources import resource_dir
from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.migrator import Migrator, shipped_migrations
from cwdb.adapters.migration_files import read_migrations
from tests.support.factories import initiative, project

ALL = [m.id for m in shipped_migrations()]
LATEST = ALL[-1]


def schema_of(path: Path) -> list[tuple[str, str]]:
    connection = apsw.Connection(str(path))
    try:
        return connection.execute(
            "SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
    finally:
        connection.close()


def migrations_with(tmp_path: Path, **extra: str) -> Path:
    """A migrations folder: the shipped ones plus ``extra`` (id -> SQL)."""
    folder = tmp_path / "migrations"
    shutil.copytree(resource_dir("migrations"), folder)
    for migration_id, sql in extra.items():
        (folder / f"{migration_id}.sql").write_text(textwrap.dedent(sql))
        (folder / f"{migration_id}.rollback.sql").write_text("SELECT 1;\n")
    return folder


def open_file(path: Path) -> apsw.Connection:
    return connections.open_file(str(path), busy_timeout_ms=5000, create=True)


def test_ensure_schema_applies_once_and_is_then_a_no_op(db_path: Path) -> None:
    assert cwdb.ensure_schema(db_path) == ALL
    assert cwdb.ensure_schema(db_path) == []
    assert cwdb.ensure_schema(str(db_path)) == []


def test_ensure_schema_refuses_memory() -> None:
    with pytest.raises(ValueError, match="memory"):
        cwdb.ensure_schema(":memory:")


def test_applied_migrations_are_recorded_where_yoyo_looks(db_path: Path) -> None:
    from yoyo.migrations import get_migration_hash

    cwdb.ensure_schema(db_path)
    connection = apsw.Connection(str(db_path))
    migrations = connection.execute(
        "SELECT migration_hash, migration_id FROM _yoyo_migration"
    ).fetchall()
    assert migrations == [(get_migration_hash(m), m) for m in ALL]
    assert connection.execute("SELECT max(version) FROM _yoyo_version").fetchall() == [(2,)]
    log = connection.execute("SELECT migration_id, operation FROM _yoyo_log").fetchall()
    assert log == [(m, "apply") for m in ALL]


def test_migration_order_and_ids_match_yoyos(db_path: Path) -> None:
    from yoyo import read_migrations as yoyo_read

    ours = [m.id for m in read_migrations(resource_dir("migrations"))]
    theirs = [m.id for m in yoyo_read(str(resource_dir("migrations")))]
    assert ours == theirs


def test_a_failing_migration_leaves_the_database_unchanged(tmp_path: Path, db_path: Path) -> None:
    cwdb.ensure_schema(db_path)
    folder = migrations_with(
        tmp_path,
        **{
            "0002_breaks": """
                CREATE TABLE half_done (x INTEGER) STRICT;
                INSERT INTO half_done VALUES ('not an integer');
            """
        },
    )
    before = schema_of(db_path)
    connection = open_file(db_path)
    with pytest.raises(cwdb.MigrationError, match="0002_breaks"):
        Migrator(connection, read_migrations(folder)).apply_pending()
    assert [m.id for m in Migrator(connection, read_migrations(folder)).pending()] == [
        "0002_breaks"
    ]
    connection.close()
    assert schema_of(db_path) == before


NON_TRANSACTIONAL_REBUILD = """
    -- transactional: false
    CREATE TABLE projects_new (
        id TEXT NOT NULL PRIMARY KEY,
        name TEXT NOT NULL CONSTRAINT projects_name_unique UNIQUE,
        url TEXT NOT NULL CONSTRAINT projects_url_unique UNIQUE,
        default_branch TEXT NOT NULL DEFAULT 'main',
        last_fetched_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;
    INSERT INTO projects_new SELECT * FROM projects;
    DROP TABLE projects;
    ALTER TABLE projects_new RENAME TO projects;
    CREATE INDEX projects_created_at_idx ON projects (created_at);
"""


def test_a_non_transactional_migration_rebuilds_a_table_without_cascading(
    tmp_path: Path, db_path: Path
) -> None:
    with cwdb.connect(db_path) as db:
        owner = initiative(db)
        linked = project(db)
        db.projects.set_initiative_projects(owner.id, [linked.id])
    folder = migrations_with(tmp_path, **{"0002_rebuild_projects": NON_TRANSACTIONAL_REBUILD})
    migrations = read_migrations(folder)
    migrations[-1].load()
    assert not migrations[-1].use_transactions
    connection = open_file(db_path)
    assert Migrator(connection, migrations).apply_pending() == ["0002_rebuild_projects"]
    assert connection.pragma("foreign_keys") == 1
    connection.close()
    connection = apsw.Connection(str(db_path))
    links = connection.execute("SELECT initiative_id, project_id FROM initiative_projects")
    assert links.fetchall() == [(owner.id, linked.id)]


def test_a_non_transactional_migration_that_breaks_foreign_keys_is_rolled_back(
    tmp_path: Path, db_path: Path
) -> None:
    with cwdb.connect(db_path) as db:
        db.projects.set_initiative_projects(initiative(db).id, [project(db).id])
    folder = migrations_with(
        tmp_path,
        **{"0002_orphans": "-- transactional: false\nDELETE FROM projects;\n"},
    )
    before = schema_of(db_path)
    connection = open_file(db_path)
    with pytest.raises(cwdb.MigrationError, match="foreign keys"):
        Migrator(connection, read_migrations(folder)).apply_pending()
    assert connection.pragma("foreign_keys") == 1
    assert connection.execute("SELECT count(*) FROM projects").fetchall() == [(1,)]
    connection.close()
    assert schema_of(db_path) == before


def test_a_lock_left_by_a_dead_process_is_cleared_with_a_warning(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cwdb.ensure_schema(db_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    connection = apsw.Connection(str(db_path))
    connection.execute(
        "INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, 'x', ?)", (int(dead.stdout),)
    )
    connection.close()
    (db_path.parent / "m").mkdir()
    with caplog.at_level(logging.WARNING, logger="cwdb"):
        connection = open_file(db_path)
        Migrator(
            connection,
            read_migrations(
                migrations_with(
                    db_path.parent / "m", **{"0002_noop": "CREATE TABLE noop (x INTEGER) STRICT;"}
                )
            ),
        ).apply_pending()
        connection.close()
    assert "yoyo_lock" in caplog.text
    assert apsw.Connection(str(db_path)).execute("SELECT count(*) FROM yoyo_lock").fetchall() == [
        (0,)
    ]


def test_a_lock_held_by_a_live_process_is_waited_for(tmp_path: Path, db_path: Path) -> None:
    cwdb.ensure_schema(db_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        connection = apsw.Connection(str(db_path))
        connection.execute(
            "INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, 'x', ?)", (holder.pid,)
        )
        connection.close()
        folder = migrations_with(tmp_path, **{"0002_noop": "CREATE TABLE noop (x INTEGER) STRICT;"})
        connection = open_file(db_path)
        with pytest.raises(cwdb.BusyError, match="yoyo"):
            Migrator(connection, read_migrations(folder), wait_seconds=0.3).apply_pending()
        assert Migrator(connection, read_migrations(folder)).pending()[0].id == "0002_noop"
        connection.close()
    finally:
        holder.communicate(b"")


def _migrate_in_child(path: str, results: multiprocessing.Queue[list[str]]) -> None:
    results.put(cwdb.ensure_schema(path))


def test_processes_migrating_at_once_all_succeed_and_apply_once(db_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[list[str]] = context.Queue()
    workers = [
        context.Process(target=_migrate_in_child, args=(str(db_path), results)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    applied = [results.get(timeout=5) for _ in workers]
    assert sorted(applied) == [[], [], [], ALL]
    connection = apsw.Connection(str(db_path))
    assert connection.execute("SELECT count(*) FROM _yoyo_migration").fetchall() == [(len(ALL),)]


KILLER = """
import os, signal, sys
import apsw
from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.migrator import Migrator
from cwdb.adapters.migration_files import read_migrations
from pathlib import Path

db = connections.open_file(sys.argv[1], busy_timeout_ms=5000, create=True)
db.create_scalar_function("die", lambda: os.kill(os.getpid(), signal.SIGKILL))
Migrator(db, read_migrations(Path(sys.argv[2]))).apply_pending()
"""


def test_a_process_killed_mid_migration_leaves_nothing_half_done(
    tmp_path: Path, db_path: Path
) -> None:
    cwdb.ensure_schema(db_path)
    before = schema_of(db_path)
    folder = migrations_with(
        tmp_path, **{"0002_dies": "CREATE TABLE doomed (x INTEGER) STRICT;\nSELECT die();\n"}
    )
    killed = subprocess.run([sys.executable, "-c", KILLER, str(db_path), str(folder)], check=False)
    assert killed.returncode == -9
    assert schema_of(db_path) == before
    with cwdb.connect(db_path, migrate=False) as db:
        assert db.schema_version == LATEST
    connection = open_file(db_path)
    assert [m.id for m in Migrator(connection, read_migrations(folder)).pending()] == ["0002_dies"]
    connection.close()


def test_a_migration_with_a_statement_that_returns_rows_runs_to_its_end(
    tmp_path: Path, db_path: Path
) -> None:
    cwdb.ensure_schema(db_path)
    folder = migrations_with(
        tmp_path,
        **{
            "0099_data": """
                CREATE TABLE before_select (x INTEGER) STRICT;
                SELECT count(*) FROM initiatives;
                CREATE TABLE after_select (x INTEGER) STRICT;
            """
        },
    )
    connection = open_file(db_path)
    Migrator(connection, read_migrations(folder)).apply_pending()
    connection.close()
    names = {name for name, _ in schema_of(db_path)}
    assert {"before_select", "after_select"} <= names


def test_ensure_schema_prints_nothing_of_a_migrations_select(
    tmp_path: Path, db_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """yoyo prints a migration's rows on its command line; the library stays silent."""
    cwdb.ensure_schema(db_path)
    folder = migrations_with(tmp_path, **{"0099_select": "SELECT 'visible?' AS shown;\n"})
    capfd.readouterr()
    connection = open_file(db_path)
    assert Migrator(connection, read_migrations(folder)).apply_pending() == ["0099_select"]
    connection.close()
    assert capfd.readouterr().out == ""


def test_a_migration_and_yoyos_record_of_it_are_one_transaction(
    tmp_path: Path, db_path: Path
) -> None:
    """A migration is applied, logged and marked by one COMMIT (one BEGIN IMMEDIATE each)."""
    cwdb.ensure_schema(db_path)
    folder = migrations_with(tmp_path, **{"0099_t": "CREATE TABLE t99 (x INTEGER) STRICT;\n"})
    connection = open_file(db_path)
    ran: list[str] = []

    def trace(_cursor: apsw.Cursor, sql: str, _bindings: object) -> bool:
        ran.append(" ".join(sql.split())[:40])
        return True

    connection.exec_trace = trace
    Migrator(connection, read_migrations(folder)).apply_pending()
    connection.close()
    created = ran.index("CREATE TABLE t99 (x INTEGER) STRICT;")
    begin = max(i for i, sql in enumerate(ran[:created]) if sql == "BEGIN IMMEDIATE")
    work = ran[begin : ran.index("COMMIT", created)]
    assert "CREATE TABLE t99 (x INTEGER) STRICT;" in work
    assert any(s.startswith('INSERT INTO "_yoyo_log"') for s in work)
    assert any(s.startswith('INSERT INTO "_yoyo_migration"') for s in work)
    assert not any(s.startswith(("COMMIT", "BEGIN")) for s in work[1:])
