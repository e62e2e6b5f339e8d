"""Specialised updates (``updates.py``): which statement runs, and that it changes nothing else.

A specialised variant of an update is only a fast path: for every change it
serves, it must leave the row exactly as the generic statement does. The
property test runs both on the same row, with any valid values (the
strategies of test_properties), any subset of columns the variant may serve
and a clock before or after the row's ``updated_at``, and compares the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cwdb
from cwdb.adapters.apsw.crud import codec_for
from cwdb.adapters.apsw.runner import Queries
from cwdb.adapters.apsw.sqlfiles import load_all, parse_file, query_file
from cwdb.adapters.apsw.updates import UpdateStatement, UpdateStatements
from cwdb.records._codec import ms_from_time
from tests.test_properties import SETTINGS, TARGETS, Target, draw_fields, fresh_world

TARGET = {target.name: target for target in TARGETS}


class RollbackError(Exception):
    """Raised inside a transaction block to undo it."""


#: (target, the adapter's statements, the parameter naming the changed rows)
Family = tuple[Target, Callable[[cwdb.Database], UpdateStatements], Callable[[Any], dict[str, Any]]]

CRUD_FAMILIES: list[Family] = [
    (
        TARGET[name],
        lambda db, name=name: getattr(db, name)._updates,  # type: ignore[misc]
        lambda row: {"id": row.id},
    )
    for name in ("initiatives", "phases", "tasks", "agents", "messages", "proposals", "errands")
]
FAMILIES: list[Family] = [
    *CRUD_FAMILIES,
    (
        TARGET["chat_sessions.create_session"],
        lambda db: db.chat_sessions._update_session,
        lambda row: {"id": row.id},
    ),
    (
        TARGET["proposals"],
        lambda db: db.proposals._update_many_by_agent_id,
        lambda row: {"where_agent_id": row.agent_id},
    ),
]


def variant_cases() -> list[tuple[Family, str]]:
    """Every specialised variant shipped in sql/, with the family it belongs to."""
    cases = []
    with cwdb.connect(":memory:") as db:
        for family in FAMILIES:
            for variant in family[1](db).variants:
                cases.append((family, variant.statement.query.name))
    return cases


CASES = variant_cases()


def test_every_shipped_variant_is_under_test() -> None:
    shipped = {(file.name, name) for file in load_all().values() for name in file if "__" in name}
    tested = {(family[0].name.split(".")[0], name) for family, name in CASES}
    assert shipped == tested


def run(db: cwdb.Database, update: UpdateStatement, params: dict[str, Any]) -> None:
    db._runner.write(update.statement, params)


@pytest.mark.parametrize(("family", "variant"), CASES, ids=[f"{f[0].name}.{v}" for f, v in CASES])
@SETTINGS
@given(data=st.data())
def test_a_variant_leaves_the_row_as_the_generic_statement_does(
    family: Family, variant: str, data: st.DataObject
) -> None:
    target, statements_of, where = family
    with fresh_world() as world:
        db = world.db
        made = target.create(db, world.resolve(draw_fields(data, target, target.fields)))
        statements = statements_of(db)
        fast = next(v for v in statements.variants if v.statement.query.name == variant)
        must = sorted(fast.columns - fast.flagged)
        may = sorted(fast.flagged)
        optional = st.lists(st.sampled_from(may), unique=True, min_size=0 if must else 1)
        names = must + (data.draw(optional, label="flagged") if may else [])
        changes = world.resolve(draw_fields(data, target, tuple(names)))
        stored_at = ms_from_time(made.updated_at, "updated_at")
        now = stored_at + data.draw(st.integers(-5, 5), label="clock offset")
        fixed = {**where(made), "now": now}

        with pytest.raises(RollbackError), db.transaction():
            run(db, fast, {**statements.params_for(fast, changes), **fixed})
            by_variant = target.read(db, made)
            raise RollbackError
        assert target.read(db, made) == made
        run(db, statements.generic, {**statements.params_for(statements.generic, changes), **fixed})
        by_generic = target.read(db, made)

    assert by_variant == by_generic
    for name, value in changes.items():
        assert getattr(by_variant, name) == value, name
    assert ms_from_time(by_variant.updated_at, "updated_at") == max(stored_at, now)


# -- which statement is picked ---------------------------------------------------


def statements_of(file: Path | str, record: type, name: str = "update") -> UpdateStatements:
    loaded = parse_file(file) if isinstance(file, Path) else query_file(file)
    return UpdateStatements(Queries(loaded), name, codec_for(record), returns=record)


def picked(statements: UpdateStatements, *changed: str) -> str:
    return statements.pick(frozenset(changed)).statement.query.name


def test_the_most_specific_covering_statement_is_picked() -> None:
    agents = statements_of("agents", cwdb.Agent)
    assert picked(agents, "status") == "update__status"
    assert picked(agents, "status", "pid") == "update__status__pid__exit_code"
    assert picked(agents, "exit_code", "status") == "update__status__pid__exit_code"
    assert picked(agents, "pid") == "update__status__pid__exit_code"
    assert picked(agents, "status", "pid", "exit_code") == "update__status__pid__exit_code"


def test_a_change_no_variant_covers_takes_the_generic_statement() -> None:
    agents = statements_of("agents", cwdb.Agent)
    assert picked(agents, "status", "name") == "update"
    assert picked(agents, "name") == "update"
    assert picked(statements_of("projects", cwdb.Project), "name") == "update"


def test_the_parameters_are_exactly_the_picked_statements(db: cwdb.Database) -> None:
    statements = db.agents._updates  # type: ignore[attr-defined]
    statement, params = statements.params({"pid": 41, "status": "running"})
    assert statement.query.name == "update__status__pid__exit_code"
    assert params == {
        "status": "running",
        "pid": 41,
        "exit_code": None,
        "set_status": 1,
        "set_pid": 1,
        "set_exit_code": 0,
    }
    assert {*params, "id", "now"} == set(statement.query.params)


def tasks_with(tmp_path: Path, extra: str) -> Path:
    """sql/tasks.sql plus ``extra`` blocks, its own update__status renamed away."""
    text = query_file("tasks").path.read_text().replace("name: update__status^", "name: other^")
    path = tmp_path / "tasks.sql"
    path.write_text(text + extra)
    return path


RETURNING = """RETURNING
    id, phase_id, initiative_id, parent_task_id, name, description,
    type, category, priority, status, "order", summary, retry_count,
    created_at, updated_at;
