"""The PostgreSQL statement record (tests/support/pg_tracer.py) catches what it should."""

from __future__ import annotations

from pathlib import Path

from cwdb.adapters.sqlfiles import query_file
from tests.support import pg_tracer

FIND = query_file("tasks", "postgresql")["find_by_id"]


def log(tmp_path: Path, *entries: tuple[str, str]) -> Path:
    """A server log in the format pg_tracer.settings() asks for."""
    lines = []
    for pid, (app, message) in enumerate(entries, start=100):
        first, *rest = message.split("\n")
        lines.append(f"2026-12-06 02:00:00.000 UTC [{pid}] {app}|LOG:  {first}")
        lines += [f"\t{line}" for line in rest]
    path = tmp_path / "server.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_named_queries_as_psycopg_sends_them_pass(tmp_path: Path) -> None:
    sent = FIND.numbered_sql
    assert "$1" in sent
    assert "%(" not in sent
    path = log(
        tmp_path,
        ("cwdb", f"execute _pg3_0: {sent}"),
        ("cwdb", "statement: BEGIN"),
        ("cwdb", "statement: SELECT pg_advisory_xact_lock(1668768866)"),
        ("cwdb", "statement: COMMIT"),
    )
    assert pg_tracer.problems(path) == (4, [])


def test_statements_after_the_comment_naming_their_query_pass(tmp_path: Path) -> None:
    sent = f"/* cwdb:tasks.find_by_id */ {FIND.numbered_sql}"
    path = log(tmp_path, ("cwdb", f"execute _pg3_0: {sent}"))
    assert pg_tracer.problems(path) == (1, [])


def test_a_comment_naming_another_query_or_any_other_comment_is_caught(tmp_path: Path) -> None:
    wrong_name = f"/* cwdb:tasks.update */ {FIND.numbered_sql}"
    other_form = f"/* cwdb:tasks.find_by_id*/ {FIND.numbered_sql}"
    changed = "/* cwdb:tasks.find_by_id */ " + FIND.numbered_sql.replace("WHERE", "WHERE 1 = 1 AND")
    path = log(
        tmp_path,
        ("cwdb", f"execute <unnamed>: {wrong_name}"),
        ("cwdb", f"execute <unnamed>: {other_form}"),
        ("cwdb", f"execute <unnamed>: {changed}"),
    )
    assert pg_tracer.problems(path) == (3, sorted({wrong_name, other_form, changed}))


def test_sql_built_at_run_time_is_caught(tmp_path: Path) -> None:
    built = "SELECT id FROM tasks WHERE id = 'x' OR 1 = 1"
    changed = FIND.numbered_sql.replace("WHERE", "WHERE 1 = 1 AND")
    path = log(
        tmp_path,
        ("cwdb", f"execute <unnamed>: {built}"),
        ("cwdb", f"execute <unnamed>: {changed}"),
        ("psql", f"statement: {built}"),  # another application: not cwdb's
    )
    count, wrong = pg_tracer.problems(path)
    assert count == 2
    assert wrong == sorted({built, changed})
