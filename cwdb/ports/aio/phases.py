"""Generated from cwdb/ports/phases.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The phase repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.records.phases import Phase, PhaseChanges, PhaseCreate


@runtime_checkable
class AsyncPhaseRepository(Protocol):
    """Phases: CRUD, lookup by initiative, and the phase dependency graph.

    The dependency graph stays acyclic: ``create_dependency`` refuses an edge
    to itself or one that would close a cycle, also under concurrency.
    """

    async def create(self, **fields: Unpack[PhaseCreate]) -> Phase:
        """Store a new phase and return it as stored.

        Required: ``initiative_id``, ``name``.
        Optional (default): ``content`` (None), ``status`` ('pending'), ``merge_base``
        (None).
        """
        ...

    async def find_by_id(self, id: str) -> Phase | None:
        """The phase with this id, or None."""
        ...

    async def find_all(self) -> list[Phase]:
        """Every phase, oldest first."""
        ...

    async def update(self, id: str, /, **changes: Unpack[PhaseChanges]) -> Phase:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it with its tasks and dependency edges; ``NotFoundError`` for an unknown id."""
        ...

    async def find_by_initiative_id(self, initiative_id: str) -> list[Phase]:
        """The phases of one initiative, oldest first."""
        ...

    async def create_dependency(self, phase_id: str, depends_on_phase_id: str) -> None:
        """Record that ``phase_id`` depends on ``depends_on_phase_id``.

        Idempotent: an edge that exists already is left as it is. An edge to
        itself or one that would close a cycle is a ``ValidationError``; an
        unknown phase on either end is an ``IntegrityError``.
        """
        ...

    async def get_dependencies(self, phase_id: str) -> list[str]:
        """Ids of the phases it depends on, in the order the edges were made."""
        ...

    async def get_dependents(self, phase_id: str) -> list[str]:
        """Ids of the phases that depend on it, in the order the edges were made."""
        ...
