"""The phase record: a stage of an initiative, holding tasks."""

from datetime import datetime
from typing import Required, TypedDict

import attrs

from cwdb.enums import PhaseStatus, PhaseStatusValue
from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Phase:
    """A stage of an initiative; phases may depend on other phases.

    Attributes:
        id: nanoid made by the library.
        initiative_id: the initiative it belongs to (deleted with it).
        name: short title.
        content: the phase's plan document, stored byte-for-byte.
        status: ``PhaseStatus`` value.
        merge_base: git commit the phase's work branches from, if known.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    initiative_id: str = column(Kind.TEXT)
    name: str = column(Kind.TEXT)
    content: str | None = column(Kind.TEXT, null=True)
    status: PhaseStatusValue = column(Kind.ENUM, enum=PhaseStatus, default="pending")
    merge_base: str | None = column(Kind.TEXT, null=True)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class PhaseCreate(TypedDict, total=False):
    """The fields ``phases.create`` accepts (``initiative_id`` and ``name`` are required)."""

    initiative_id: Required[str]
    name: Required[str]
    content: str | None
    status: PhaseStatusValue | PhaseStatus
    merge_base: str | None


class PhaseChanges(TypedDict, total=False):
    """The fields ``phases.update`` may change."""

    initiative_id: str
    name: str
    content: str | None
    status: PhaseStatusValue | PhaseStatus
    merge_base: str | None
