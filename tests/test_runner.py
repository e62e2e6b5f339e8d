"""The runner takes the write lock from the statement's suffix, not from the caller.

A statement whose name ends in ``!`` (``<!``, ``!``, ``*!``) runs in its own
``BEGIN IMMEDIATE`` transaction, or in a savepoint inside
``Database.transaction()``; any other runs as a plain read. The caller only
picks the result shape (``one``, ``all``, ``single``, ``rows``, ...).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import cwdb
from cwdb.adapters.sqlfiles import query_file
from cwdb.adapters.statements import Queries


@pytest.fixture
def ran(db: cwdb.Database) -> Iterator[list[str]]:
    """The statements the calling thread's connection runs, in order."""
    statements: list[str] = []

    def trace(_cursor: Any, sql: str, _bindings: Any) -> bool:
        statements.append(sql)
        return True

    connection = db._runner.session().connection
    connection.exec_trace = trace
    yield statements
    connection.exec_trace = None


def initiatives() -> Queries:
    return Queries(query_file("initiatives"))


def create_params(db: cwdb.Database) -> dict[str, object]:
    return {
        "id": db._runner.new_id(),
        "name": "traced",
        "status": "active",
        "execution_mode": "review_per_phase",
        "quality_review": 0,
        "branch": None,
        "now": db._runner.now(),
    }


def test_a_write_suffix_runs_the_statement_in_its_own_immediate_transaction(
    db: cwdb.Database, ran: list[str]
) -> None:
    create = initiatives().bind("create", cwdb.Initiative)
    made = db._runner.one(create, create_params(db))
    assert made is not None
    assert made.name == "traced"
    assert ran == ["BEGIN IMMEDIATE", create.sql, "COMMIT"]


def test_a_read_suffix_runs_without_a_transaction(db: cwdb.Database, ran: list[str]) -> None:
    find = initiatives().bind("find_by_id", cwdb.Initiative)
    assert db._runner.one(find, {"id": "nope"}) is None
    assert ran == [find.sql]


def test_a_write_inside_a_transaction_block_is_its_own_savepoint(
    db: cwdb.Database, ran: list[str]
) -> None:
    create = initiatives().bind("create", cwdb.Initiative)
    with db.transaction():
        db._runner.all(create, create_params(db))
    assert ran == [
        "BEGIN IMMEDIATE",
        "SAVEPOINT cwdb_call",
        create.sql,
        "RELEASE cwdb_call",
        "COMMIT",
    ]


def test_single_of_a_statement_that_returned_no_row_is_an_error(db: cwdb.Database) -> None:
    find = initiatives().bind("find_by_id", cwdb.Initiative)
    with pytest.raises(cwdb.Error, match=r"initiatives\.find_by_id returned no row"):
        db._runner.single(find, {"id": "nope"})
