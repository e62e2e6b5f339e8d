"""Generated from cwdb/ports/errands.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The errand repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.enums import ErrandStatus, ErrandStatusValue
from cwdb.records.errands import Errand, ErrandChanges, ErrandCreate


@runtime_checkable
class AsyncErrandRepository(Protocol):
    """Errands: CRUD with the caller's ids; ``find_all`` filters."""

    async def create(self, **fields: Unpack[ErrandCreate]) -> Errand:
        """Store a new errand under the caller's ``id`` (taken: ConflictError).

        Required: ``id``, ``description``, ``branch``, ``project_id``.
        Optional (default): ``base_branch`` ('main'), ``agent_id`` (None), ``status``
        ('active').
        """
        ...

    async def find_by_id(self, id: str) -> Errand | None:
        """The errand with this id, or None."""
        ...

    async def find_all(
        self, project_id: str | None = None, status: ErrandStatusValue | ErrandStatus | None = None
    ) -> list[Errand]:
        """Errands oldest first, of one project and/or in one status when given.

        ``None`` means "no filter" (not "errands without a project"); a
        status outside ``ErrandStatus`` is a ``ValidationError``.
        """
        ...

    async def update(self, id: str, /, **changes: Unpack[ErrandChanges]) -> Errand:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it; ``NotFoundError`` for an unknown id."""
        ...
