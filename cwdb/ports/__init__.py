"""The repository ports: one ``typing.Protocol`` per repository (docs/reference.md §4)."""

from cwdb.ports.accounts import AccountRepository
from cwdb.ports.agents import AgentRepository
from cwdb.ports.chat_sessions import ChatSessionRepository
from cwdb.ports.conversations import ConversationRepository
from cwdb.ports.errands import ErrandRepository
from cwdb.ports.initiatives import InitiativeRepository
from cwdb.ports.log_chunks import LogChunkRepository
from cwdb.ports.messages import MessageRepository
from cwdb.ports.pages import PageRepository
from cwdb.ports.phases import PhaseRepository
from cwdb.ports.projects import ProjectRepository
from cwdb.ports.proposals import ProposalRepository
from cwdb.ports.review_comments import ReviewCommentRepository
from cwdb.ports.tasks import TaskRepository

__all__ = [
    "AccountRepository",
    "AgentRepository",
    "ChatSessionRepository",
    "ConversationRepository",
    "ErrandRepository",
    "InitiativeRepository",
    "LogChunkRepository",
    "MessageRepository",
    "PageRepository",
    "PhaseRepository",
    "ProjectRepository",
    "ProposalRepository",
    "ReviewCommentRepository",
    "TaskRepository",
]
