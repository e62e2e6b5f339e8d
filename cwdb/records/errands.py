"""The errand record: a small, self-contained job on a project's branch."""

from datetime import datetime
from typing import Required, TypedDict

import attrs

from cwdb.enums import ErrandStatus, ErrandStatusValue
from cwdb.records._columns import Kind, column, created_at, updated_at


@attrs.frozen(weakref_slot=False)
class Errand:
    """A small job outside the initiative plan; its id comes from the caller.

    Attributes:
        id: the caller's id (the only record whose id is not made here).
        description: what to do.
        branch: the git branch the errand works on.
        base_branch: the branch it starts from (``"main"`` by default).
        agent_id: the agent doing it, if any (set to None when deleted).
        project_id: the project it belongs to (deleted with it).
        status: ``ErrandStatus`` value.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = column(Kind.TEXT)
    description: str = column(Kind.TEXT)
    branch: str = column(Kind.TEXT)
    base_branch: str = column(Kind.TEXT, default="main")
    agent_id: str | None = column(Kind.TEXT, null=True)
    project_id: str = column(Kind.TEXT)
    status: ErrandStatusValue = column(Kind.ENUM, enum=ErrandStatus, default="active")
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class ErrandCreate(TypedDict, total=False):
    """The fields ``errands.create`` accepts.

    ``id`` (the caller's), ``description``, ``branch`` and ``project_id``
    are required.
    """

    id: Required[str]
    description: Required[str]
    branch: Required[str]
    base_branch: str
    agent_id: str | None
    project_id: Required[str]
    status: ErrandStatusValue | ErrandStatus


class ErrandChanges(TypedDict, total=False):
    """The fields ``errands.update`` may change (the id is fixed once made)."""

    description: str
    branch: str
    base_branch: str
    agent_id: str | None
    project_id: str
    status: ErrandStatusValue | ErrandStatus
