"""Every adapter fits its port: mypy --strict checks each assignment (no error expected).

The ``Database`` and ``AsyncDatabase`` build their repositories from one table
(``ADAPTERS``), which mypy cannot see through; this file is where an adapter
that drifts from its port is refused, as svcs keeps its typing tests.
"""

from __future__ import annotations

from cwdb import ports
from cwdb.adapters.aio.repositories.accounts import AsyncSqlAccountRepository
from cwdb.adapters.aio.repositories.agents import AsyncSqlAgentRepository
from cwdb.adapters.aio.repositories.chat_sessions import AsyncSqlChatSessionRepository
from cwdb.adapters.aio.repositories.conversations import AsyncSqlConversationRepository
from cwdb.adapters.aio.repositories.errands import AsyncSqlErrandRepository
from cwdb.adapters.aio.repositories.initiatives import AsyncSqlInitiativeRepository
from cwdb.adapters.aio.repositories.log_chunks import AsyncSqlLogChunkRepository
from cwdb.adapters.aio.repositories.messages import AsyncSqlMessageRepository
from cwdb.adapters.aio.repositories.pages import AsyncSqlPageRepository
from cwdb.adapters.aio.repositories.phases import AsyncSqlPhaseRepository
from cwdb.adapters.aio.repositories.projects import AsyncSqlProjectRepository
from cwdb.adapters.aio.repositories.proposals import AsyncSqlProposalRepository
from cwdb.adapters.aio.repositories.review_comments import AsyncSqlReviewCommentRepository
from cwdb.adapters.aio.repositories.tasks import AsyncSqlTaskRepository
from cwdb.adapters.aio.runner import AsyncRunner
from cwdb.adapters.repositories.accounts import SqlAccountRepository
from cwdb.adapters.repositories.agents import SqlAgentRepository
from cwdb.adapters.repositories.chat_sessions import SqlChatSessionRepository
from cwdb.adapters.repositories.conversations import SqlConversationRepository
from cwdb.adapters.repositories.errands import SqlErrandRepository
from cwdb.adapters.repositories.initiatives import SqlInitiativeRepository
from cwdb.adapters.repositories.log_chunks import SqlLogChunkRepository
from cwdb.adapters.repositories.messages import SqlMessageRepository
from cwdb.adapters.repositories.pages import SqlPageRepository
from cwdb.adapters.repositories.phases import SqlPhaseRepository
from cwdb.adapters.repositories.projects import SqlProjectRepository
from cwdb.adapters.repositories.proposals import SqlProposalRepository
from cwdb.adapters.repositories.review_comments import SqlReviewCommentRepository
from cwdb.adapters.repositories.tasks import SqlTaskRepository
from cwdb.adapters.runner import Runner, Values
from cwdb.adapters.statements import Queries
from cwdb.ports import aio as aio_ports


def sync_adapters_fit_their_ports(run: Runner, q: Queries, v: Values) -> None:
    _initiatives: ports.InitiativeRepository = SqlInitiativeRepository(run, q, v)
    _phases: ports.PhaseRepository = SqlPhaseRepository(run, q, v)
    _tasks: ports.TaskRepository = SqlTaskRepository(run, q, v)
    _agents: ports.AgentRepository = SqlAgentRepository(run, q, v)
    _messages: ports.MessageRepository = SqlMessageRepository(run, q, v)
    _pages: ports.PageRepository = SqlPageRepository(run, q, v)
    _projects: ports.ProjectRepository = SqlProjectRepository(run, q, v)
    _accounts: ports.AccountRepository = SqlAccountRepository(run, q, v)
    _proposals: ports.ProposalRepository = SqlProposalRepository(run, q, v)
    _log_chunks: ports.LogChunkRepository = SqlLogChunkRepository(run, q, v)
    _conversations: ports.ConversationRepository = SqlConversationRepository(run, q, v)
    _chat_sessions: ports.ChatSessionRepository = SqlChatSessionRepository(run, q, v)
    _review_comments: ports.ReviewCommentRepository = SqlReviewCommentRepository(run, q, v)
    _errands: ports.ErrandRepository = SqlErrandRepository(run, q, v)


def async_adapters_fit_their_ports(run: AsyncRunner, q: Queries, v: Values) -> None:
    _initiatives: aio_ports.AsyncInitiativeRepository = AsyncSqlInitiativeRepository(run, q, v)
    _phases: aio_ports.AsyncPhaseRepository = AsyncSqlPhaseRepository(run, q, v)
    _tasks: aio_ports.AsyncTaskRepository = AsyncSqlTaskRepository(run, q, v)
    _agents: aio_ports.AsyncAgentRepository = AsyncSqlAgentRepository(run, q, v)
    _messages: aio_ports.AsyncMessageRepository = AsyncSqlMessageRepository(run, q, v)
    _pages: aio_ports.AsyncPageRepository = AsyncSqlPageRepository(run, q, v)
    _projects: aio_ports.AsyncProjectRepository = AsyncSqlProjectRepository(run, q, v)
    _accounts: aio_ports.AsyncAccountRepository = AsyncSqlAccountRepository(run, q, v)
    _proposals: aio_ports.AsyncProposalRepository = AsyncSqlProposalRepository(run, q, v)
    _log_chunks: aio_ports.AsyncLogChunkRepository = AsyncSqlLogChunkRepository(run, q, v)
    _conversations: aio_ports.AsyncConversationRepository = AsyncSqlConversationRepository(
        run, q, v
    )
    _chat_sessions: aio_ports.AsyncChatSessionRepository = AsyncSqlChatSessionRepository(run, q, v)
    _review_comments: aio_ports.AsyncReviewCommentRepository = AsyncSqlReviewCommentRepository(
        run, q, v
    )
    _errands: aio_ports.AsyncErrandRepository = AsyncSqlErrandRepository(run, q, v)
