"""How a record field maps to its column: kind, nullability, default, enum.

Each record field is declared with :func:`column`; the adapters read these
declarations once per record class to validate and encode writes and to build
the row mapper for reads. Keeping the description on the record makes the
record the one place that says what a column holds.
"""

from __future__ import annotations

import enum
import functools
from typing import Any, Final

import attrs

#: Marks a column without a default: ``create`` must be given a value.
REQUIRED: Final = object()


class Kind(enum.Enum):
    """How a Python value is stored in SQLite."""

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
    ``secret`` keeps the value out of ``repr()`` (credentials).
    """
    if null and default is REQUIRED:
        default = None
    declared = Column("", kind, null, default, enum, managed)
    return attrs.field(repr=not secret, metadata={_KEY: declared})


@functools.cache
def columns_of(record: type) -> tuple[Column, ...]:
    """The columns of a record class, in field order (computed once per class)."""
    return tuple(
        attrs.evolve(field.metadata[_KEY], name=field.name) for field in attrs.fields(record)
    )


def ident() -> Any:
    """The ``id`` column: a nanoid made by the library."""
    return column(Kind.TEXT, managed=True)


def created_at() -> Any:
    """``created_at``: set once by the library, from its clock."""
    return column(Kind.TIME, managed=True)


def updated_at() -> Any:
    """``updated_at``: moved forward by the library on every update."""
    return column(Kind.TIME, managed=True)
