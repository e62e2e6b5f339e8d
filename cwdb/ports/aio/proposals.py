"""Generated from cwdb/ports/proposals.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The proposal repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.enums import ProposalStatus, ProposalStatusValue
from cwdb.records.proposals import Proposal, ProposalChanges, ProposalCreate


@runtime_checkable
class AsyncProposalRepository(Protocol):
    """Proposals: CRUD plus an agent's proposals by status, in bulk."""

    async def create(self, **fields: Unpack[ProposalCreate]) -> Proposal:
        """Store a new proposal and return it as stored.

        Required: ``agent_id``, ``initiative_id``, ``target_type``, ``title``,
        ``summary``, ``content``.
        Optional (default): ``target_id`` (None), ``metadata`` (None), ``status``
        ('pending'), ``sort_order`` (0).
        """
        ...

    async def find_by_id(self, id: str) -> Proposal | None:
        """The proposal with this id, or None."""
        ...

    async def find_all(self) -> list[Proposal]:
        """Every proposal, oldest first."""
        ...

    async def update(self, id: str, /, **changes: Unpack[ProposalChanges]) -> Proposal:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it; ``NotFoundError`` for an unknown id."""
        ...

    async def find_by_agent_id_and_status(
        self, agent_id: str, status: ProposalStatusValue | ProposalStatus
    ) -> list[Proposal]:
        """An agent's proposals in one status, by ``sort_order``, then oldest first.

        A status outside ``ProposalStatus`` is a ``ValidationError``.
        """
        ...

    async def update_many_by_agent_id(
        self, agent_id: str, /, **changes: Unpack[ProposalChanges]
    ) -> int:
        """Apply the same changes to every proposal of an agent, atomically.

        Returns the number of proposals matched (whether or not a value
        actually differed); 0 for an unknown agent. Changes are validated as
        for ``update`` before anything is written; no changes write nothing
        and return the agent's proposal count. ``agent_id`` is
        positional-only, so ``agent_id=`` among the changes moves the
        proposals to another agent.
        """
        ...

    async def count_by_agent_id_and_status(
        self, agent_id: str, status: ProposalStatusValue | ProposalStatus
    ) -> int:
        """How many of an agent's proposals are in one status (0 when none)."""
        ...
