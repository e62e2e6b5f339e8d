"""The records: immutable attrs classes, one module per repository, no I/O."""

from cwdb.records.accounts import Account
from cwdb.records.agents import Agent
from cwdb.records.chat_sessions import ChatMessage, ChatSession
from cwdb.records.conversations import Conversation
from cwdb.records.errands import Errand
from cwdb.records.initiatives import Initiative
from cwdb.records.log_chunks import LogChunk
from cwdb.records.messages import Message
from cwdb.records.pages import Page
from cwdb.records.phases import Phase
from cwdb.records.projects import Project
from cwdb.records.proposals import Proposal
from cwdb.records.review_comments import ReviewComment
from cwdb.records.tasks import Task

__all__ = [
    "Account",
    "Agent",
    "ChatMessage",
    "ChatSession",
    "Conversation",
    "Errand",
    "Initiative",
    "LogChunk",
    "Message",
    "Page",
    "Phase",
    "Project",
    "Proposal",
    "ReviewComment",
    "Task",
]
