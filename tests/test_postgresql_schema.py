"""migrations/postgresql/: the same schema as on SQLite, on a real PostgreSQL 15.

yoyo applies the PostgreSQL migrations (``postgresql+psycopg://``) under the
same ids as the SQLite ones, and the catalog it builds has SQLite's tables,
columns (plus the ``rowid`` that records insertion order), nullability,
named CHECKs, indexes and ON DELETE actions. The repositories on PostgreSQL
come later; this is the ground they stand on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import apsw
import pytest
from yoyo import get_backend, read_migrations

import cwdb
from tests.support import postgres_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def url(pg_server: postgres_server.PostgresServer) -> str:
    return pg_server.create_database("schema")


apply = postgres_server.apply_migrations


def rollback(url: str, migration_id: str) -> None:
    migrations = read_migrations(str(postgres_server.MIGRATIONS))
    with get_backend(postgres_server.yoyo_url(url)) as backend, backend.lock():
        backend.rollback_migrations(migrations.filter(lambda m: m.id == migration_id))


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()  # type: ignore[no-any-return]


def pg_catalog(url: str) -> dict[str, Any]:
    """What a DBA compares: columns, nullability, named rules, indexes, ON DELETE."""
    columns: dict[str, list[tuple[str, bool]]] = {}
    for table, column, nullable in query(
        url,
        "SELECT table_name, column_name, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name NOT LIKE '%yoyo%' "
        "ORDER BY table_name, ordinal_position",
    ):
        columns.setdefault(table, []).append((column, nullable))
    checks = {
        name
        for (name,) in query(
            url,
            "SELECT conname FROM pg_constraint WHERE contype IN ('c', 'u') "
            "AND connamespace = 'public'::regnamespace",
        )
    }
    indexes = {
        name
        for (name,) in query(
            url,
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexname NOT LIKE '%pkey' AND indexname NOT LIKE '%yoyo%' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'u')",
        )
    }
    on_delete = {
        (table, column, action)
        for table, column, action in query(
            url,
            "SELECT c.conrelid::regclass::text, a.attname, c.confdeltype::text "
            "FROM pg_constraint AS c JOIN pg_attribute AS a "
            "ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] WHERE c.contype = 'f'",
        )
    }
    return {"columns": columns, "checks": checks, "indexes": indexes, "on_delete": on_delete}


PG_ACTIONS = {"CASCADE": "c", "SET NULL": "n", "NO ACTION": "a", "RESTRICT": "r"}
#: Rules PostgreSQL's types enforce by themselves (boolean, jsonb): no CHECK there.
TYPE_RULES = {
    "initiatives_quality_review_check", "accounts_is_exhausted_check",
    "messages_requires_response_check", "review_comments_resolved_check",
    "agents_result_check", "agents_pending_questions_check", "proposals_metadata_check",
}  # fmt: skip


@pytest.fixture(scope="module")
def sqlite_catalog(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("sqlite") / "cw.db"
    cwdb.ensure_schema(path)
    connection = apsw.Connection(str(path))
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '%yoyo%'"
            )
        ]
        columns = {
            table: [
                (row[1], not row[3] and not row[5])
                for row in connection.execute(f"PRAGMA table_info({table})")
            ]
            for table in tables
        }
        sql = " ".join(
            row[0]
            for row in connection.execute("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL")
        )
        checks = {
            word for word in sql.replace("(", " ").split() if word.endswith(("_check", "_unique"))
        }
        indexes = {
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
        on_delete = {
            (table, row[3], PG_ACTIONS[row[6]])
            for table in tables
            for row in connection.execute(f"PRAGMA foreign_key_list({table})")
        }
    finally:
        connection.close()
    return {"columns": columns, "checks": checks, "indexes": indexes, "on_delete": on_delete}


def test_yoyo_applies_the_postgresql_migrations_under_the_sqlite_ids(url: str) -> None:
    apply(url)
    applied = [row[0] for row in query(url, "SELECT migration_id FROM _yoyo_migration")]
    sqlite_ids = sorted(
        p.stem for p in (ROOT / "migrations").glob("*.sql") if ".rollback" not in p.name
    )
    assert sorted(applied) == sqlite_ids


def test_the_catalog_matches_sqlites(url: str, sqlite_catalog: dict[str, Any]) -> None:
    apply(url)
    pg = pg_catalog(url)
    assert set(pg["columns"]) == set(sqlite_catalog["columns"])
    for table, sqlite_columns in sqlite_catalog["columns"].items():
        *columns, insertion_order = pg["columns"][table]
        assert insertion_order == ("rowid", False), table
        assert columns == sqlite_columns, table
    assert pg["checks"] == sqlite_catalog["checks"] - TYPE_RULES
    assert pg["indexes"] == sqlite_catalog["indexes"]
    assert pg["on_delete"] == sqlite_catalog["on_delete"]


def test_rolling_back_0003_restores_the_catalog_of_0002(url: str) -> None:
    apply(url, upto="0002_log_chunks_agent_order")
    before = pg_catalog(url)
    apply(url)
    rollback(url, "0003_seed_schema")
    assert pg_catalog(url) == before


def test_0003_refuses_rows_the_seed_cannot_hold_and_changes_nothing(url: str) -> None:
    apply(url, upto="0002_log_chunks_agent_order")
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO errands (id, description, branch, created_at, updated_at) "
            "VALUES ('e1', 'd', 'b', now(), now()), ('e2', 'd', 'b', now(), now())"
        )
    before = pg_catalog(url)
    with pytest.raises(psycopg.errors.CheckViolation, match="errands: 2 rows break project_id"):
        apply(url)
    assert pg_catalog(url) == before
    assert query(url, "SELECT count(*) FROM errands") == [(2,)]
    assert "0003_seed_schema" not in {
        r[0] for r in query(url, "SELECT migration_id FROM _yoyo_migration")
    }


def test_timestamps_keep_milliseconds_and_json_is_checked_by_type(url: str) -> None:
    apply(url)
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO agents (id, name, worktree_id, result, created_at, updated_at) "
            "VALUES ('a1', 'n', 'w', '{\"k\": [1]}', "
            "'2026-01-01 12:00:00.123456+00', '2026-01-01 12:00:00.123+00')"
        )
        stamp = connection.execute("SELECT created_at FROM agents").fetchone()[0]
        assert stamp.microsecond == 123000
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            connection.execute(
                "INSERT INTO agents (id, name, worktree_id, result, created_at, updated_at) "
                "VALUES ('a2', 'm', 'w', '{not json', now(), now())"
            )


def test_without_postgresql_the_tests_skip_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres_server, "server_bin", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql-15"):
        postgres_server.start_or_skip()


def test_under_ci_a_missing_postgresql_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres_server, "server_bin", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the PostgreSQL tests"):
        postgres_server.start_or_skip()
