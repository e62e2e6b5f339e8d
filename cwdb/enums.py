"""Every enum of the schema, as ``StrEnum`` s named record + field.

These are the single definition of the allowed values: the records validate
against them and a test checks that each CHECK constraint in ``migrations/``
lists exactly these values, in this order. A member compares equal to its
string, so callers may pass either.
"""

from __future__ import annotations

from enum import StrEnum


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
