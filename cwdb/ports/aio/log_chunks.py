"""Generated from cwdb/ports/log_chunks.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The log chunk repository port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Protocol, runtime_checkable

from cwdb.records.log_chunks import LogChunk, LogChunkInsert


@runtime_checkable
class AsyncLogChunkRepository(Protocol):
    """An agent's streamed output, in insertion order; it outlives the agent."""

    async def insert_chunk(
        self, agent_id: str, agent_name: str, content: str, session_number: int = 1
    ) -> LogChunk:
        """Store one chunk and return it as stored."""
        ...

    async def insert_chunks(self, chunks: Iterable[LogChunkInsert]) -> int:
        """Store many chunks (dicts of ``insert_chunk``'s parameters) at once.

        All or nothing, in one transaction; a dict with a missing required or
        an unknown key is a ``ValidationError`` naming it, before any write.
        Returns the number stored (0 for an empty iterable).
        """
        ...

    async def find_by_agent_id(self, agent_id: str) -> list[LogChunk]:
        """Every chunk of one agent, in insertion order."""
        ...

    async def find_by_agent_ids(self, agent_ids: Iterable[str]) -> list[LogChunk]:
        """Every chunk of the given agents, in insertion order."""
        ...

    async def delete_by_agent_id(self, agent_id: str) -> int:
        """Delete every chunk of one agent; the number deleted."""
        ...

    async def get_session_count(self, agent_id: str) -> int:
        """The highest session number of the agent's chunks, 0 when none."""
        ...

    def iter_by_agent_id(self, agent_id: str, batch_size: int = 1000) -> AsyncIterator[LogChunk]:
        """Stream one agent's chunks in insertion order, ``batch_size`` per read.

        Only one batch is held in memory; each batch is its own short read,
        so writers are never blocked for the length of the iteration.
        """
        ...

    async def delete_older_than(self, cutoff: datetime) -> int:
        """Delete chunks of every agent made before ``cutoff``; the number deleted.

        Works in bounded batches, each its own transaction, so other writers
        get the lock in between (a failure keeps the batches already done).
        A naive ``cutoff`` is a ``ValidationError``.
        """
        ...
