"""cwdb: the data layer of the agent orchestrator, on SQLite or PostgreSQL (docs/reference.md).

The public surface only: ``connect``/``connect_async``/``ensure_schema``, the
``Database`` and ``AsyncDatabase``, an application's own queries, the
errors, the records, the repository ports and the enums.
"""

from typing import TYPE_CHECKING, Any

from cwdb._open import connect, connect_async, ensure_schema
from cwdb.adapters.database import Database
from cwdb.adapters.own_queries import (
    AppQueries,
    AsyncAppQueries,
    AsyncBatchQuery,
    AsyncManyQuery,
    AsyncOneQuery,
    AsyncSingleQuery,
    AsyncWriteQuery,
    BatchQuery,
    BoundQuery,
    ManyQuery,
    OneQuery,
    SingleQuery,
    WriteQuery,
)
from cwdb.enums import (
    AgentMode,
    AgentStatus,
    ChangeSetStatus,
    ChatMessageRole,
    ChatSessionStatus,
    ChatSessionTargetType,
    ConversationStatus,
    ErrandStatus,
    InitiativeExecutionMode,
    InitiativeStatus,
    MessageRecipientType,
    MessageSenderType,
    MessageStatus,
    MessageType,
    PhaseStatus,
    ProposalStatus,
    ProposalTargetType,
    ReviewCommentLineType,
    TaskCategory,
    TaskPriority,
    TaskStatus,
    TaskType,
)
from cwdb.errors import (
    BusyError,
    ConflictError,
    Error,
    IntegrityError,
    MigrationError,
    NotFoundError,
    SerializationError,
    ValidationError,
)
from cwdb.ports import (
    AccountRepository,
    AgentRepository,
    ChatSessionRepository,
    ConversationRepository,
    ErrandRepository,
    InitiativeRepository,
    LogChunkRepository,
    MessageRepository,
    PageRepository,
    PhaseRepository,
    ProjectRepository,
    ProposalRepository,
    ReviewCommentRepository,
    TaskRepository,
)
from cwdb.records import (
    Account,
    Agent,
    ChatMessage,
    ChatSession,
    Conversation,
    Errand,
    Initiative,
    LogChunk,
    Message,
    Page,
    Phase,
    Project,
    Proposal,
    ReviewComment,
    Task,
)

if TYPE_CHECKING:
    from cwdb.adapters.aio.database import AsyncDatabase

    __version__: str


def __getattr__(name: str) -> Any:
    """``AsyncDatabase`` and ``__version__``, loaded on first use.

    The asyncio half (asyncio itself and the async repositories) and
    ``importlib.metadata`` cost 0.15 s at import; a program that uses neither
    does not pay for them.
    """
    if name == "AsyncDatabase":
        from cwdb.adapters.aio.database import AsyncDatabase

        return AsyncDatabase
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("cwdb")
        except PackageNotFoundError:  # running from a checkout that is not installed
            found = "0.0.0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module 'cwdb' has no attribute {name!r}")


__all__ = [
    "Account",
    "AccountRepository",
    "Agent",
    "AgentMode",
    "AgentRepository",
    "AgentStatus",
    "AppQueries",
    "AsyncAppQueries",
    "AsyncBatchQuery",
    "AsyncDatabase",
    "AsyncManyQuery",
    "AsyncOneQuery",
    "AsyncSingleQuery",
    "AsyncWriteQuery",
    "BatchQuery",
    "BoundQuery",
    "BusyError",
    "ChangeSetStatus",
    "ChatMessage",
    "ChatMessageRole",
    "ChatSession",
    "ChatSessionRepository",
    "ChatSessionStatus",
    "ChatSessionTargetType",
    "ConflictError",
    "Conversation",
    "ConversationRepository",
    "ConversationStatus",
    "Database",
    "Errand",
    "ErrandRepository",
    "ErrandStatus",
    "Error",
    "Initiative",
    "InitiativeExecutionMode",
    "InitiativeRepository",
    "InitiativeStatus",
    "IntegrityError",
    "LogChunk",
    "LogChunkRepository",
    "ManyQuery",
    "Message",
    "MessageRecipientType",
    "MessageRepository",
    "MessageSenderType",
    "MessageStatus",
    "MessageType",
    "MigrationError",
    "NotFoundError",
    "OneQuery",
    "Page",
    "PageRepository",
    "Phase",
    "PhaseRepository",
    "PhaseStatus",
    "Project",
    "ProjectRepository",
    "Proposal",
    "ProposalRepository",
    "ProposalStatus",
    "ProposalTargetType",
    "ReviewComment",
    "ReviewCommentLineType",
    "ReviewCommentRepository",
    "SerializationError",
    "SingleQuery",
    "Task",
    "TaskCategory",
    "TaskPriority",
    "TaskRepository",
    "TaskStatus",
    "TaskType",
    "ValidationError",
    "WriteQuery",
    "__version__",
    "connect",
    "connect_async",
    "ensure_schema",
]
