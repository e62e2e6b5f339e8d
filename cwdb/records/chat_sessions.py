"""Chat session and chat message records: the user's chats about a target."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

import attrs

from cwdb.enums import (
    ChatMessageRole,
    ChatMessageRoleValue,
    ChatSessionStatus,
    ChatSessionStatusValue,
    ChatSessionTargetType,
    ChatSessionTargetTypeValue,
)
from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class ChatSession:
    """A chat about a phase or task; at most one is active per target.

    Attributes:
        id: nanoid made by the library.
        target_type: ``ChatSessionTargetType`` value.
        target_id: the phase or task chatted about.
        initiative_id: the initiative (deleted with it).
        agent_id: the agent answering, if any (set to None when deleted).
        status: ``ChatSessionStatus`` value.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    target_type: ChatSessionTargetTypeValue = column(Kind.ENUM, enum=ChatSessionTargetType)
    target_id: str = column(Kind.TEXT)
    initiative_id: str = column(Kind.TEXT)
    agent_id: str | None = column(Kind.TEXT, null=True)
    status: ChatSessionStatusValue = column(Kind.ENUM, enum=ChatSessionStatus, default="active")
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


@attrs.frozen(weakref_slot=False)
class ChatMessage:
    """One message of a chat session.

    Attributes:
        id: nanoid made by the library.
        chat_session_id: the session (deleted with it).
        role: ``ChatMessageRole`` value.
        content: the message text.
        change_set_id: the change set it applied, if any.
        created_at: when the row was made.
    """

    id: str = ident()
    chat_session_id: str = column(Kind.TEXT)
    role: ChatMessageRoleValue = column(Kind.ENUM, enum=ChatMessageRole)
    content: str = column(Kind.TEXT)
    change_set_id: str | None = column(Kind.TEXT, null=True)
    created_at: datetime = created_at()


class ChatSessionChanges(TypedDict, total=False):
    """The fields ``chat_sessions.update_session`` may change."""

    target_type: ChatSessionTargetTypeValue | ChatSessionTargetType
    target_id: str
    initiative_id: str
    agent_id: str | None
    status: ChatSessionStatusValue | ChatSessionStatus
