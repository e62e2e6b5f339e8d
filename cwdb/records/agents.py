"""The agent record: one coding agent process and its state."""

from datetime import datetime
from typing import Any, Required, TypedDict

import attrs

from cwdb.enums import AgentMode, AgentModeValue, AgentStatus, AgentStatusValue
from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Agent:
    """A coding agent the orchestrator spawned in a git worktree.

    Attributes:
        id: nanoid made by the library.
        name: unique, human-friendly name.
        task_id: the task it works on, if any (set to None when it is deleted).
        initiative_id: its initiative, if any (set to None when it is deleted).
        session_id: the provider's session id, once known.
        worktree_id: the git worktree it runs in.
        provider: the model provider (``"claude"`` by default).
        account_id: the provider account it runs under, if any.
        status: ``AgentStatus`` value.
        mode: ``AgentMode`` value.
        pid: operating-system process id while it runs.
        exit_code: process exit code once it stopped.
        prompt: the prompt it was started with.
        output_file_path: where its raw output is written.
        result: its structured result (JSON value).
        pending_questions: questions it waits on (JSON value).
        user_dismissed_at: when the user dismissed it from view.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    name: str = column(Kind.TEXT)
    task_id: str | None = column(Kind.TEXT, null=True)
    initiative_id: str | None = column(Kind.TEXT, null=True)
    session_id: str | None = column(Kind.TEXT, null=True)
    worktree_id: str = column(Kind.TEXT)
    provider: str = column(Kind.TEXT, default="claude")
    account_id: str | None = column(Kind.TEXT, null=True)
    status: AgentStatusValue = column(Kind.ENUM, enum=AgentStatus, default="idle")
    mode: AgentModeValue = column(Kind.ENUM, enum=AgentMode, default="execute")
    pid: int | None = column(Kind.INT, null=True)
    exit_code: int | None = column(Kind.INT, null=True)
    prompt: str | None = column(Kind.TEXT, null=True)
    output_file_path: str | None = column(Kind.TEXT, null=True)
    result: Any = column(Kind.JSON, null=True)
    pending_questions: Any = column(Kind.JSON, null=True)
    user_dismissed_at: datetime | None = column(Kind.TIME, null=True)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class AgentCreate(TypedDict, total=False):
    """The fields ``agents.create`` accepts (``name`` and ``worktree_id`` are required).

    ``result`` and ``pending_questions`` take any JSON-serialisable value.
    """

    name: Required[str]
    task_id: str | None
    initiative_id: str | None
    session_id: str | None
    worktree_id: Required[str]
    provider: str
    account_id: str | None
    status: AgentStatusValue | AgentStatus
    mode: AgentModeValue | AgentMode
    pid: int | None
    exit_code: int | None
    prompt: str | None
    output_file_path: str | None
    result: Any
    pending_questions: Any
    user_dismissed_at: datetime | None


class AgentChanges(TypedDict, total=False):
    """The fields ``agents.update`` may change."""

    name: str
    task_id: str | None
    initiative_id: str | None
    session_id: str | None
    worktree_id: str
    provider: str
    account_id: str | None
    status: AgentStatusValue | AgentStatus
    mode: AgentModeValue | AgentMode
    pid: int | None
    exit_code: int | None
    prompt: str | None
    output_file_path: str | None
    result: Any
    pending_questions: Any
    user_dismissed_at: datetime | None
