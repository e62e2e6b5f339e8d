"""The dependency graphs of phases and of tasks, written once.

Both tables hold edges ``(<noun>_id, depends_on_<noun>_id, created_at)`` and
behave the same: edges are idempotent, a self edge or one that would close a
cycle is refused, and lookups list ids in the order the edges were made. An
adapter binds its file's four statements (same names in ``sql/phases.sql``
and ``sql/tasks.sql``) and hands them to a :class:`DependencyGraph`.
"""

from __future__ import annotations

import attrs

from cwdb.adapters.repositories.crud import missing
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.adapters.statements import Many, One, Row, Single, Write
from cwdb.errors import IntegrityError, ValidationError


@attrs.frozen
class DependencyStatements:
    """The bound statements of one dependency table."""

    #: ``$``: 1 when the new edge would close a cycle (or is a self edge).
    would_close_cycle: Single[int]
    #: ``!``: insert the edge, doing nothing when it exists.
    create: Write
    #: ids the node depends on, oldest edge first.
    dependencies: Many[str]
    #: ids that depend on the node, oldest edge first.
    dependents: Many[str]
    #: the node table's own ``find_by_id``, to tell which end of a refused edge is missing.
    find_node: One[object]
    #: the node table's record class (its name is the NotFoundError's).
    record: type
    #: PostgreSQL's lock of this one graph (``lock_graph``); None on SQLite,
    #: whose ``BEGIN IMMEDIATE`` already holds the database's write lock.
    lock_graph: Many[Row] | None = None

    @classmethod
    def bind(cls, queries: Queries, record: type) -> DependencyStatements:
        """The dependency statements of a ``sql/`` file, by their shared names."""
        return cls(
            would_close_cycle=queries.single("would_close_cycle", int),
            create=queries.write("create_dependency"),
            dependencies=queries.many("get_dependencies", str),
            dependents=queries.many("get_dependents", str),
            find_node=queries.one("find_by_id", record),
            record=record,
            lock_graph=queries.optional("lock_graph"),
        )


class DependencyGraph:
    """An acyclic graph of ``noun`` ids stored as edges in one table.

    The statements take the parameters ``:<noun>_id`` and
    ``:depends_on_<noun>_id`` (and ``:now`` for a new edge).
    """

    def __init__(
        self, runner: Runner, values: Values, statements: DependencyStatements, *, noun: str
    ) -> None:
        self._run = runner
        self._now = values.now
        self._st = statements
        self._noun = noun
        self._key = f"{noun}_id"
        self._other = f"depends_on_{noun}_id"

    def link(self, node_id: str, depends_on_id: str) -> None:
        """Add the edge ``node_id -> depends_on_id``; a no-op when it exists.

        The cycle check and the insert run in one transaction (a savepoint
        inside the caller's) that holds the lock of this one graph: SQLite's
        write lock, or on PostgreSQL ``lock_graph``, so two concurrent calls
        can never together close a cycle, and calls on other tables or rows
        never wait for it. It is replayed after a deadlock within the busy
        timeout. Self edges and cycles are a ``ValidationError``; an unknown
        ``node_id`` (the id the call is about) a ``NotFoundError``, an unknown
        ``depends_on_id`` an ``IntegrityError``.
        """
        self._check_ids(node_id, depends_on_id)
        params: dict[str, object] = {self._key: node_id, self._other: depends_on_id}
        self._run.replay(lambda: self._link(node_id, depends_on_id, params), own_locks=True)

    def _link(self, node_id: str, depends_on_id: str, params: dict[str, object]) -> None:
        run = self._run
        if self._st.lock_graph is not None:
            run.rows(self._st.lock_graph, {})
        if run.single(self._st.would_close_cycle, params):
            raise ValidationError(
                f"{self._other}: {self._noun} {node_id!r} depending on "
                f"{depends_on_id!r} would close a dependency cycle"
            )
        # Read the clock under the write lock, so edges' created_at
        # follows the order in which concurrent writers committed.
        try:
            run.write(self._st.create, {**params, "now": self._now()})
        except IntegrityError:
            self._raise_if_node_missing(node_id)
            raise

    def _raise_if_node_missing(self, node_id: str) -> None:
        """After the foreign key refused an edge: NotFoundError if ``node_id`` is missing.

        The runner's IntegrityError already names the missing end's field
        and id (``explain.py``); the id the call is about is a NotFoundError
        instead. One primary-key lookup, only on this failure path.
        """
        if self._run.one(self._st.find_node, {"id": node_id}) is None:
            raise missing(self._st.record, node_id) from None

    def dependencies(self, node_id: str) -> list[str]:
        """Ids ``node_id`` depends on, oldest edge first ([] when unknown)."""
        return self._run.all(self._st.dependencies, {self._key: node_id})

    def dependents(self, node_id: str) -> list[str]:
        """Ids that depend on ``node_id``, oldest edge first ([] when unknown)."""
        return self._run.all(self._st.dependents, {self._key: node_id})

    def _check_ids(self, node_id: object, depends_on_id: object) -> None:
        for field, value in ((self._key, node_id), (self._other, depends_on_id)):
            if not isinstance(value, str):
                raise ValidationError(f"{field}: expected text, got {type(value).__name__}")
        if node_id == depends_on_id:
            raise ValidationError(
                f"{self._other}: {self._noun} {node_id!r} cannot depend on itself"
            )
