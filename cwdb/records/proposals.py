"""The proposal record: a change an agent proposes for the user to accept."""

from datetime import datetime
from typing import Any, Required, TypedDict

import attrs

from cwdb.enums import (
    ProposalStatus,
    ProposalStatusValue,
    ProposalTargetType,
    ProposalTargetTypeValue,
)
from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Proposal:
    """A change an agent proposes to a phase, task or page.

    Attributes:
        id: nanoid made by the library.
        agent_id: the proposing agent (deleted with it).
        initiative_id: the initiative it concerns (deleted with it).
        target_type: ``ProposalTargetType`` value.
        target_id: the id of the phase, task or page, once it exists.
        title: short title.
        summary: one-paragraph summary.
        content: the proposed content.
        metadata: free-form structured data (JSON value).
        status: ``ProposalStatus`` value.
        sort_order: position among the agent's proposals.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    agent_id: str = column(Kind.TEXT)
    initiative_id: str = column(Kind.TEXT)
    target_type: ProposalTargetTypeValue = column(Kind.ENUM, enum=ProposalTargetType)
    target_id: str | None = column(Kind.TEXT, null=True)
    title: str = column(Kind.TEXT)
    summary: str = column(Kind.TEXT)
    content: str = column(Kind.TEXT)
    metadata: Any = column(Kind.JSON, null=True)
    status: ProposalStatusValue = column(Kind.ENUM, enum=ProposalStatus, default="pending")
    sort_order: int = column(Kind.INT, default=0)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class ProposalCreate(TypedDict, total=False):
    """The fields ``proposals.create`` accepts.

    ``agent_id``, ``initiative_id``, ``target_type``, ``title``, ``summary``
    and ``content`` are required.
    """

    agent_id: Required[str]
    initiative_id: Required[str]
    target_type: Required[ProposalTargetTypeValue | ProposalTargetType]
    target_id: str | None
    title: Required[str]
    summary: Required[str]
    content: Required[str]
    metadata: Any
    status: ProposalStatusValue | ProposalStatus
    sort_order: int


class ProposalChanges(TypedDict, total=False):
    """The fields ``proposals.update`` and ``update_many_by_agent_id`` may change."""

    agent_id: str
    initiative_id: str
    target_type: ProposalTargetTypeValue | ProposalTargetType
    target_id: str | None
    title: str
    summary: str
    content: str
    metadata: Any
    status: ProposalStatusValue | ProposalStatus
    sort_order: int
