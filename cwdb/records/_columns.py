"""How a record field maps to its column: kind, nullability, default, enum.

Each record field is declared with :func:`column`; the adapters read these
declarations once per record class to validate and encode writes and to build
the row mapper for reads. Keeping the description on the record makes the
record the one place that says what a column holds.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import attrs

#: Marks a column without a default: ``create`` must be given a value.
REQUIRED: Final = object()


class Kind(enum.Enum):
    """How a Python value is stored: the column kinds of every dialect (SQLite named here)."""

    TEXT = "text"  # str, stored as TEXT unchanged
    INT = "int"  # int (not bool), stored as INTEGER
    BOOL = "bool"  # bool, stored as INTEGER 0/1
    TIME = "time"  # aware datetime, stored as INTEGER unix milliseconds
    JSON = "json"  # JSON-native value, stored as JSON TEXT
    ENUM = "enum"  # one of a StrEnum's values, stored as TEXT


@attrs.frozen
class Column:
    """One column of a table, in record (and ``SELECT``) order.

    A field's declaration stores it without its name (``name`` is ``""``);
    :func:`columns_of` gives each the name of its field.
    """

    name: str
    kind: Kind
    nullable: bool
    default: object
    enum: type[enum.StrEnum] | None
    #: Set by the library only (id, created_at, updated_at): never by callers.
    managed: bool


_KEY: Final = "cwdb.column"


def column(
    kind: Kind,
    *,
    null: bool = False,
    default: object = REQUIRED,
    enum: type[enum.StrEnum] | None = None,
    managed: bool = False,
    secret: bool = False,
) -> Any:
    """Declare a record field and the column behind it.

    A nullable column without an explicit default defaults to ``None``.
    ``secret`` keeps the value out of ``repr()`` (credentials); see
    :func:`_repr_of` for how the others are shown.
    """
    if null and default is REQUIRED:
        default = None
    declared = Column("", kind, null, default, enum, managed)
    return attrs.field(repr=False if secret else _repr_of(kind), metadata={_KEY: declared})


#: Text (and JSON) longer than this many characters is cut short in a repr.
REPR_LIMIT: Final = 60


def _repr_of(kind: Kind) -> bool | Callable[[Any], str]:
    """How a record's repr shows a field of ``kind``, so one record fits a log line.

    Timestamps as ISO 8601 (``2026-05-01T09:30:00.000+00:00``), text and
    JSON values longer than :data:`REPR_LIMIT` cut short with their full
    length shown (``'first 60 characters'... (12,345 chars)``); the rest
    as ``repr`` shows them.
    """
    if kind is Kind.TIME:
        return _repr_time
    if kind in (Kind.TEXT, Kind.JSON):
        return _repr_short
    return True


def _repr_time(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    return repr(value)


def _repr_short(value: object) -> str:
    if isinstance(value, str):
        if len(value) <= REPR_LIMIT:
            return repr(value)
        return f"{value[:REPR_LIMIT]!r}... ({len(value):,} chars)"
    shown = repr(value)
    if len(shown) <= REPR_LIMIT:
        return shown
    return f"{shown[:REPR_LIMIT]}... ({len(shown):,} chars)"


@functools.cache
def columns_of(record: type) -> tuple[Column, ...]:
    """The columns of a record class, in field order (computed once per class)."""
    return tuple(
        attrs.evolve(field.metadata[_KEY], name=field.name) for field in attrs.fields(record)
    )


def has_columns(record: type) -> bool:
    """Whether ``record`` is one of cwdb's records: an attrs class declaring its columns."""
    return attrs.has(record) and all(_KEY in field.metadata for field in attrs.fields(record))


def ident() -> Any:
    """The ``id`` column: a nanoid made by the library."""
    return column(Kind.TEXT, managed=True)


def created_at() -> Any:
    """``created_at``: set once by the library, from its clock."""
    return column(Kind.TIME, managed=True)


def updated_at() -> Any:
    """``updated_at``: moved forward by the library on every update."""
    return column(Kind.TIME, managed=True)
