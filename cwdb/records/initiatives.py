"""The initiative record: the top of the plan (initiative → phases → tasks)."""

from datetime import datetime
from typing import Required, TypedDict

import attrs

from cwdb.enums import (
    InitiativeExecutionMode,
    InitiativeExecutionModeValue,
    InitiativeStatus,
    InitiativeStatusValue,
)
from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Initiative:
    """A unit of work the orchestrator plans and carries out.

    Attributes:
        id: nanoid made by the library.
        name: human-readable title; also the title of the root page.
        status: ``InitiativeStatus`` value.
        execution_mode: whether phases need review (``InitiativeExecutionMode``).
        quality_review: run a quality review before completion.
        branch: git branch the initiative's work lands on, if any.
        created_at: when the row was made (aware UTC, millisecond precision).
        updated_at: when a field last changed.
    """

    id: str = ident()
    name: str = column(Kind.TEXT)
    status: InitiativeStatusValue = column(Kind.ENUM, enum=InitiativeStatus, default="active")
    execution_mode: InitiativeExecutionModeValue = column(
        Kind.ENUM, enum=InitiativeExecutionMode, default="review_per_phase"
    )
    quality_review: bool = column(Kind.BOOL, default=False)
    branch: str | None = column(Kind.TEXT, null=True)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class InitiativeCreate(TypedDict, total=False):
    """The fields ``initiatives.create`` accepts (``name`` is required)."""

    name: Required[str]
    status: InitiativeStatusValue | InitiativeStatus
    execution_mode: InitiativeExecutionModeValue | InitiativeExecutionMode
    quality_review: bool
    branch: str | None


class InitiativeChanges(TypedDict, total=False):
    """The fields ``initiatives.update`` may change."""

    name: str
    status: InitiativeStatusValue | InitiativeStatus
    execution_mode: InitiativeExecutionModeValue | InitiativeExecutionMode
    quality_review: bool
    branch: str | None
