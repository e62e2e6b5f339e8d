"""Generated from cwdb/ports/messages.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The message repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.records.messages import Message, MessageChanges, MessageCreate


@runtime_checkable
class AsyncMessageRepository(Protocol):
    """Messages: CRUD plus the user's inbox, open questions and reply threads."""

    async def create(self, **fields: Unpack[MessageCreate]) -> Message:
        """Store a new message and return it as stored.

        Required: ``sender_type``, ``recipient_type``, ``content``.
        Optional (default): ``sender_id`` (None), ``recipient_id`` (None), ``type``
        ('info'), ``requires_response`` (False), ``status`` ('pending'),
        ``parent_message_id`` (None).
        """
        ...

    async def find_by_id(self, id: str) -> Message | None:
        """The message with this id, or None."""
        ...

    async def find_all(self) -> list[Message]:
        """Every message, oldest first."""
        ...

    async def update(self, id: str, /, **changes: Unpack[MessageChanges]) -> Message:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it and its replies; ``NotFoundError`` for an unknown id."""
        ...

    async def find_pending_for_user(self) -> list[Message]:
        """Messages to the user (recipient_type 'user') still 'pending', oldest first."""
        ...

    async def find_requiring_response(self) -> list[Message]:
        """'pending' messages whose sender waits for an answer, oldest first."""
        ...

    async def find_replies(self, message_id: str) -> list[Message]:
        """The direct replies to a message, oldest first ([] for an unknown id)."""
        ...
