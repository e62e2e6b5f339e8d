"""The conversation record: a question one agent asks another."""

from __future__ import annotations

from datetime import datetime

import attrs

from cwdb.enums import ConversationStatus, ConversationStatusValue
from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Conversation:
    """A question from one agent to another, answered at most once.

    Attributes:
        id: nanoid made by the library.
        from_agent_id: the asking agent (deleted with it).
        to_agent_id: the agent asked (deleted with it).
        initiative_id: context, if any (set to None when it is deleted).
        phase_id: context, if any (set to None when it is deleted).
        task_id: context, if any (set to None when it is deleted).
        question: the question text.
        answer: the answer, once given.
        status: ``ConversationStatus`` value.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    from_agent_id: str = column(Kind.TEXT)
    to_agent_id: str = column(Kind.TEXT)
    initiative_id: str | None = column(Kind.TEXT, null=True)
    phase_id: str | None = column(Kind.TEXT, null=True)
    task_id: str | None = column(Kind.TEXT, null=True)
    question: str = column(Kind.TEXT)
    answer: str | None = column(Kind.TEXT, null=True)
    status: ConversationStatusValue = column(Kind.ENUM, enum=ConversationStatus, default="pending")
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()
