"""An application's own queries (docs/own_queries.md): the ready-tasks example on both backends.

The ``db`` tests run through the asyncio API too (``async_too``): ``AsyncDatabase.load_queries``
binds without ``await`` and each bound query is awaited.
"""

from __future__ import annotations

import io
from pathlib import Path

import attrs
import pytest

import cwdb
from cwdb.dialects import POSTGRESQL, SQLITE
from tests.support import factories, postgres_server, tracer
from tests.support.helpers import EXAMPLES
from tests.support.helpers import READY_TASKS as READY

tracer.allow_queries(READY)

pytestmark = pytest.mark.async_too


@attrs.frozen
class TaskName:
    """An application's own attrs class: no cwdb column metadata."""

    id: str
    name: str


def _phase_with_tasks(db: cwdb.Database) -> tuple[cwdb.Phase, dict[str, cwdb.Task]]:
    """a, b (done), c after a, d after b, e after b and c; only a, b, d and their kind are ready."""
    phase = factories.phase(db)
    tasks = {
        key: db.tasks.create(phase_id=phase.id, name=key, order=index)
        for index, key in enumerate("abcde")
    }
    db.tasks.update(tasks["b"].id, status=cwdb.TaskStatus.COMPLETED)
    for task, after in (("c", "a"), ("d", "b"), ("e", "b"), ("e", "c")):
        db.tasks.create_dependency(tasks[task].id, tasks[after].id)
    return phase, tasks


def _ready_by_dependencies(db: cwdb.Database, phase_id: str) -> list[str]:
    """The answer the slow way: one get_dependencies call per task."""
    completed = cwdb.TaskStatus.COMPLETED
    status = {t.id: t.status for t in db.tasks.find_all()}
    return [
        t.id
        for t in db.tasks.find_by_phase_id(phase_id)
        if all(status[d] == completed for d in db.tasks.get_dependencies(t.id))
    ]


def test_ready_tasks_are_exactly_those_whose_dependencies_completed(db: cwdb.Database) -> None:
    phase, tasks = _phase_with_tasks(db)
    factories.task(db)  # another phase's task is never among them
    queries = db.load_queries(READY)
    ready = queries.many("ready_tasks", cwdb.Task)(phase_id=phase.id)
    assert [t.name for t in ready] == ["a", "b", "d"]
    assert ready[0] == db.tasks.find_by_id(tasks["a"].id)  # decoded as the repository does
    assert [t.id for t in ready] == _ready_by_dependencies(db, phase.id)
    assert queries.single("count_ready", int)(phase_id=phase.id) == 3
    db.tasks.update(tasks["a"].id, status=cwdb.TaskStatus.COMPLETED)
    again = queries.many("ready_tasks", cwdb.Task)(phase_id=phase.id)
    assert [t.name for t in again] == ["a", "b", "c", "d"]
    assert [t.id for t in again] == _ready_by_dependencies(db, phase.id)


def test_rows_map_to_a_plain_attrs_class_and_writes_count_rows(
    tmp_path: Path, db: cwdb.Database
) -> None:
    phase, tasks = _phase_with_tasks(db)
    own = tmp_path / "names.sql"
    own.write_text(
        "-- name: names_of_phase\nSELECT id, name FROM tasks WHERE phase_id = :phase_id "
        'ORDER BY "order";\n',
        encoding="utf-8",
    )
    (tmp_path / "postgresql").mkdir()
    (tmp_path / "postgresql" / "names.sql").write_text(
        "-- name: names_of_phase\nSELECT id, name FROM tasks WHERE phase_id = %(phase_id)s "
        'ORDER BY "order";\n',
        encoding="utf-8",
    )
    tracer.allow_queries(own)
    names = db.load_queries(own).many("names_of_phase", TaskName)(phase_id=phase.id)
    assert names == [TaskName(t.id, t.name) for t in tasks.values()]
    set_summary = db.load_queries(READY).write("set_summary")
    assert set_summary(id=tasks["a"].id, summary="done soon") == 1
    assert set_summary(id="no-such-task", summary="x") == 0
    assert db.tasks.find_by_id(tasks["a"].id).summary == "done soon"  # type: ignore[union-attr]


