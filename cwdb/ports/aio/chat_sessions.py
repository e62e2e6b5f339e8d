"""Generated from cwdb/ports/chat_sessions.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The chat session repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.enums import (
    ChatMessageRole,
    ChatMessageRoleValue,
    ChatSessionTargetType,
    ChatSessionTargetTypeValue,
)
from cwdb.records.chat_sessions import ChatMessage, ChatSession, ChatSessionChanges


@runtime_checkable
class AsyncChatSessionRepository(Protocol):
    """The user's chats about a phase or task, and their messages."""

    async def create_session(
        self,
        target_type: ChatSessionTargetTypeValue | ChatSessionTargetType,
        target_id: str,
        initiative_id: str,
        agent_id: str | None = None,
    ) -> ChatSession:
        """Start an active session and return it as stored.

        ``ConflictError`` when the target already has an active session;
        ``IntegrityError`` for an unknown initiative or agent.
        """
        ...

    async def find_active_session(
        self, target_type: ChatSessionTargetTypeValue | ChatSessionTargetType, target_id: str
    ) -> ChatSession | None:
        """The active session of a target, or None."""
        ...

    async def find_active_session_by_agent_id(self, agent_id: str) -> ChatSession | None:
        """The most recently created active session of an agent, or None."""
        ...

    async def update_session(
        self, id: str, /, **changes: Unpack[ChatSessionChanges]
    ) -> ChatSession:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def create_message(
        self,
        chat_session_id: str,
        role: ChatMessageRoleValue | ChatMessageRole,
        content: str,
        change_set_id: str | None = None,
    ) -> ChatMessage:
        """Add a message to a session and return it as stored.

        An unknown session or change set is an ``IntegrityError``.
        """
        ...

    async def find_messages_by_session_id(self, chat_session_id: str) -> list[ChatMessage]:
        """The messages of one session, oldest first."""
        ...
