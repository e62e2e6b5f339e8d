"""The repository ports by ``Database`` attribute, and the public methods of a class."""

from __future__ import annotations

import inspect

import cwdb

PORTS = {
    "initiatives": cwdb.InitiativeRepository,
    "phases": cwdb.PhaseRepository,
    "tasks": cwdb.TaskRepository,
    "agents": cwdb.AgentRepository,
    "messages": cwdb.MessageRepository,
    "pages": cwdb.PageRepository,
    "projects": cwdb.ProjectRepository,
    "accounts": cwdb.AccountRepository,
    "proposals": cwdb.ProposalRepository,
    "log_chunks": cwdb.LogChunkRepository,
    "conversations": cwdb.ConversationRepository,
    "chat_sessions": cwdb.ChatSessionRepository,
    "review_comments": cwdb.ReviewCommentRepository,
    "errands": cwdb.ErrandRepository,
}
CRUD = {"create", "find_by_id", "find_all", "update", "delete"}
NOT_CRUD = {"conversations", "chat_sessions", "log_chunks", "review_comments"}


def public_methods(cls: type) -> set[str]:
    return {
        name
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_") and inspect.isfunction(value)
    }
