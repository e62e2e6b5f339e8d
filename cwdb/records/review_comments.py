"""The review comment record: a remark on a line of a phase's diff."""

from __future__ import annotations

from datetime import datetime

import attrs

from cwdb.enums import ReviewCommentLineType, ReviewCommentLineTypeValue
from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class ReviewComment:
    """A review remark on one line of a phase's diff.

    Attributes:
        id: nanoid made by the library.
        phase_id: the reviewed phase (deleted with it).
        file_path: the file the line is in.
        line_number: the line's number in the diff.
        line_type: ``ReviewCommentLineType`` value.
        body: the remark.
        author: who wrote it (``"you"`` by default).
        resolved: whether the remark was dealt with.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    phase_id: str = column(Kind.TEXT)
    file_path: str = column(Kind.TEXT)
    line_number: int = column(Kind.INT)
    line_type: ReviewCommentLineTypeValue = column(Kind.ENUM, enum=ReviewCommentLineType)
    body: str = column(Kind.TEXT)
    author: str = column(Kind.TEXT, default="you")
    resolved: bool = column(Kind.BOOL, default=False)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()
