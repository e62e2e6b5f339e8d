"""Specialised updates (``updates.py``): which statement runs a change.

That a variant leaves a row exactly as the generic statement does is a
property test in test_properties.py (it draws values from its strategies).
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

import cwdb
from cwdb.adapters.repositories.crud import codec_for
from cwdb.adapters.repositories.updates import UpdateStatements
from cwdb.adapters.sqlfiles import parse_file, query_file
from cwdb.adapters.statements import Queries

# -- which statement is picked ---------------------------------------------------


def statements_of(file: Path | str, record: type, name: str = "update") -> UpdateStatements:
    loaded = parse_file(file) if isinstance(file, Path) else query_file(file)
    queries = Queries(loaded)
    return UpdateStatements(
        queries, name, codec_for(record), bind=lambda variant: queries.one(variant, record)
    )


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
    text = query_file("tasks").path.read_text().replace("name: update__status<!", "name: other<!")
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
-- name: {name}<!
-- A test variant.
UPDATE tasks SET
{sets}    updated_at = max(updated_at, :now)
WHERE id = :id
{RETURNING}"""


def test_a_variant_writing_a_column_plainly_serves_only_changes_of_it(tmp_path: Path) -> None:
    plain = f"""
-- name: update__priority__status<!
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
