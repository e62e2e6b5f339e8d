"""The runner takes the write lock from the statement's suffix, not from the caller.

A statement whose name ends in ``!`` (``<!``, ``!``, ``*!``) runs in its own
``BEGIN IMMEDIATE`` transaction (on PostgreSQL: alone, in autocommit), or in a
savepoint inside ``Database.transaction()``; any other runs as a plain read.
The caller only picks the result shape (``one``, ``all``, ``single``, ``rows``, ...).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import cwdb
from cwdb._ids import new_id
from cwdb.adapters.sqlfiles import load_all, query_file
from cwdb.adapters.statements import Queries
from tests.support.helpers import backend_of

_NAMING_COMMENT = re.compile(r"^/\* cwdb:[\w.]+ \*/ ")


@pytest.fixture
def ran(db: cwdb.Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements the runner sends to the driver, in order (naming comments stripped).

    Recorded where the shared runner hands each statement to its driver
    (``_execute``, ``_run_command``), the same on both dialects.
    """
    statements: list[str] = []
    runner: Any = db._runner
    execute, command = runner._execute, runner._run_command

    def traced_execute(session: Any, st: Any, params: Any) -> Any:
        statements.append(_NAMING_COMMENT.sub("", st.sql))
        return execute(session, st, params)

    def traced_command(session: Any, sql: str) -> None:
        statements.append(sql)
        command(session, sql)

    monkeypatch.setattr(runner, "_execute", traced_execute)
    monkeypatch.setattr(runner, "_run_command", traced_command)
    return statements


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
        with db._runner.held_connection() as connection:  # type: ignore[attr-defined]
            assert not connection.info.transaction_status
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
        # Serializable, no database-wide lock; lock_timeout for the block (PgBouncer).
        busy = db._runner.busy_timeout_ms  # type: ignore[attr-defined]
        begin = ["BEGIN ISOLATION LEVEL SERIALIZABLE", f"SET LOCAL lock_timeout = {busy}"]
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


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_find_by_id_takes_only_its_id_so_that_it_binds_by_position(dialect: str) -> None:
    """``find_by_id`` and ``update`` without changes pass ``(id,)`` (crud.py)."""
    files = {name: file for name, file in load_all(dialect).items() if "find_by_id" in file}
    assert "tasks" in files
    for name, file in files.items():
        assert file["find_by_id"].params == ("id",), name


def test_a_tuple_binds_in_the_order_in_which_the_statement_names_its_parameters(
    db: cwdb.Database,
) -> None:
    create = initiatives(db).single("create", cwdb.Initiative)
    params = create_params(db)
    made = db._runner.single(create, tuple(params[name] for name in create.query.params))
    assert (made.id, made.name, made.status) == (params["id"], "traced", "active")


def test_a_failure_of_a_tuple_bound_statement_names_its_field(db: cwdb.Database) -> None:
    create = initiatives(db).single("create", cwdb.Initiative)
    params = create_params(db)
    db._runner.single(create, params)
    with pytest.raises(cwdb.ConflictError) as raised:
        db._runner.single(create, tuple(params[name] for name in create.query.params))
    assert (raised.value.fields, raised.value.value) == (("id",), params["id"])
