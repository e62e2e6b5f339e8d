"""PhaseRepository beyond CRUD, and the dependency graphs of phases and tasks.

Phases and tasks share one dependency implementation
(``cwdb/adapters/apsw/repositories/dependencies.py``), so its behaviour is tested once
here, parametrised over both repositories (``GRAPHS``).
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import pytest

import cwdb
from tests.support.factories import initiative, phase, task
from tests.support.helpers import FakeClock, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too

# -- find_by_initiative_id ----------------------------------------------------


def test_find_by_initiative_id_is_oldest_first_and_stable_within_a_millisecond(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    owner = initiative(clocked_db)
    same_ms = [phase(clocked_db, initiative_id=owner.id).id for _ in range(5)]
    clock.advance(milliseconds=1)
    later = phase(clocked_db, initiative_id=owner.id).id
    found = [p.id for p in clocked_db.phases.find_by_initiative_id(owner.id)]
    assert found == [*same_ms, later]


def test_find_by_initiative_id_leaves_out_other_initiatives(db: cwdb.Database) -> None:
    mine = phase(db)
    phase(db)
    assert db.phases.find_by_initiative_id(mine.initiative_id) == [mine]


def test_find_by_initiative_id_of_unknown_initiative_is_empty(db: cwdb.Database) -> None:
    phase(db)
    assert db.phases.find_by_initiative_id("no-such-id") == []


def test_create_with_unknown_initiative_raises_integrity_error(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        db.phases.create(initiative_id="no-such-id", name="orphan")
    assert snapshot(db) == before


# -- cascades -----------------------------------------------------------------


def test_deleting_a_phase_deletes_its_tasks(db: cwdb.Database) -> None:
    doomed = phase(db)
    parent = task(db, phase_id=doomed.id)
    child = task(db, phase_id=doomed.id, parent_task_id=parent.id)
    kept = task(db)
    db.phases.delete(doomed.id)
    assert db.tasks.find_by_id(parent.id) is None
    assert db.tasks.find_by_id(child.id) is None
    assert db.tasks.find_by_id(kept.id) == kept


def test_deleting_a_phase_deletes_its_dependency_edges(db: cwdb.Database) -> None:
    before, doomed, after = phase(db), phase(db), phase(db)
    db.phases.create_dependency(doomed.id, before.id)
    db.phases.create_dependency(after.id, doomed.id)
    db.phases.delete(doomed.id)
    assert db.phases.get_dependents(before.id) == []
    assert db.phases.get_dependencies(after.id) == []


def test_deleting_a_phase_deletes_the_dependency_edges_of_its_tasks(db: cwdb.Database) -> None:
    doomed = phase(db)
    inside = task(db, phase_id=doomed.id)
    outside = task(db)
    db.tasks.create_dependency(outside.id, inside.id)
    db.phases.delete(doomed.id)
    assert db.tasks.get_dependencies(outside.id) == []


def test_deleting_an_initiative_deletes_its_phases_and_tasks(db: cwdb.Database) -> None:
    doomed = initiative(db)
    stage = phase(db, initiative_id=doomed.id)
    in_phase = task(db, phase_id=stage.id)
    direct = task(db, initiative_id=doomed.id)
    kept = task(db)
    db.initiatives.delete(doomed.id)
    assert db.phases.find_by_id(stage.id) is None
    assert db.tasks.find_by_id(in_phase.id) is None
    assert db.tasks.find_by_id(direct.id) is None
    assert db.phases.find_by_initiative_id(doomed.id) == []
    assert db.tasks.find_by_id(kept.id) == kept


# -- dependency graphs (phases and tasks) -------------------------------------


@attrs.frozen
class Graph:
    """One dependency graph, as the shared tests see it."""

    repository: str
    #: Creates a new node (with its parents) and returns its id.
    node: Callable[[cwdb.Database], str]
    #: The name of create_dependency's second parameter.
    depends_on_field: str

    def repo(self, db: cwdb.Database) -> Any:
        return getattr(db, self.repository)

    def nodes(self, db: cwdb.Database, count: int) -> list[str]:
        return [self.node(db) for _ in range(count)]

    def __str__(self) -> str:
        return self.repository


GRAPHS = [
    Graph("phases", lambda db: phase(db).id, "depends_on_phase_id"),
    Graph("tasks", lambda db: task(db).id, "depends_on_task_id"),
]

graphs = pytest.mark.parametrize("graph", GRAPHS, ids=str)


@graphs
def test_create_dependency_records_the_edge_both_ways(db: cwdb.Database, graph: Graph) -> None:
    a, b = graph.nodes(db, 2)
    assert graph.repo(db).create_dependency(a, b) is None
    assert graph.repo(db).get_dependencies(a) == [b]
    assert graph.repo(db).get_dependents(b) == [a]
    assert graph.repo(db).get_dependencies(b) == []
    assert graph.repo(db).get_dependents(a) == []


@graphs
def test_create_dependency_twice_is_a_no_op(db: cwdb.Database, graph: Graph) -> None:
    a, b = graph.nodes(db, 2)
    graph.repo(db).create_dependency(a, b)
    before = snapshot(db)
    assert graph.repo(db).create_dependency(a, b) is None
    assert snapshot(db) == before


@graphs
def test_repeating_an_edge_keeps_its_place_in_the_order(
    clocked_db: cwdb.Database, clock: FakeClock, graph: Graph
) -> None:
    a, first, second = graph.nodes(clocked_db, 3)
    repo = graph.repo(clocked_db)
    repo.create_dependency(a, first)
    repo.create_dependency(a, second)
    clock.advance(seconds=1)
    repo.create_dependency(a, first)
    assert repo.get_dependencies(a) == [first, second]


@graphs
@pytest.mark.parametrize("outgoing", [True, False], ids=["dependencies", "dependents"])
def test_links_are_listed_in_link_order_within_a_millisecond(
    clocked_db: cwdb.Database, clock: FakeClock, graph: Graph, outgoing: bool
) -> None:
    node, *others = graph.nodes(clocked_db, 7)
    repo = graph.repo(clocked_db)
    linked = [*others[3:], *others[:3]]

    def link(other: str) -> None:
        if outgoing:
            repo.create_dependency(node, other)
        else:
            repo.create_dependency(other, node)

    for other in linked[:5]:
        link(other)
    clock.advance(milliseconds=1)
    for other in linked[5:]:
        link(other)
    listed = repo.get_dependencies(node) if outgoing else repo.get_dependents(node)
    assert listed == linked


@graphs
def test_lookups_of_an_unknown_id_are_empty(db: cwdb.Database, graph: Graph) -> None:
    assert graph.repo(db).get_dependencies("no-such-id") == []
    assert graph.repo(db).get_dependents("no-such-id") == []


@graphs
def test_a_self_dependency_raises_validation_error(db: cwdb.Database, graph: Graph) -> None:
    (a,) = graph.nodes(db, 1)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=graph.depends_on_field):
        graph.repo(db).create_dependency(a, a)
    assert snapshot(db) == before


@graphs
def test_a_dependency_closing_a_two_node_cycle_raises_validation_error(
    db: cwdb.Database, graph: Graph
) -> None:
    a, b = graph.nodes(db, 2)
    graph.repo(db).create_dependency(a, b)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="cycle"):
        graph.repo(db).create_dependency(b, a)
    assert snapshot(db) == before


@graphs
def test_a_dependency_closing_a_long_cycle_raises_validation_error(
    db: cwdb.Database, graph: Graph
) -> None:
    chain = graph.nodes(db, 5)
    for node, depends_on in itertools.pairwise(chain):
        graph.repo(db).create_dependency(node, depends_on)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=graph.depends_on_field):
        graph.repo(db).create_dependency(chain[-1], chain[0])
    assert snapshot(db) == before


@graphs
def test_a_diamond_is_not_a_cycle(db: cwdb.Database, graph: Graph) -> None:
    top, left, right, bottom = graph.nodes(db, 4)
    repo = graph.repo(db)
    for node, depends_on in [(top, left), (top, right), (left, bottom), (right, bottom)]:
        repo.create_dependency(node, depends_on)
    repo.create_dependency(top, bottom)
    assert repo.get_dependencies(top) == [left, right, bottom]
    assert repo.get_dependents(bottom) == [left, right, top]


@graphs
def test_an_unknown_node_raises_not_found_and_changes_nothing(
    db: cwdb.Database, graph: Graph
) -> None:
    (known,) = graph.nodes(db, 1)
    before = snapshot(db)
    with pytest.raises(cwdb.NotFoundError, match="'no-such-id' does not exist"):
        graph.repo(db).create_dependency("no-such-id", known)
    with pytest.raises(cwdb.NotFoundError, match="'no-such-id' does not exist"):
        graph.repo(db).create_dependency("no-such-id", "no-such-other")
    assert snapshot(db) == before


@graphs
def test_an_unknown_depends_on_id_raises_integrity_error_naming_it(
    db: cwdb.Database, graph: Graph
) -> None:
    (known,) = graph.nodes(db, 1)
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError, match=r"depends_on_.*'no-such-id'") as raised:
        graph.repo(db).create_dependency(known, "no-such-id")
    assert not isinstance(raised.value, cwdb.ConflictError)
    assert snapshot(db) == before


@graphs
def test_a_non_text_id_raises_validation_error(db: cwdb.Database, graph: Graph) -> None:
    (known,) = graph.nodes(db, 1)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=graph.depends_on_field):
        graph.repo(db).create_dependency(known, 7)
    assert snapshot(db) == before


@graphs
def test_a_refused_dependency_inside_a_transaction_keeps_the_blocks_earlier_writes(
    db: cwdb.Database, graph: Graph
) -> None:
    a, b, c = graph.nodes(db, 3)
    repo = graph.repo(db)
    with db.transaction():
        repo.create_dependency(a, b)
        with pytest.raises(cwdb.ValidationError):
            repo.create_dependency(b, a)
        repo.create_dependency(a, c)
    assert repo.get_dependencies(a) == [b, c]
    assert repo.get_dependencies(b) == []


@graphs
def test_concurrent_opposite_dependencies_never_both_succeed(
    file_db: cwdb.Database, graph: Graph
) -> None:
    repo = graph.repo(file_db)
    for _ in range(50):
        a, b = graph.nodes(file_db, 2)
        link = repo.create_dependency
        outcomes = _race(functools.partial(link, a, b), functools.partial(link, b, a))
        assert [o for o in outcomes if o is None] == [None]
        assert [type(o) for o in outcomes if o is not None] == [cwdb.ValidationError]
        edges = [(a, d) for d in repo.get_dependencies(a)] + [
            (b, d) for d in repo.get_dependencies(b)
        ]
        assert edges in ([(a, b)], [(b, a)])


def _race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls on their own threads, started together; results or errors."""
    barrier = threading.Barrier(len(calls))

    def start(call: Callable[[], object]) -> object:
        barrier.wait()
        try:
            return call()
        except cwdb.Error as error:
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(start, calls))
