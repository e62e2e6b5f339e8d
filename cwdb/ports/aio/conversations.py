"""Generated from cwdb/ports/conversations.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The conversation repository port."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from cwdb.records.conversations import Conversation


@runtime_checkable
class AsyncConversationRepository(Protocol):
    """Questions agents ask each other, each answered at most once."""

    async def create(
        self,
        from_agent_id: str,
        to_agent_id: str,
        question: str,
        initiative_id: str | None = None,
        phase_id: str | None = None,
        task_id: str | None = None,
    ) -> Conversation:
        """Store a new pending conversation and return it as stored.

        An agent, initiative, phase or task id that does not exist is an
        ``IntegrityError``.
        """
        ...

    async def find_by_id(self, id: str) -> Conversation | None:
        """The conversation with this id, or None."""
        ...

    async def find_pending_for_agent(self, to_agent_id: str) -> list[Conversation]:
        """Pending conversations addressed to one agent, oldest first."""
        ...

    async def answer(self, id: str, answer: str) -> Conversation:
        """Record the answer and mark the conversation answered, atomically.

        ``NotFoundError`` for an unknown id; ``ConflictError`` when it was
        already answered (of concurrent answers, exactly one wins).
        """
        ...

    async def count_by_from_agent_ids(self, agent_ids: Iterable[str]) -> dict[str, int]:
        """How many conversations (any status) each agent started.

        Every id given is a key, with 0 for agents that started none.
        """
        ...

    async def find_by_from_agent_id(self, agent_id: str) -> list[Conversation]:
        """Conversations one agent started, oldest first."""
        ...
