"""Generated from cwdb/ports/review_comments.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The review comment repository port."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cwdb.enums import ReviewCommentLineType, ReviewCommentLineTypeValue
from cwdb.records.review_comments import ReviewComment


@runtime_checkable
class AsyncReviewCommentRepository(Protocol):
    """Review comments on a phase's diff: create, list, resolve, delete.

    Not a CRUD repository: these are its only methods.
    """

    async def create(
        self,
        phase_id: str,
        file_path: str,
        line_number: int,
        line_type: ReviewCommentLineTypeValue | ReviewCommentLineType,
        body: str,
        author: str = "you",
    ) -> ReviewComment:
        """Store a new, unresolved comment and return it as stored.

        A ``line_type`` outside ``ReviewCommentLineType`` (or a value of the
        wrong type) is a ``ValidationError``; an unknown phase an
        ``IntegrityError``.
        """
        ...

    async def find_by_phase_id(self, phase_id: str) -> list[ReviewComment]:
        """The comments on a phase, oldest first."""
        ...

    async def resolve(self, id: str) -> ReviewComment:
        """Mark the comment resolved; ``NotFoundError`` for an unknown id."""
        ...

    async def unresolve(self, id: str) -> ReviewComment:
        """Mark the comment unresolved; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete the comment; ``NotFoundError`` for an unknown id."""
        ...
