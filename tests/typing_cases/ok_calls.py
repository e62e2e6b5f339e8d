"""Caller code that ``mypy --strict`` must accept (run by tests/test_typing.py).

Never imported or collected by pytest: mypy reads it, nothing runs it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import assert_type

import cwdb
from cwdb import (
    AgentMode,
    AgentStatus,
    ChatSessionStatus,
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
    TaskPriority,
    TaskStatus,
)
from cwdb.enums import TaskPriorityValue, TaskStatusValue


def every_port_is_the_type_of_its_attribute(db: cwdb.Database) -> None:
    initiatives: cwdb.InitiativeRepository = db.initiatives
    phases: cwdb.PhaseRepository = db.phases
    tasks: cwdb.TaskRepository = db.tasks
    agents: cwdb.AgentRepository = db.agents
    messages: cwdb.MessageRepository = db.messages
    pages: cwdb.PageRepository = db.pages
    projects: cwdb.ProjectRepository = db.projects
    accounts: cwdb.AccountRepository = db.accounts
    proposals: cwdb.ProposalRepository = db.proposals
    log_chunks: cwdb.LogChunkRepository = db.log_chunks
    conversations: cwdb.ConversationRepository = db.conversations
    chat_sessions: cwdb.ChatSessionRepository = db.chat_sessions
    review_comments: cwdb.ReviewCommentRepository = db.review_comments
    errands: cwdb.ErrandRepository = db.errands
    print(initiatives, phases, tasks, agents, messages, pages, projects, accounts)
    print(proposals, log_chunks, conversations, chat_sessions, review_comments, errands)


def initiatives(db: cwdb.Database) -> None:
    repo: cwdb.InitiativeRepository = db.initiatives
    made = repo.create(
        name="Add dark mode",
        status=InitiativeStatus.ACTIVE,
        execution_mode="yolo",
        quality_review=True,
        branch=None,
    )
    assert_type(made, cwdb.Initiative)
    changed = repo.update(made.id, status="completed", execution_mode=InitiativeExecutionMode.YOLO)
    assert_type(changed, cwdb.Initiative)
    assert_type(repo.update(made.id), cwdb.Initiative)
    assert_type(repo.find_by_id(made.id), cwdb.Initiative | None)


def phases_and_tasks(db: cwdb.Database, initiative: cwdb.Initiative) -> None:
    phase = db.phases.create(initiative_id=initiative.id, name="Build", content=None)
    assert_type(phase, cwdb.Phase)
    assert_type(db.phases.update(phase.id, status=PhaseStatus.IN_PROGRESS), cwdb.Phase)
    task = db.tasks.create(phase_id=phase.id, name="Toggle", priority=TaskPriority.HIGH, order=2)
    assert_type(task, cwdb.Task)
    assert_type(db.tasks.update(task.id, status=TaskStatus.COMPLETED, summary="done"), cwdb.Task)


def agents_and_accounts(db: cwdb.Database) -> None:
    agent = db.agents.create(
        name="builder", worktree_id="wt", mode=AgentMode.EXECUTE, result={"ok": [1, 2]}
    )
    assert_type(agent, cwdb.Agent)
    stopped = db.agents.update(agent.id, status=AgentStatus.STOPPED, exit_code=0, pid=None)
    assert_type(stopped, cwdb.Agent)
    account = db.accounts.create(email="a@example.com", credentials="(secret)", sort_order=1)
    assert_type(account, cwdb.Account)
    until = datetime(2030, 1, 1, tzinfo=UTC)
    assert_type(db.accounts.update(account.id, exhausted_until=until), cwdb.Account)


def messages_pages_projects(db: cwdb.Database, initiative: cwdb.Initiative) -> None:
    message = db.messages.create(
        sender_type=MessageSenderType.USER,
        recipient_type=MessageRecipientType.AGENT,
        type=MessageType.QUESTION,
        content="Ship it?",
        requires_response=True,
    )
    assert_type(message, cwdb.Message)
    assert_type(db.messages.update(message.id, status=MessageStatus.READ), cwdb.Message)
    page = db.pages.create(initiative_id=initiative.id, title="Notes", sort_order=3)
    assert_type(page, cwdb.Page)
    assert_type(db.pages.update(page.id, content="# Notes\n"), cwdb.Page)
    project = db.projects.create(name="webapp", url="https://git.example/webapp.git")
    assert_type(project, cwdb.Project)
    fetched = datetime.now(UTC)
    assert_type(db.projects.update(project.id, last_fetched_at=fetched), cwdb.Project)


def proposals_errands_chats(
    db: cwdb.Database, initiative: cwdb.Initiative, agent: cwdb.Agent
) -> None:
    proposal = db.proposals.create(
        agent_id=agent.id,
        initiative_id=initiative.id,
        target_type=ProposalTargetType.TASK,
        title="Split the task",
        summary="Two tasks instead of one",
        content="- part one\n- part two",
        metadata={"why": "too big"},
    )
    assert_type(proposal, cwdb.Proposal)
    accepted = db.proposals.update(proposal.id, status=ProposalStatus.ACCEPTED)
    assert_type(accepted, cwdb.Proposal)
    count = db.proposals.update_many_by_agent_id(agent.id, status="dismissed")
    assert_type(count, int)
    project = db.projects.create(name="cw", url="https://git.example/cw.git")
    errand = db.errands.create(
        id="errand-1", description="Bump", branch="errand/1", project_id=project.id
    )
    assert_type(errand, cwdb.Errand)
    assert_type(db.errands.update(errand.id, status=ErrandStatus.MERGED), cwdb.Errand)
    chat = db.chat_sessions.create_session("phase", "p1", initiative.id)
    closed = db.chat_sessions.update_session(chat.id, status=ChatSessionStatus.CLOSED)
    assert_type(closed, cwdb.ChatSession)


def enum_values_as_strings_or_members(db: cwdb.Database, agent: cwdb.Agent) -> None:
    db.initiatives.find_by_status("active")
    db.initiatives.find_by_status(InitiativeStatus.ARCHIVED)
    db.agents.find_by_status(AgentStatus.RUNNING)
    db.errands.find_all(status="merged")
    db.proposals.count_by_agent_id_and_status(agent.id, ProposalStatus.PENDING)
    task = db.tasks.create(name="Toggle", priority="high", status=TaskStatus.IN_PROGRESS)
    priority: TaskPriorityValue = task.priority
    assert_type(task.status, TaskStatusValue)
    print(priority)
    stored = db.log_chunks.insert_chunks(
        [
            {"agent_id": agent.id, "agent_name": agent.name, "content": "one"},
            {"agent_id": agent.id, "agent_name": agent.name, "content": "two", "session_number": 2},
        ]
    )
    assert_type(stored, int)
