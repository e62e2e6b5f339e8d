"""``python -m cwdb review --database postgresql://...``: every query planned by EXPLAIN."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import cwdb
from cwdb.adapters.sqlfiles import load_all, parse_file
from cwdb.ops.review import failures
from tests.support import pg_tracer, postgres_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")
from cwdb.adapters.psycopg.connection import open_connection  # noqa: E402
from cwdb.ops.postgresql import review  # noqa: E402  (needs psycopg)

ALL = [query for file in load_all("postgresql").values() for query in file.values()]


@pytest.fixture(scope="module")
def url(pg_server: postgres_server.PostgresServer) -> str:
    made = pg_server.create_database("review")
    cwdb.ensure_schema(made)
    return made


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cwdb", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def catalog(url: str) -> list[tuple[Any, ...]]:
    """Every table of the database with its row count: what review must not change."""
    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT relname, n_live_tup + n_dead_tup FROM pg_stat_user_tables ORDER BY relname"
        ).fetchall()
        counts = [
            (name, connection.execute(f'SELECT count(*) FROM "{name}"').fetchone())
            for (name, _) in tables
        ]
        return counts


def test_the_review_plans_every_query_and_passes(url: str) -> None:
    out = io.StringIO()
    assert review.run(url, out) == 0
    text = out.getvalue()
    assert f"cwdb review: {len(ALL)} queries of sql/postgresql/" in text
    for query in ALL:
        assert f"-- {query.qualified_name}  (" in text
    assert "OK: every whole-table read is marked with its reason." in text
    # Keyed lookups use their indexes; plans come from PostgreSQL's EXPLAIN.
    assert "Index Scan on tasks using tasks_pkey" in text


def test_every_query_prepares_with_its_result_columns(url: str) -> None:
    with open_connection(url, busy_timeout_ms=5000) as connection:
        reviews = review.review_all(connection)
    assert [r.query for r in reviews if r.error is not None] == []
    find = next(r for r in reviews if r.query.qualified_name == "tasks.find_by_id")
    assert find.columns[0] == ("id", "text")
    assert ("created_at", "timestamptz") in find.columns
    assert find.parameters == ("id",)


def test_an_unmarked_whole_table_read_fails_the_review(url: str, tmp_path: Path) -> None:
    folder = tmp_path / "postgresql"
    folder.mkdir()
    (folder / "extra.sql").write_text(
        "-- name: by_summary\n-- Tasks by summary: no index starts with it.\n"
        "SELECT id FROM tasks WHERE summary = %(summary)s;\n\n"
        "-- name: by_summary_marked\n-- scan: an operator's occasional search.\n"
        "SELECT id FROM tasks WHERE summary = %(summary)s;\n",
        encoding="utf-8",
    )
    extra = parse_file(folder / "extra.sql")
    for query in extra.values():
        pg_tracer.allow(query)
    with open_connection(url, busy_timeout_ms=5000) as connection:
        unmarked = review.review_query(connection, extra["by_summary"])
        marked = review.review_query(connection, extra["by_summary_marked"])
    assert unmarked.scans
    assert unmarked.scans[0].startswith("Seq Scan on tasks")
    assert failures([unmarked, marked]) == [unmarked]


def test_a_query_that_does_not_prepare_fails_the_review(url: str, tmp_path: Path) -> None:
    folder = tmp_path / "postgresql"
    folder.mkdir()
    (folder / "broken.sql").write_text(
        "-- name: broken\nSELECT no_such_column FROM tasks;\n", encoding="utf-8"
    )
    broken = parse_file(folder / "broken.sql")["broken"]
    pg_tracer.allow(broken)
    with open_connection(url, busy_timeout_ms=5000) as connection:
        reviewed = review.review_query(connection, broken)
    assert reviewed.error is not None
    assert "no_such_column" in reviewed.error
    assert failures([reviewed]) == [reviewed]


def test_the_command_writes_nothing_and_hides_the_password(url: str) -> None:
    with cwdb.connect(url) as db:
        db.initiatives.create(name="kept")
    before = catalog(url)
    secret = url.replace("postgres@", "postgres:s3cret-word@", 1)
    done = cli("review", "--database", secret)
    assert done.returncode == 0, done.stderr
    assert "s3cret-word" not in done.stdout + done.stderr
    assert "postgres:***@" in done.stdout
    assert catalog(url) == before


def test_a_database_without_cwdb_schema_is_one_clear_error(
    pg_server: postgres_server.PostgresServer,
) -> None:
    empty = pg_server.create_database("not_cwdb")
    done = cli("review", "--database", empty)
    assert done.returncode == 1
    assert "is not a cwdb database" in done.stderr
    assert "Traceback" not in done.stderr
