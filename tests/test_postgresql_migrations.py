"""cwdb.ensure_schema on a PostgreSQL URL: yoyo's tables, once per migration, all or nothing."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from yoyo import get_backend, read_migrations

import cwdb
from tests.support import postgres_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")
from cwdb.adapters.psycopg.connection import open_connection  # noqa: E402  (needs psycopg)
from cwdb.adapters.psycopg.migrator import Migrator  # noqa: E402

IDS = ["0001_initial_schema", "0002_log_chunks_agent_order", "0003_seed_schema"]


@pytest.fixture
def url(pg_server: postgres_server.PostgresServer) -> str:
    return pg_server.create_database("migrations")


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()  # type: ignore[no-any-return]


def applied(url: str) -> list[str]:
    return sorted(row[0] for row in query(url, "SELECT migration_id FROM _yoyo_migration"))


def test_ensure_schema_applies_every_migration_once_and_yoyo_sees_them(url: str) -> None:
    assert cwdb.ensure_schema(url) == IDS
    assert cwdb.ensure_schema(url) == []
    assert applied(url) == IDS
    with get_backend(postgres_server.yoyo_url(url)) as backend:
        assert list(backend.to_apply(read_migrations(str(postgres_server.MIGRATIONS)))) == []
    operations = query(url, "SELECT operation, migration_id FROM _yoyo_log ORDER BY created_at_utc")
    assert operations == [("apply", migration_id) for migration_id in IDS]


def test_ensure_schema_finishes_what_yoyo_began(url: str) -> None:
    postgres_server.apply_migrations(url, upto="0002_log_chunks_agent_order")
    assert cwdb.ensure_schema(url) == ["0003_seed_schema"]
    assert applied(url) == IDS


def test_a_refused_migration_is_a_migration_error_and_changes_nothing(url: str) -> None:
    postgres_server.apply_migrations(url, upto="0002_log_chunks_agent_order")
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO errands (id, description, branch, created_at, updated_at) "
            "VALUES ('e1', 'd', 'b', now(), now()), ('e2', 'd', 'b', now(), now())"
        )
    checks = "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint ORDER BY conname"
    before = query(url, checks)
    with pytest.raises(cwdb.MigrationError, match="errands: 2 rows break project_id NOT NULL"):
        cwdb.ensure_schema(url)
    assert query(url, checks) == before
    assert applied(url) == IDS[:2]
    assert query(url, "SELECT count(*) FROM errands") == [(2,)]


def test_a_database_ahead_of_this_cwdb_is_refused(url: str) -> None:
    cwdb.ensure_schema(url)
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO _yoyo_migration VALUES ('f' || repeat('0', 63), '0999_future', now())"
        )
    with pytest.raises(cwdb.MigrationError, match="0999_future"):
        cwdb.ensure_schema(url)


def test_a_held_yoyo_lock_is_waited_for_then_a_busy_error(url: str) -> None:
    cwdb.ensure_schema(url)
    with psycopg.connect(url) as connection:
        connection.execute("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, now(), 4242)")
    with open_connection(url, busy_timeout_ms=5000) as connection:
        # Nothing pending: nothing to wait for.
        assert Migrator(connection, wait_seconds=0.3).apply_pending() == []
    # A pending migration must wait for yoyo's lock, and gives up with BusyError.
    with psycopg.connect(url) as connection:
        connection.execute("DELETE FROM _yoyo_migration WHERE migration_id = '0003_seed_schema'")
        connection.execute("ALTER TABLE errands ALTER COLUMN project_id DROP NOT NULL")
    with (
        open_connection(url, busy_timeout_ms=5000) as connection,
        pytest.raises(cwdb.BusyError, match="yoyo's migration lock"),
    ):
        Migrator(connection, wait_seconds=0.3).apply_pending()


def test_a_password_never_appears_in_an_error(pg_server: postgres_server.PostgresServer) -> None:
    bad = f"postgresql://postgres:s3cret@/no_such_database?host={pg_server.folder}"
    for call in (cwdb.ensure_schema, cwdb.connect):
        with pytest.raises(cwdb.Error) as raised:
            call(bad)
        assert "s3cret" not in str(raised.value)
        assert "postgres:***@" in str(raised.value)


def test_connect_migrates_and_opens_the_same_database(url: str) -> None:
    with cwdb.connect(url) as db:
        assert isinstance(db, cwdb.Database)
        assert db.schema_version == "0003_seed_schema"
        made = db.initiatives.create(name="on the server")
        assert db.initiatives.find_by_id(made.id) == made
    with cwdb.connect(url, migrate=False) as again:
        assert again.initiatives.find_all() == [made]


def _migrate_in_child(url: str, start: Any, results: Any) -> None:
    start.wait()
    try:
        results.put(cwdb.ensure_schema(url))
    except Exception as error:  # reported to the parent, which fails the test
        results.put(f"{type(error).__name__}: {error}")


def test_eight_processes_migrating_at_once_apply_each_migration_once(url: str) -> None:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(8), context.Queue()
    children = [
        context.Process(target=_migrate_in_child, args=(url, start, results)) for _ in range(8)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert all(isinstance(outcome, list) for outcome in outcomes), outcomes
    assert sorted(i for outcome in outcomes for i in outcome) == IDS
    assert applied(url) == IDS


def test_the_migrate_command_takes_a_url_and_never_prints_its_password(
    pg_server: postgres_server.PostgresServer,
) -> None:
    import subprocess
    import sys

    url = pg_server.create_database("cli").replace("postgres@", "postgres:s3cret@", 1)
    command = [sys.executable, "-m", "cwdb", "migrate", "--database", url]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    again = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == again.returncode == 0, first.stderr
    assert first.stdout.splitlines()[:3] == [f"applied {migration_id}" for migration_id in IDS]
    assert again.stdout.startswith("nothing to apply: postgresql://postgres:***@/cli_")
    for result in (first, again):
        assert "s3cret" not in result.stdout + result.stderr


def _cwdb(*args: str) -> Any:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "cwdb", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_status_command_reads_a_postgresql_database(
    pg_server: postgres_server.PostgresServer,
) -> None:
    url = pg_server.create_database("status")
    postgres_server.apply_migrations(url, upto="0002_log_chunks_agent_order")
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO initiatives (id, name, created_at, updated_at) "
            "VALUES ('i1', 'n', now(), now()), ('i2', 'm', now(), now())"
        )
    secret = url.replace("postgres@", "postgres:s3cret@", 1)
    result = _cwdb("status", "--database", secret)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("database  postgresql://postgres:***@/status_")
    assert "  applied  0002_log_chunks_agent_order" in lines
    assert "  pending  0003_seed_schema" in lines
    assert any(line.split() == ["initiatives", "2"] for line in lines)
    assert any(line.startswith("database ") and line.endswith(" bytes") for line in lines[2:])
    assert "s3cret" not in result.stdout + result.stderr


def test_backup_of_a_postgresql_database_points_at_pg_dump() -> None:
    result = _cwdb("backup", "postgresql://cw:s3cret@db.example/cw", "copy.db")
    assert result.returncode == 1
    assert "pg_dump" in result.stderr
    assert "cw:***@db.example" in result.stderr
    assert "s3cret" not in result.stderr


def test_without_psycopg_a_postgresql_url_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    import cwdb.adapters.psycopg

    # As without the extra: the driver half cannot be imported.
    monkeypatch.setitem(sys.modules, "cwdb.adapters.psycopg.database", None)
    monkeypatch.delattr(cwdb.adapters.psycopg, "database", raising=False)
    with pytest.raises(cwdb.Error, match=r"pip install 'cwdb\[postgresql\]'") as raised:
        cwdb.ensure_schema("postgresql://cw:s3cret@db.example/cw")
    assert "s3cret" not in str(raised.value)


def test_db_backup_on_postgresql_points_at_pg_dump_and_copy(url: str, tmp_path: Path) -> None:
    with cwdb.connect(url) as db:
        with pytest.raises(cwdb.Error) as raised:
            db.backup(tmp_path / "copy.db")
        assert "pg_dump" in str(raised.value)
        assert "cwdb copy" in str(raised.value)
    assert not (tmp_path / "copy.db").exists()
