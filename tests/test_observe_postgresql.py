"""A DBA finds cwdb's query names on the PostgreSQL server (docs/reference.md §11).

Each statement is sent after ``/* cwdb:<file>.<name> */`` (made once, when
the statement is bound: ``PostgresqlDialect.statement_text``), so the name
shows in ``pg_stat_activity.query``, ``pg_stat_statements`` and the server
log. The statement record (``tests/support/pg_tracer.py``) still proves the
rest of the text is the file's SQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

import cwdb
from cwdb.ops.postgresql.review import NAMED_STATEMENTS, ON_THE_SERVER
from tests.conftest import selected_backends
from tests.support import factories, pg_tracer
from tests.support.helpers import PostgresSuite
from tests.support.postgres_server import PostgresServer


@pytest.fixture
def db(request: pytest.FixtureRequest) -> Iterator[cwdb.Database]:
    """The suite's PostgreSQL database, emptied (these tests are of PostgreSQL only)."""
    if "postgresql" not in selected_backends(request.config):
        pytest.skip("PostgreSQL only; --backend excludes postgresql")
    suite: PostgresSuite = request.getfixturevalue("pg_suite")
    with suite.connect() as database:
        yield database


def test_each_statement_is_sent_after_a_comment_naming_its_query(db: cwdb.Database) -> None:
    query = db.dialect.query_file("tasks")["find_by_id"]
    st = db.tasks._find_by_id  # type: ignore[attr-defined]
    assert st.sql == f"/* cwdb:tasks.find_by_id */ {query.sql}"
    assert st.query.sql == query.sql  # what records, spans and review show


def test_sqlite_statements_are_sent_as_written() -> None:
    with cwdb.connect(":memory:") as db:
        st = db.tasks._find_by_id  # type: ignore[attr-defined]
        assert st.sql == st.query.sql


def test_the_server_log_names_the_query(db: cwdb.Database, pg_server: PostgresServer) -> None:
    task = factories.task(db)
    db.tasks.find_by_id(task.id)
    sent = pg_tracer.statements(pg_server.folder / "server.log")
    assert any(s.startswith("/* cwdb:tasks.find_by_id */ SELECT") for s in sent)


def test_pg_stat_activity_names_a_statement_while_it_waits(
    db: cwdb.Database, pg_suite: PostgresSuite
) -> None:
    task = factories.task(db)
    done = threading.Event()
    failures: list[BaseException] = []
    with psycopg.connect(pg_suite.url) as holder:
        # Another session holds the task's row, so cwdb's update waits for it.
        holder.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task.id,))

        def update() -> None:
            try:
                db.tasks.update(task.id, status=cwdb.TaskStatus.IN_PROGRESS)
            except BaseException as error:  # reported below
                failures.append(error)
            finally:
                done.set()

        thread = threading.Thread(target=update)
        thread.start()
        seen = _waiting_query(pg_suite.url)
        holder.rollback()
    thread.join(30)
    assert done.is_set()
    assert failures == []
    assert seen.startswith("/* cwdb:tasks.update__status */ UPDATE tasks")


def _waiting_query(url: str) -> str:
    """The query of cwdb's session that waits for a lock, as pg_stat_activity shows it."""
    deadline = time.monotonic() + 20
    with psycopg.connect(url, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            row = watcher.execute(
                "SELECT query FROM pg_stat_activity "
                "WHERE application_name = 'cwdb' AND wait_event_type = 'Lock'"
            ).fetchone()
            if row is not None:
                return str(row[0])
            time.sleep(0.02)
    raise AssertionError("cwdb's update never waited for the lock")


def test_pg_stat_statements_keeps_the_query_name(
    db: cwdb.Database, pg_server: PostgresServer, pg_suite: PostgresSuite
) -> None:
    if not pg_server.has_pg_stat_statements():
        pytest.skip("this PostgreSQL has no pg_stat_statements module")
    with psycopg.connect(pg_suite.url, autocommit=True) as dba:
        dba.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        # An entry keeps the text of the first execution it saw, and earlier
        # tests ran the same SQL without the comment (raw psycopg baselines).
        dba.execute("SELECT pg_stat_statements_reset()")
        phase = factories.phase(db)
        for _ in range(3):
            db.tasks.find_by_phase_id(phase.id)
        # The query review --database prints and README's "Observing cwdb" shows.
        rows = dba.execute(NAMED_STATEMENTS.replace("%", "%%")).fetchall()
    calls = {name: count for name, count, *_ in rows}
    assert calls.get("tasks.find_by_phase_id", 0) >= 3


def test_the_comment_costs_nothing_per_call(db: cwdb.Database) -> None:
    # The text is made once, when the adapter binds the statement: every call
    # sends the same string object.
    st = db.tasks._find_by_id  # type: ignore[attr-defined]
    before = st.sql
    task = factories.task(db)
    db.tasks.find_by_id(task.id)
    assert st.sql is before


def test_review_database_shows_the_dba_how_to_find_the_names(
    db: cwdb.Database, pg_suite: PostgresSuite
) -> None:
    import io

    from cwdb.ops.postgresql import review

    out = io.StringIO()
    review.run(pg_suite.url, out)
    assert out.getvalue().endswith(ON_THE_SERVER)
    assert "/* cwdb:tasks.find_by_id */" in ON_THE_SERVER


def test_async_statements_are_sent_after_the_same_comment(
    db: cwdb.Database, pg_suite: PostgresSuite
) -> None:
    import asyncio

    async def bound() -> str:
        async with await cwdb.connect_async(pg_suite.url, migrate=False) as adb:
            return str(adb.tasks._find_by_id.sql)  # type: ignore[attr-defined]

    assert asyncio.run(bound()).startswith("/* cwdb:tasks.find_by_id */ SELECT")
