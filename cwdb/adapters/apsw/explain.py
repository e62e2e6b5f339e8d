"""Explaining a failed statement by the field that made it fail.

SQLite reports *that* a foreign key failed, a value was too big or a text
could not be encoded, not *which* parameter did it. These functions find
out, only after a failure (nothing here runs on the hot path), from the
statement's own parameters:

- a UNIQUE, PRIMARY KEY or CHECK failure: the values the statement gave the
  columns SQLite's message names (``agents.name: 'a' is already taken``);
- a FOREIGN KEY failure: the referenced ids are looked up again, on the same
  connection and inside the same transaction or savepoint (which still holds
  the write lock), so the answer is about the very state the write saw,
  also under concurrency;
- a value over SQLite's length limit: the largest text or blob parameter;
- text that is not valid Unicode (a lone surrogate): the parameter that
  cannot be encoded as UTF-8.

Each returns a cwdb error naming the field, or None when it cannot tell
(the caller then translates the driver's error as it is).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import apsw

from cwdb.adapters import constraints
from cwdb.adapters.apsw.translate import constraint_failure
from cwdb.adapters.sqlfiles import query_file
from cwdb.errors import Error, ValidationError
from cwdb.records._codec import lone_surrogate

#: The table a write statement changes: ``INSERT INTO t`` or ``UPDATE t``.
_TARGET: Final = re.compile(r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE)\s+\"?(\w+)", re.I)


def explain(
    error: BaseException, cursor: apsw.Cursor, sql: str, params: Mapping[str, object]
) -> Error | None:
    """The error naming the field behind ``error``, or None."""
    if isinstance(error, UnicodeEncodeError):
        return _bad_text(params)
    if isinstance(error, apsw.TooBigError):
        return _too_big(cursor.connection, params)
    if isinstance(error, apsw.ConstraintError):
        code = getattr(error, "extendedresult", None)
        if code == apsw.SQLITE_CONSTRAINT_FOREIGNKEY:
            return _missing_reference(cursor, sql, params)
        if code in _VALUED_CODES:
            return constraint_failure(error, params)
    return None


#: Failures whose message names the columns, so the parameters give their values.
_VALUED_CODES: Final = frozenset(
    {apsw.SQLITE_CONSTRAINT_UNIQUE, apsw.SQLITE_CONSTRAINT_PRIMARYKEY, apsw.SQLITE_CONSTRAINT_CHECK}
)


def _bad_text(params: Mapping[str, object]) -> Error | None:
    for field, value in params.items():
        found = lone_surrogate(field, value)
        if found is not None:
            return found
    return None


def _too_big(connection: apsw.Connection, params: Mapping[str, object]) -> Error | None:
    limit = connection.limit(apsw.SQLITE_LIMIT_LENGTH)
    sizes = {
        field: _stored_size(value)
        for field, value in params.items()
        # A str of n characters takes at most 4n bytes: smaller ones cannot be it.
        if isinstance(value, bytes) or (isinstance(value, str) and 4 * len(value) > limit)
    }
    field = max(sizes, key=sizes.__getitem__, default=None)
    if field is None or sizes[field] <= limit:
        return None
    return ValidationError(
        f"{field}: {sizes[field]:,} bytes is more than SQLite stores in one value "
        f"(its limit is {limit:,} bytes)"
    )


def _stored_size(value: str | bytes) -> int:
    """The bytes SQLite would store (UTF-8), without copying an ASCII str."""
    if isinstance(value, bytes) or value.isascii():
        return len(value)
    return len(value.encode("utf-8", "surrogatepass"))


def _missing_reference(cursor: apsw.Cursor, sql: str, params: Mapping[str, object]) -> Error | None:
    target = _TARGET.search(sql)
    if target is None:
        return None
    queries = query_file("_references")
    references = cursor.execute(queries["foreign_keys"].sql, {"table": target[1]}).fetchall()
    for column, parent in references:
        value = params.get(str(column))
        if value is None:
            continue
        found = cursor.execute(queries["row_exists"].sql, {"parent": parent, "id": value})
        if not found.fetchall()[0][0]:
            table, field = target[1], str(column)
            reference = constraints.reference_of(table, field)
            name = None if reference is None else reference.name
            return constraints.missing_reference(table, field, str(parent), value, name)
    return None
