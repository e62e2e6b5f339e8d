"""The log chunk record: a piece of an agent's streamed output."""

from datetime import datetime
from typing import NotRequired, TypedDict

import attrs

from cwdb.records._columns import Kind, column, created_at, ident


@attrs.frozen(weakref_slot=False)
class LogChunk:
    """A piece of an agent's output; chunks outlive their agent row.

    Attributes:
        id: nanoid made by the library.
        agent_id: the agent that wrote it (not a foreign key on purpose).
        agent_name: the agent's name when it wrote it.
        content: the output text, stored byte-for-byte.
        session_number: which run of the agent it belongs to (from 1).
        created_at: when the row was made.
    """

    id: str = ident()
    agent_id: str = column(Kind.TEXT)
    agent_name: str = column(Kind.TEXT)
    content: str = column(Kind.TEXT)
    session_number: int = column(Kind.INT, default=1)
    created_at: datetime = created_at()


class LogChunkInsert(TypedDict):
    """One chunk given to ``log_chunks.insert_chunks``: ``insert_chunk``'s parameters."""

    agent_id: str
    agent_name: str
    content: str
    session_number: NotRequired[int]
