"""The message record: a note between an agent and the user."""

from __future__ import annotations

from datetime import datetime
from typing import Required, TypedDict

import attrs

from cwdb.enums import (
    MessageRecipientType,
    MessageSenderType,
    MessageStatus,
    MessageType,
)
from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Message:
    """A message between agents and the user, possibly a reply to another.

    Attributes:
        id: nanoid made by the library.
        sender_type: ``MessageSenderType`` value.
        sender_id: the sending agent, if an agent sent it.
        recipient_type: ``MessageRecipientType`` value.
        recipient_id: the receiving agent, if an agent receives it.
        type: ``MessageType`` value.
        content: the message text.
        requires_response: the sender waits for an answer.
        status: ``MessageStatus`` value.
        parent_message_id: the message this replies to (deleted with it).
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    sender_type: str = column(Kind.ENUM, enum=MessageSenderType)
    sender_id: str | None = column(Kind.TEXT, null=True)
    recipient_type: str = column(Kind.ENUM, enum=MessageRecipientType)
    recipient_id: str | None = column(Kind.TEXT, null=True)
    type: str = column(Kind.ENUM, enum=MessageType, default="info")
    content: str = column(Kind.TEXT)
    requires_response: bool = column(Kind.BOOL, default=False)
    status: str = column(Kind.ENUM, enum=MessageStatus, default="pending")
    parent_message_id: str | None = column(Kind.TEXT, null=True)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class MessageCreate(TypedDict, total=False):
    """The fields ``messages.create`` accepts (sender/recipient type, content required)."""

    sender_type: Required[str]
    sender_id: str | None
    recipient_type: Required[str]
    recipient_id: str | None
    type: str
    content: Required[str]
    requires_response: bool
    status: str
    parent_message_id: str | None


class MessageChanges(TypedDict, total=False):
    """The fields ``messages.update`` may change."""

    sender_type: str
    sender_id: str | None
    recipient_type: str
    recipient_id: str | None
    type: str
    content: str
    requires_response: bool
    status: str
    parent_message_id: str | None