"""


def flagged(name: str, *columns: str) -> str:
    sets = "".join(f"    {c} = iif(:set_{c}, :{c}, {c}),\n" for c in columns)
    return f"""
-- name: {name}^
-- A test variant.
UPDATE tasks SET
{sets}    updated_at = max(updated_at, :now)
WHERE id = :id
{RETURNING}"""


def test_a_variant_writing_a_column_plainly_serves_only_changes_of_it(tmp_path: Path) -> None:
    plain = f"""
-- name: update__priority__status^
-- Sets both columns, unguarded.
UPDATE tasks SET
    priority = :priority,
    status = :status,
    updated_at = max(updated_at, :now)
WHERE id = :id
{RETURNING}"""
    tasks = statements_of(tasks_with(tmp_path, plain), cwdb.Task)
    assert picked(tasks, "priority", "status") == "update__priority__status"
    assert picked(tasks, "priority") == "update"
    assert picked(tasks, "status") == "update"


def test_among_equally_specific_variants_the_first_in_the_file_wins(tmp_path: Path) -> None:
    extra = flagged("update__summary__status", "summary", "status") + flagged(
        "update__name__status", "name", "status"
    )
    tasks = statements_of(tasks_with(tmp_path, extra), cwdb.Task)
    assert picked(tasks, "status") == "update__summary__status"
    assert picked(tasks, "name") == "update__name__status"


def test_an_unknown_or_immutable_field_is_refused_whatever_the_shape(db: cwdb.Database) -> None:
    task = db.tasks.create(name="t")
    with pytest.raises(cwdb.ValidationError, match="bogus: unknown field of Task"):
        db.tasks.update(task.id, status="completed", bogus=1)
    with pytest.raises(cwdb.ValidationError, match="created_at: immutable field"):
        db.tasks.update(task.id, created_at=task.created_at)
    with pytest.raises(cwdb.ValidationError, match="status"):
        db.tasks.update(task.id, status="bogus")


def test_a_fast_path_keeps_the_update_contract(db: cwdb.Database) -> None:
    task = db.tasks.create(name="t")
    done = db.tasks.update(task.id, status="completed")
    assert done.status == "completed"
    assert done.updated_at >= task.updated_at
    assert attrs.evolve(done, status=task.status, updated_at=task.updated_at) == task
    with pytest.raises(cwdb.NotFoundError):
        db.tasks.update("no-such-task", status="completed")
