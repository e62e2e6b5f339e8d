"""TaskRepository beyond CRUD: lookups, their orderings, retries, cascades.

The dependency methods share their implementation with phases and are tested
for both repositories in tests/test_phases.py (``GRAPHS``).
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pytest

import cwdb
from tests.support.factories import initiative, phase, task
from tests.support.helpers import FakeClock, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too

# -- find_by_phase_id / find_by_initiative_id ---------------------------------


def test_find_by_phase_id_orders_by_order_then_creation(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    stage = phase(clocked_db)
    ids = _tasks_in_mixed_order(clocked_db, clock, phase_id=stage.id)
    found = [t.id for t in clocked_db.tasks.find_by_phase_id(stage.id)]
    assert found == [ids["-1"], ids["0a"], ids["0b"], ids["0c"], ids["1a"], ids["1b"], ids["2"]]


def test_find_by_initiative_id_orders_by_order_then_creation(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    owner = initiative(clocked_db)
    ids = _tasks_in_mixed_order(clocked_db, clock, initiative_id=owner.id)
    found = [t.id for t in clocked_db.tasks.find_by_initiative_id(owner.id)]
    assert found == [ids["-1"], ids["0a"], ids["0b"], ids["0c"], ids["1a"], ids["1b"], ids["2"]]


def _tasks_in_mixed_order(db: cwdb.Database, clock: FakeClock, **parent: str) -> dict[str, str]:
    """Tasks whose ``order`` and creation disagree; same-order ties in one millisecond."""
    made = {}
    for label, order in [("2", 2), ("1a", 1), ("0a", 0), ("0b", 0)]:
        made[label] = task(db, order=order, **parent).id
    clock.advance(milliseconds=1)
    for label, order in [("0c", 0), ("1b", 1), ("-1", -1)]:
        made[label] = task(db, order=order, **parent).id
    return made


def test_find_by_phase_id_leaves_out_other_phases(db: cwdb.Database) -> None:
    mine = task(db)
    task(db)
    assert mine.phase_id is not None
    assert db.tasks.find_by_phase_id(mine.phase_id) == [mine]


def test_find_by_initiative_id_looks_at_the_tasks_own_initiative_only(db: cwdb.Database) -> None:
    owner = initiative(db)
    stage = phase(db, initiative_id=owner.id)
    task(db, phase_id=stage.id)
    direct = task(db, initiative_id=owner.id)
    both = task(db, phase_id=stage.id, initiative_id=owner.id)
    task(db, initiative_id=initiative(db).id)
    assert db.tasks.find_by_initiative_id(owner.id) == [direct, both]


def test_find_by_parent_task_id_is_oldest_first_and_stable_within_a_millisecond(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    parent = task(clocked_db)
    same_ms = [task(clocked_db, parent_task_id=parent.id, order=order).id for order in (3, 1, 2, 0)]
    clock.advance(milliseconds=1)
    later = task(clocked_db, parent_task_id=parent.id).id
    task(clocked_db, parent_task_id=task(clocked_db).id)
    found = [t.id for t in clocked_db.tasks.find_by_parent_task_id(parent.id)]
    assert found == [*same_ms, later]


@pytest.mark.parametrize(
    "lookup", ["find_by_phase_id", "find_by_initiative_id", "find_by_parent_task_id"]
)
def test_lookups_of_an_unknown_id_are_empty(db: cwdb.Database, lookup: str) -> None:
    task(db)
    assert getattr(db.tasks, lookup)("no-such-id") == []


@pytest.mark.parametrize("parent", ["phase_id", "initiative_id", "parent_task_id"])
def test_create_with_an_unknown_parent_raises_integrity_error(
    db: cwdb.Database, parent: str
) -> None:
    fields: dict[str, Any] = {"name": "orphan", parent: "no-such-id"}
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        db.tasks.create(**fields)
    assert snapshot(db) == before


def test_create_without_any_parent_is_allowed(db: cwdb.Database) -> None:
    made = db.tasks.create(name="free-standing")
    assert (made.phase_id, made.initiative_id, made.parent_task_id) == (None, None, None)


# -- cascades -----------------------------------------------------------------


def test_deleting_a_task_deletes_its_subtasks(db: cwdb.Database) -> None:
    parent = task(db)
    child = task(db, parent_task_id=parent.id)
    grandchild = task(db, parent_task_id=child.id)
    db.tasks.delete(parent.id)
    assert db.tasks.find_by_id(child.id) is None
    assert db.tasks.find_by_id(grandchild.id) is None


def test_deleting_a_task_deletes_its_dependency_edges(db: cwdb.Database) -> None:
    before, doomed, after = task(db), task(db), task(db)
    db.tasks.create_dependency(doomed.id, before.id)
    db.tasks.create_dependency(after.id, doomed.id)
    db.tasks.delete(doomed.id)
    assert db.tasks.get_dependents(before.id) == []
    assert db.tasks.get_dependencies(after.id) == []


# -- increment_retry_count ----------------------------------------------------


def test_increment_retry_count_adds_one_and_returns_the_stored_row(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = task(clocked_db, retry_count=2)
    clock.advance(seconds=1)
    bumped = clocked_db.tasks.increment_retry_count(made.id)
    assert bumped.retry_count == 3
    assert bumped.updated_at == clock.now > made.updated_at
    assert clocked_db.tasks.find_by_id(made.id) == bumped


def test_increment_retry_count_changes_nothing_else(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = task(clocked_db)
    clock.advance(seconds=1)
    bumped = clocked_db.tasks.increment_retry_count(made.id)
    assert bumped == attrs.evolve(made, retry_count=1, updated_at=clock.now)


def test_increment_retry_count_never_moves_updated_at_back(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = task(clocked_db)
    clock.advance(minutes=-5)
    assert clocked_db.tasks.increment_retry_count(made.id).updated_at == made.updated_at


def test_increment_retry_count_of_missing_id_raises_not_found(db: cwdb.Database) -> None:
    task(db)
    before = snapshot(db)
    with pytest.raises(cwdb.NotFoundError, match="no-such-id"):
        db.tasks.increment_retry_count("no-such-id")
    assert snapshot(db) == before


def test_concurrent_increments_from_threads_are_never_lost(file_db: cwdb.Database) -> None:
    made = task(file_db)
    threads, times = 8, 50
    barrier = threading.Barrier(threads)

    def increment() -> None:
        barrier.wait()
        for _ in range(times):
            file_db.tasks.increment_retry_count(made.id)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(increment) for _ in range(threads)]:
            future.result()
    found = file_db.tasks.find_by_id(made.id)
    assert found is not None
    assert found.retry_count == threads * times


def test_concurrent_increments_from_processes_are_never_lost(
    file_db: cwdb.Database, db_path: Path
) -> None:
    made = task(file_db)
    processes, times = 4, 50
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    workers = [
        context.Process(target=_increment_in_process, args=(str(db_path), made.id, times, barrier))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * processes
    found = file_db.tasks.find_by_id(made.id)
    assert found is not None
    assert found.retry_count == processes * times


def _increment_in_process(path: str, task_id: str, times: int, barrier: Any) -> None:
    """Worker of the process test: its own connection, started with the others."""
    with cwdb.connect(path) as db:
        barrier.wait()
        for _ in range(times):
            db.tasks.increment_retry_count(task_id)
