"""The repository ports as asyncio sees them: each method a coroutine function.

Generated from cwdb/ports/__init__.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).
"""

from cwdb.ports.aio.accounts import AsyncAccountRepository
from cwdb.ports.aio.agents import AsyncAgentRepository
from cwdb.ports.aio.chat_sessions import AsyncChatSessionRepository
from cwdb.ports.aio.conversations import AsyncConversationRepository
from cwdb.ports.aio.errands import AsyncErrandRepository
from cwdb.ports.aio.initiatives import AsyncInitiativeRepository
from cwdb.ports.aio.log_chunks import AsyncLogChunkRepository
from cwdb.ports.aio.messages import AsyncMessageRepository
from cwdb.ports.aio.pages import AsyncPageRepository
from cwdb.ports.aio.phases import AsyncPhaseRepository
from cwdb.ports.aio.projects import AsyncProjectRepository
from cwdb.ports.aio.proposals import AsyncProposalRepository
from cwdb.ports.aio.review_comments import AsyncReviewCommentRepository
from cwdb.ports.aio.tasks import AsyncTaskRepository

__all__ = [
    "AsyncAccountRepository",
    "AsyncAgentRepository",
    "AsyncChatSessionRepository",
    "AsyncConversationRepository",
    "AsyncErrandRepository",
    "AsyncInitiativeRepository",
    "AsyncLogChunkRepository",
    "AsyncMessageRepository",
    "AsyncPageRepository",
    "AsyncPhaseRepository",
    "AsyncProjectRepository",
    "AsyncProposalRepository",
    "AsyncReviewCommentRepository",
    "AsyncTaskRepository",
]
