"""The initiative repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.enums import InitiativeStatus, InitiativeStatusValue
from cwdb.records.initiatives import Initiative, InitiativeChanges, InitiativeCreate


@runtime_checkable
class InitiativeRepository(Protocol):
    """Initiatives: CRUD plus lookup by status."""

    def create(self, **fields: Unpack[InitiativeCreate]) -> Initiative:
        """Store a new initiative and return it as stored.

        Required: ``name``.
        Optional (default): ``status`` ('active'), ``execution_mode``
        ('review_per_phase'), ``quality_review`` (False), ``branch`` (None).
        """
        ...

    def find_by_id(self, id: str) -> Initiative | None:
        """The initiative with this id, or None."""
        ...

    def find_all(self) -> list[Initiative]:
        """Every initiative, oldest first."""
        ...

    def update(self, id: str, /, **changes: Unpack[InitiativeChanges]) -> Initiative:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    def delete(self, id: str) -> None:
        """Delete it and what cascades; ``NotFoundError`` for an unknown id."""
        ...

    def find_by_status(self, status: InitiativeStatusValue | InitiativeStatus) -> list[Initiative]:
        """Initiatives in one status, oldest first (bad status: ValidationError)."""
        ...
