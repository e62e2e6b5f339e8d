"""The message record: a note between an agent and the user."""

from datetime import datetime
from typing import Required, TypedDict

import attrs

from cwdb.enums import (
    MessageRecipientType,
    MessageRecipientTypeValue,
    MessageSenderType,
    MessageSenderTypeValue,
    MessageStatus,
    MessageStatusValue,
    MessageType,
    MessageTypeValue,
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
    sender_type: MessageSenderTypeValue = column(Kind.ENUM, enum=MessageSenderType)
    sender_id: str | None = column(Kind.TEXT, null=True)
    recipient_type: MessageRecipientTypeValue = column(Kind.ENUM, enum=MessageRecipientType)
    recipient_id: str | None = column(Kind.TEXT, null=True)
    type: MessageTypeValue = column(Kind.ENUM, enum=MessageType, default="info")
    content: str = column(Kind.TEXT)
    requires_response: bool = column(Kind.BOOL, default=False)
    status: MessageStatusValue = column(Kind.ENUM, enum=MessageStatus, default="pending")
    parent_message_id: str | None = column(Kind.TEXT, null=True)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class MessageCreate(TypedDict, total=False):
    """The fields ``messages.create`` accepts (sender/recipient type, content required)."""

    sender_type: Required[MessageSenderTypeValue | MessageSenderType]
    sender_id: str | None
    recipient_type: Required[MessageRecipientTypeValue | MessageRecipientType]
    recipient_id: str | None
    type: MessageTypeValue | MessageType
    content: Required[str]
    requires_response: bool
    status: MessageStatusValue | MessageStatus
    parent_message_id: str | None


class MessageChanges(TypedDict, total=False):
    """The fields ``messages.update`` may change."""

    sender_type: MessageSenderTypeValue | MessageSenderType
    sender_id: str | None
    recipient_type: MessageRecipientTypeValue | MessageRecipientType
    recipient_id: str | None
    type: MessageTypeValue | MessageType
    content: str
    requires_response: bool
    status: MessageStatusValue | MessageStatus
    parent_message_id: str | None
