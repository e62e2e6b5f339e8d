"""The task record: one piece of work an agent carries out."""

from datetime import datetime
from typing import Required, TypedDict

import attrs

from cwdb.enums import (
    TaskCategory,
    TaskCategoryValue,
    TaskPriority,
    TaskPriorityValue,
    TaskStatus,
    TaskStatusValue,
    TaskType,
    TaskTypeValue,
)
from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Task:
    """A piece of work, inside a phase and/or directly under an initiative.

    Attributes:
        id: nanoid made by the library.
        phase_id: the phase it belongs to, if any (deleted with it).
        initiative_id: the initiative it belongs to, if any (deleted with it).
        parent_task_id: the task it was split from, if any (deleted with it).
        name: short title.
        description: what to do, in prose.
        type: ``TaskType`` value (``auto``: an agent carries it out).
        category: ``TaskCategory`` value (execute, research, ...).
        priority: ``TaskPriority`` value.
        status: ``TaskStatus`` value.
        order: position among its siblings; lists sort by it, then creation.
        summary: what the agent reported when it finished.
        retry_count: how often the task was retried (``increment_retry_count``).
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    phase_id: str | None = column(Kind.TEXT, null=True)
    initiative_id: str | None = column(Kind.TEXT, null=True)
    parent_task_id: str | None = column(Kind.TEXT, null=True)
    name: str = column(Kind.TEXT)
    description: str | None = column(Kind.TEXT, null=True)
    type: TaskTypeValue = column(Kind.ENUM, enum=TaskType, default="auto")
    category: TaskCategoryValue = column(Kind.ENUM, enum=TaskCategory, default="execute")
    priority: TaskPriorityValue = column(Kind.ENUM, enum=TaskPriority, default="medium")
    status: TaskStatusValue = column(Kind.ENUM, enum=TaskStatus, default="pending")
    order: int = column(Kind.INT, default=0)
    summary: str | None = column(Kind.TEXT, null=True)
    retry_count: int = column(Kind.INT, default=0)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class TaskCreate(TypedDict, total=False):
    """The fields ``tasks.create`` accepts (``name`` is required)."""

    phase_id: str | None
    initiative_id: str | None
    parent_task_id: str | None
    name: Required[str]
    description: str | None
    type: TaskTypeValue | TaskType
    category: TaskCategoryValue | TaskCategory
    priority: TaskPriorityValue | TaskPriority
    status: TaskStatusValue | TaskStatus
    order: int
    summary: str | None
    retry_count: int


class TaskChanges(TypedDict, total=False):
    """The fields ``tasks.update`` may change."""

    phase_id: str | None
    initiative_id: str | None
    parent_task_id: str | None
    name: str
    description: str | None
    type: TaskTypeValue | TaskType
    category: TaskCategoryValue | TaskCategory
    priority: TaskPriorityValue | TaskPriority
    status: TaskStatusValue | TaskStatus
    order: int
    summary: str | None
    retry_count: int
