"""Generated from cwdb/ports/initiatives.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The initiative repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.enums import InitiativeStatus, InitiativeStatusValue
from cwdb.records.initiatives import Initiative, InitiativeChanges, InitiativeCreate


@runtime_checkable
class AsyncInitiativeRepository(Protocol):
    """Initiatives: CRUD plus lookup by status."""

    async def create(self, **fields: Unpack[InitiativeCreate]) -> Initiative:
        """Store a new initiative and return it as stored.

        Required: ``name``.
        Optional (default): ``status`` ('active'), ``execution_mode``
        ('review_per_phase'), ``quality_review`` (False), ``branch`` (None).
        """
        ...

    async def find_by_id(self, id: str) -> Initiative | None:
        """The initiative with this id, or None."""
        ...

    async def find_all(self) -> list[Initiative]:
        """Every initiative, oldest first."""
        ...

    async def update(self, id: str, /, **changes: Unpack[InitiativeChanges]) -> Initiative:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it and what cascades; ``NotFoundError`` for an unknown id."""
        ...

    async def find_by_status(
        self, status: InitiativeStatusValue | InitiativeStatus
    ) -> list[Initiative]:
        """Initiatives in one status, oldest first (bad status: ValidationError)."""
        ...
