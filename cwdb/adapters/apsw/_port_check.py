"""A typing-only proof that every APSW adapter fits its port (never imported).

The ports are ``typing.Protocol`` s that the adapters satisfy structurally,
without inheriting from them; a drift (a method renamed, a parameter added,
a return type changed) would only show at run time. Each function below
returns an adapter where its port is expected, so ``mypy cwdb`` (strict, in
``scripts/test.sh``) fails at the line of the adapter that no longer fits.
The body only exists for type checkers: importing this module defines nothing.

It lives in the package, beside the adapters, rather than under ``tests/``,
so that the one ``mypy cwdb`` run checks it with the package's own settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cwdb import ports
    from cwdb.adapters.apsw.accounts import ApswAccountRepository
    from cwdb.adapters.apsw.agents import ApswAgentRepository
    from cwdb.adapters.apsw.chat_sessions import ApswChatSessionRepository
    from cwdb.adapters.apsw.conversations import ApswConversationRepository
    from cwdb.adapters.apsw.errands import ApswErrandRepository
    from cwdb.adapters.apsw.initiatives import ApswInitiativeRepository
    from cwdb.adapters.apsw.log_chunks import ApswLogChunkRepository
    from cwdb.adapters.apsw.messages import ApswMessageRepository
    from cwdb.adapters.apsw.pages import ApswPageRepository
    from cwdb.adapters.apsw.phases import ApswPhaseRepository
    from cwdb.adapters.apsw.projects import ApswProjectRepository
    from cwdb.adapters.apsw.proposals import ApswProposalRepository
    from cwdb.adapters.apsw.review_comments import ApswReviewCommentRepository
    from cwdb.adapters.apsw.runner import Queries, Runner
    from cwdb.adapters.apsw.tasks import ApswTaskRepository

    def initiatives(run: Runner, sql: Queries) -> ports.InitiativeRepository:
        return ApswInitiativeRepository(run, sql)

    def phases(run: Runner, sql: Queries) -> ports.PhaseRepository:
        return ApswPhaseRepository(run, sql)

    def tasks(run: Runner, sql: Queries) -> ports.TaskRepository:
        return ApswTaskRepository(run, sql)

    def agents(run: Runner, sql: Queries) -> ports.AgentRepository:
        return ApswAgentRepository(run, sql)

    def messages(run: Runner, sql: Queries) -> ports.MessageRepository:
        return ApswMessageRepository(run, sql)

    def pages(run: Runner, sql: Queries) -> ports.PageRepository:
        return ApswPageRepository(run, sql)

    def projects(run: Runner, sql: Queries) -> ports.ProjectRepository:
        return ApswProjectRepository(run, sql)

    def accounts(run: Runner, sql: Queries) -> ports.AccountRepository:
        return ApswAccountRepository(run, sql)

    def proposals(run: Runner, sql: Queries) -> ports.ProposalRepository:
        return ApswProposalRepository(run, sql)

    def log_chunks(run: Runner, sql: Queries) -> ports.LogChunkRepository:
        return ApswLogChunkRepository(run, sql)

    def conversations(run: Runner, sql: Queries) -> ports.ConversationRepository:
        return ApswConversationRepository(run, sql)

    def chat_sessions(run: Runner, sql: Queries) -> ports.ChatSessionRepository:
        return ApswChatSessionRepository(run, sql)

    def review_comments(run: Runner, sql: Queries) -> ports.ReviewCommentRepository:
        return ApswReviewCommentRepository(run, sql)

    def errands(run: Runner, sql: Queries) -> ports.ErrandRepository:
        return ApswErrandRepository(run, sql)
