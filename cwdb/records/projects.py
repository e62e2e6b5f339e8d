"""The project record: a git repository initiatives work on."""

from datetime import datetime
from typing import Required, TypedDict

import attrs

from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Project:
    """A git repository; linked to initiatives through ``initiative_projects``.

    Attributes:
        id: nanoid made by the library.
        name: unique short name.
        url: unique clone URL.
        default_branch: the branch work starts from (``"main"`` by default).
        last_fetched_at: when the repository was last fetched.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    name: str = column(Kind.TEXT)
    url: str = column(Kind.TEXT)
    default_branch: str = column(Kind.TEXT, default="main")
    last_fetched_at: datetime | None = column(Kind.TIME, null=True)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class ProjectCreate(TypedDict, total=False):
    """The fields ``projects.create`` accepts (``name`` and ``url`` are required)."""

    name: Required[str]
    url: Required[str]
    default_branch: str
    last_fetched_at: datetime | None


class ProjectChanges(TypedDict, total=False):
    """The fields ``projects.update`` may change."""

    name: str
    url: str
    default_branch: str
    last_fetched_at: datetime | None
