"""Every enum of the schema, as ``StrEnum`` s named record + field.

These are the single definition of the allowed values: the records validate
against them and a test checks that each CHECK constraint in ``migrations/``
lists exactly these values, in this order. A member compares equal to its
string, so callers may pass either.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal, TypeAlias


class InitiativeStatus(StrEnum):
    ACTIVE = "active"
    PENDING_REVIEW = "pending_review"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class InitiativeExecutionMode(StrEnum):
    YOLO = "yolo"
    REVIEW_PER_PHASE = "review_per_phase"


class PhaseStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    BLOCKED = "blocked"
    PENDING_REVIEW = "pending_review"


class TaskType(StrEnum):
    AUTO = "auto"


class TaskCategory(StrEnum):
    EXECUTE = "execute"
    RESEARCH = "research"
    DISCUSS = "discuss"
    PLAN = "plan"
    DETAIL = "detail"
    REFINE = "refine"
    VERIFY = "verify"
    MERGE = "merge"
    REVIEW = "review"


class TaskPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class TaskStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    QUALITY_REVIEW = "quality_review"
    COMPLETED = "completed"
    BLOCKED = "blocked"


class AgentStatus(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    WAITING_FOR_INPUT = "waiting_for_input"
    STOPPED = "stopped"
    CRASHED = "crashed"


class AgentMode(StrEnum):
    EXECUTE = "execute"
    DISCUSS = "discuss"
    PLAN = "plan"
    DETAIL = "detail"
    REFINE = "refine"


class ProposalTargetType(StrEnum):
    PAGE = "page"
    PHASE = "phase"
    TASK = "task"


class ProposalStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class MessageSenderType(StrEnum):
    AGENT = "agent"
    USER = "user"


class MessageRecipientType(StrEnum):
    AGENT = "agent"
    USER = "user"


class MessageType(StrEnum):
    QUESTION = "question"
    INFO = "info"
    ERROR = "error"
    RESPONSE = "response"


class MessageStatus(StrEnum):
    PENDING = "pending"
    READ = "read"
    RESPONDED = "responded"


class ConversationStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"


class ChatSessionTargetType(StrEnum):
    PHASE = "phase"
    TASK = "task"


class ChatSessionStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class ChatMessageRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class ErrandStatus(StrEnum):
    ACTIVE = "active"
    PENDING_REVIEW = "pending_review"
    CONFLICT = "conflict"
    MERGED = "merged"
    ABANDONED = "abandoned"


class ReviewCommentLineType(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CONTEXT = "context"


class ChangeSetStatus(StrEnum):
    APPLIED = "applied"
    REVERTED = "reverted"


# -- the values as types ----------------------------------------------------------
#
# Each enum's values as a ``Literal`` type, defined here beside the enums so
# that a change of values is made in one file (a test checks that each alias
# lists exactly its enum's values, in order). Records type their enum fields
# with these; create, update and filters accept ``<Enum>Value | <Enum>``, so
# mypy refuses ``priority="urgent"`` and accepts ``"high"`` and
# ``TaskPriority.HIGH`` alike.

InitiativeStatusValue: TypeAlias = Literal["active", "pending_review", "completed", "archived"]
InitiativeExecutionModeValue: TypeAlias = Literal["yolo", "review_per_phase"]
PhaseStatusValue: TypeAlias = Literal[
    "pending", "approved", "in_progress", "completed", "blocked", "pending_review"
]
TaskTypeValue: TypeAlias = Literal["auto"]
TaskCategoryValue: TypeAlias = Literal[
    "execute", "research", "discuss", "plan", "detail", "refine", "verify", "merge", "review"
]
TaskPriorityValue: TypeAlias = Literal["low", "medium", "high"]
TaskStatusValue: TypeAlias = Literal[
    "pending", "in_progress", "quality_review", "completed", "blocked"
]
AgentStatusValue: TypeAlias = Literal["idle", "running", "waiting_for_input", "stopped", "crashed"]
AgentModeValue: TypeAlias = Literal["execute", "discuss", "plan", "detail", "refine"]
ProposalTargetTypeValue: TypeAlias = Literal["page", "phase", "task"]
ProposalStatusValue: TypeAlias = Literal["pending", "accepted", "dismissed"]
MessageSenderTypeValue: TypeAlias = Literal["agent", "user"]
MessageRecipientTypeValue: TypeAlias = Literal["agent", "user"]
MessageTypeValue: TypeAlias = Literal["question", "info", "error", "response"]
MessageStatusValue: TypeAlias = Literal["pending", "read", "responded"]
ConversationStatusValue: TypeAlias = Literal["pending", "answered"]
ChatSessionTargetTypeValue: TypeAlias = Literal["phase", "task"]
ChatSessionStatusValue: TypeAlias = Literal["active", "closed"]
ChatMessageRoleValue: TypeAlias = Literal["user", "assistant", "system"]
ErrandStatusValue: TypeAlias = Literal[
    "active", "pending_review", "conflict", "merged", "abandoned"
]
ReviewCommentLineTypeValue: TypeAlias = Literal["added", "removed", "context"]
ChangeSetStatusValue: TypeAlias = Literal["applied", "reverted"]

#: Each enum's ``Literal`` alias (checked by the tests) and the field it types.
VALUE_TYPES: Final[dict[type[StrEnum], tuple[object, str]]] = {
    InitiativeStatus: (InitiativeStatusValue, "Initiative.status"),
    InitiativeExecutionMode: (InitiativeExecutionModeValue, "Initiative.execution_mode"),
    PhaseStatus: (PhaseStatusValue, "Phase.status"),
    TaskType: (TaskTypeValue, "Task.type"),
    TaskCategory: (TaskCategoryValue, "Task.category"),
    TaskPriority: (TaskPriorityValue, "Task.priority"),
    TaskStatus: (TaskStatusValue, "Task.status"),
    AgentStatus: (AgentStatusValue, "Agent.status"),
    AgentMode: (AgentModeValue, "Agent.mode"),
    ProposalTargetType: (ProposalTargetTypeValue, "Proposal.target_type"),
    ProposalStatus: (ProposalStatusValue, "Proposal.status"),
    MessageSenderType: (MessageSenderTypeValue, "Message.sender_type"),
    MessageRecipientType: (MessageRecipientTypeValue, "Message.recipient_type"),
    MessageType: (MessageTypeValue, "Message.type"),
    MessageStatus: (MessageStatusValue, "Message.status"),
    ConversationStatus: (ConversationStatusValue, "Conversation.status"),
    ChatSessionTargetType: (ChatSessionTargetTypeValue, "ChatSession.target_type"),
    ChatSessionStatus: (ChatSessionStatusValue, "ChatSession.status"),
    ChatMessageRole: (ChatMessageRoleValue, "ChatMessage.role"),
    ErrandStatus: (ErrandStatusValue, "Errand.status"),
    ReviewCommentLineType: (ReviewCommentLineTypeValue, "ReviewComment.line_type"),
    ChangeSetStatus: (ChangeSetStatusValue, "the change_sets.status column"),
}

for _enum, (_, _field) in VALUE_TYPES.items():
    if _enum.__doc__ is None:
        _values = ", ".join(repr(member.value) for member in _enum)
        _enum.__doc__ = f"The values of {_field}, in the schema's order: {_values}."
