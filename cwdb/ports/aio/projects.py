"""Generated from cwdb/ports/projects.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The project repository port."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, Unpack, runtime_checkable

from cwdb.records.projects import Project, ProjectChanges, ProjectCreate


@runtime_checkable
class AsyncProjectRepository(Protocol):
    """Projects: CRUD, lookups by name and URL, and their initiatives' links."""

    async def create(self, **fields: Unpack[ProjectCreate]) -> Project:
        """Store a new project (a taken name or url: ConflictError).

        Required: ``name``, ``url``.
        Optional (default): ``default_branch`` ('main'), ``last_fetched_at`` (None).
        """
        ...

    async def find_by_id(self, id: str) -> Project | None:
        """The project with this id, or None."""
        ...

    async def find_all(self) -> list[Project]:
        """Every project, oldest first."""
        ...

    async def update(self, id: str, /, **changes: Unpack[ProjectChanges]) -> Project:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it and its links; ``NotFoundError`` for an unknown id."""
        ...

    async def find_by_name(self, name: str) -> Project | None:
        """The project with this (unique) name, or None."""
        ...

    async def find_by_url(self, url: str) -> Project | None:
        """The project with this (unique) clone URL, or None."""
        ...

    async def set_initiative_projects(self, initiative_id: str, project_ids: Iterable[str]) -> None:
        """Make exactly ``project_ids`` the initiative's projects, atomically.

        Links not listed are removed, missing ones added (in the order
        given), and links that stay keep their row and creation time. An
        empty iterable removes every link. An unknown initiative or project
        is an ``IntegrityError`` and nothing changes.
        """
        ...

    async def find_projects_by_initiative_id(self, initiative_id: str) -> list[Project]:
        """The initiative's projects, in the order they were linked."""
        ...
