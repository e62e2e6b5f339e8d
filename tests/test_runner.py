"""The runner takes the write lock from the statement's suffix, not from the caller.

A statement whose name ends in ``!`` (``<!``, ``!``, ``*!``) runs in its own
``BEGIN IMMEDIATE`` transaction (on PostgreSQL: alone, in autocommit), or in a
savepoint inside ``Database.transaction()``; any other runs as a plain read.
The caller only picks the result shape (``one``, ``all``, ``single``, ``rows``, ...).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import cwdb
from cwdb._ids import new_id
from cwdb.adapters.sqlfiles import query_file
from cwdb.adapters.statements import Queries
from tests.support.helpers import backend_of


class TracingCursor:
    """A psycopg cursor that records the SQL it runs (psycopg has no exec tracer)."""

    def __init__(self, cursor: Any, statements: list[str]) -> None:
        self._cursor = cursor
        self._statements = statements

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        self._statements.append(sql)
        self._cursor.execute(sql, *args, **kwargs)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@pytest.fixture
def ran(db: cwdb.Database) -> Iterator[list[str]]:
    """The statements the calling thread's connection runs, in order."""
    statements: list[str] = []
    if backend_of(db) == "postgresql":
        session = db._runner.session()
        cursor = session.cursor
        session.cursor = TracingCursor(cursor, statements)
        yield statements
        session.cursor = cursor
        return

    def trace(_cursor: Any, sql: str, _bindings: Any) -> bool:
        statements.append(sql)
        return True

    connection = db._runner.session().connection
    connection.exec_trace = trace
    yield statements
    connection.exec_trace = None


def initiatives(db: cwdb.Database) -> Queries:
    return Queries(query_file("initiatives", backend_of(db)))


def create_params(db: cwdb.Database) -> dict[str, object]:
    return {
        "id": new_id(),
        "name": "traced",
        "status": "active",
        "execution_mode": "review_per_phase",
        "quality_review": False if backend_of(db) == "postgresql" else 0,
        "branch": None,
        "now": db.dialect.storage.now(None)(),
    }


def test_a_write_suffix_runs_the_statement_in_its_own_immediate_transaction(
    db: cwdb.Database, ran: list[str]
) -> None:
    create = initiatives(db).one("create", cwdb.Initiative)
    made = db._runner.one(create, create_params(db))
    assert made is not None
    assert made.name == "traced"
    if backend_of(db) == "postgresql":
        # Autocommit: the statement is a transaction of its own.
        assert ran == [create.sql]
        assert not db._runner.session().connection.info.transaction_status
    else:
        assert ran == ["BEGIN IMMEDIATE", create.sql, "COMMIT"]


def test_a_read_suffix_runs_without_a_transaction(db: cwdb.Database, ran: list[str]) -> None:
    find = initiatives(db).one("find_by_id", cwdb.Initiative)
    assert db._runner.one(find, {"id": "nope"}) is None
    assert ran == [find.sql]


def test_a_write_inside_a_transaction_block_is_its_own_savepoint(
    db: cwdb.Database, ran: list[str]
) -> None:
    create = initiatives(db).many("create", cwdb.Initiative)
    with db.transaction():
        db._runner.all(create, create_params(db))
    begin = ["BEGIN IMMEDIATE"]
    if backend_of(db) == "postgresql":
        begin = ["BEGIN", query_file("_transactions", "postgresql")["lock_writers"].sql]
    assert ran == [
        *begin,
        "SAVEPOINT cwdb_call",
        create.sql,
        "RELEASE cwdb_call",
        "COMMIT",
    ]


def test_single_of_a_statement_that_returned_no_row_is_an_error(db: cwdb.Database) -> None:
    delete = initiatives(db).single("delete", str)
    with pytest.raises(cwdb.Error, match=r"initiatives\.delete returned no row"):
        db._runner.single(delete, {"id": "nope"})
