"""Generated from cwdb/ports/agents.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The agent repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.enums import AgentStatus, AgentStatusValue
from cwdb.records.agents import Agent, AgentChanges, AgentCreate


@runtime_checkable
class AsyncAgentRepository(Protocol):
    """Agents: CRUD plus lookups by name, task, provider session and status."""

    async def create(self, **fields: Unpack[AgentCreate]) -> Agent:
        """Store a new agent and return it as stored (a taken name: ConflictError).

        Required: ``name``, ``worktree_id``.
        Optional (default): ``task_id`` (None), ``initiative_id`` (None), ``session_id``
        (None), ``provider`` ('claude'), ``account_id`` (None), ``status`` ('idle'),
        ``mode`` ('execute'), ``pid`` (None), ``exit_code`` (None), ``prompt`` (None),
        ``output_file_path`` (None), ``result`` (None), ``pending_questions`` (None),
        ``user_dismissed_at`` (None).
        """
        ...

    async def find_by_id(self, id: str) -> Agent | None:
        """The agent with this id, or None."""
        ...

    async def find_all(self) -> list[Agent]:
        """Every agent, oldest first."""
        ...

    async def update(self, id: str, /, **changes: Unpack[AgentChanges]) -> Agent:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it and what cascades; ``NotFoundError`` for an unknown id."""
        ...

    async def find_by_name(self, name: str) -> Agent | None:
        """The agent with this (unique) name, or None."""
        ...

    async def find_by_task_id(self, task_id: str) -> Agent | None:
        """The most recently created agent of a task, or None."""
        ...

    async def find_by_session_id(self, session_id: str) -> Agent | None:
        """The agent holding a provider session id (the newest if several), or None."""
        ...

    async def find_by_status(self, status: AgentStatusValue | AgentStatus) -> list[Agent]:
        """Agents in one status, oldest first (bad status: ValidationError)."""
        ...