def test_errors_are_cwdbs(db: cwdb.Database, tmp_path: Path) -> None:
    queries = db.load_queries(READY)
    with pytest.raises(cwdb.Error, match="no query named 'nope'"):
        queries.many("nope", cwdb.Task)
    with pytest.raises(cwdb.Error, match=r"'ready_tasks'.*cannot be run as 'one'"):
        queries.one("ready_tasks", cwdb.Task)
    with pytest.raises(cwdb.Error, match=r"missing\.sql: no such query file or folder"):
        db.load_queries(tmp_path / "missing.sql")
    ready = queries.many("ready_tasks", cwdb.Task)
    with pytest.raises(cwdb.ValidationError, match="missing parameters phase_id"):
        ready()
    with pytest.raises(cwdb.ValidationError, match="unknown parameters phase"):
        ready(phase_id="x", phase="y")
    # A constraint the database enforces: a task may not depend on itself.
    own = tmp_path / "deps.sql"
    own.write_text(
        "-- name: add_dependency!\nINSERT INTO task_dependencies "
        "(task_id, depends_on_task_id, created_at) VALUES (:task_id, :depends_on, 0);\n",
        encoding="utf-8",
    )
    (tmp_path / "postgresql").mkdir()
    (tmp_path / "postgresql" / "deps.sql").write_text(
        "-- name: add_dependency!\nINSERT INTO task_dependencies "
        "(task_id, depends_on_task_id, created_at) VALUES (%(task_id)s, %(depends_on)s, now());\n",
        encoding="utf-8",
    )
    tracer.allow_queries(own)
    add = db.load_queries(own).write("add_dependency")
    task = factories.task(db)
    with pytest.raises(cwdb.IntegrityError):
        add(task_id=task.id, depends_on="no-such-task")
    with pytest.raises(cwdb.Error) as raised:
        add(task_id=task.id, depends_on=task.id)
    assert type(raised.value).__module__ == "cwdb.errors"


def test_joins_an_open_transaction_and_is_captured_by_name(db: cwdb.Database) -> None:
    phase, tasks = _phase_with_tasks(db)
    queries = db.load_queries(READY)
    ready = queries.many("ready_tasks", cwdb.Task)
    set_summary = queries.write("set_summary")
    with pytest.raises(RuntimeError), db.transaction():
        db.tasks.update(tasks["c"].id, status=cwdb.TaskStatus.COMPLETED)
        db.tasks.update(tasks["a"].id, status=cwdb.TaskStatus.COMPLETED)
        set_summary(id=tasks["a"].id, summary="inside")
        # Sees the block's own writes: a and c completed make e ready too.
        assert [t.name for t in ready(phase_id=phase.id)] == ["a", "b", "c", "d", "e"]
        raise RuntimeError("roll the block back")
    assert [t.name for t in ready(phase_id=phase.id)] == ["a", "b", "d"]
    assert db.tasks.find_by_id(tasks["a"].id).summary is None  # type: ignore[union-attr]
    with db.capture() as captured:
        ready(phase_id=phase.id)
    assert [c.name for c in captured] == ["ready_tasks.ready_tasks"]
    assert captured[0].rows == 3
    assert ready.name == "ready_tasks.ready_tasks"
    assert ready.params == ("phase_id",)


def test_the_dialect_picks_its_file(db: cwdb.Database) -> None:
    queries = db.load_queries(EXAMPLES)  # a folder: ready_tasks.sql, or postgresql/ready_tasks.sql
    placeholder = "%(phase_id)s" if db.dialect.name == "postgresql" else ":phase_id"
    assert placeholder in queries.query("ready_tasks").sql
    assert queries.names == ("ready_tasks", "count_ready", "set_summary")
    assert queries.path.name == "examples"


def test_review_plans_the_applications_queries_on_sqlite() -> None:
    out = io.StringIO()
    assert SQLITE.review(None, out, queries=str(EXAMPLES)) == 0
    report = out.getvalue()
    assert f"queries of sql/ and {EXAMPLES}," in report
    assert f"== ready_tasks ({EXAMPLES / 'ready_tasks.sql'})" in report
    assert "-- ready_tasks.ready_tasks  (all rows)" in report
    assert "   plan:" in report.split("-- ready_tasks.ready_tasks")[1]


def test_review_plans_the_applications_queries_on_postgresql(
    pg_server: postgres_server.PostgresServer,
) -> None:
    url = pg_server.create_database("own_queries_review")
    cwdb.ensure_schema(url)
    out = io.StringIO()
    assert POSTGRESQL.review(url, out, queries=str(READY)) == 0
    report = out.getvalue()
    assert f"== ready_tasks ({EXAMPLES / 'postgresql' / 'ready_tasks.sql'})" in report
    section = report.split("-- ready_tasks.ready_tasks")[1]
    assert "%(phase_id)s" in section
    assert "UNMARKED SCAN" not in section


def test_review_names_a_missing_queries_path(tmp_path: Path) -> None:
    with pytest.raises(cwdb.Error, match="no such query file or folder"):
        SQLITE.review(None, io.StringIO(), queries=str(tmp_path / "none"))
