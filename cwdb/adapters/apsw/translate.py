"""The one boundary where apsw exceptions become cwdb errors.

Every place that catches an apsw exception (opening and closing a
connection, running a statement, migrating, the DBA commands) hands it to
:func:`translate`. SQLite's extended result code decides the class: a UNIQUE
or PRIMARY KEY violation is a :class:`~cwdb.ConflictError`, any other
constraint (foreign key, CHECK, NOT NULL, STRICT type) an
:class:`~cwdb.IntegrityError`, BUSY and LOCKED a :class:`~cwdb.BusyError`
(while opening a file as much as during a call); everything else is a plain
:class:`~cwdb.Error`, or the class the context asks for (a failed migration
is a :class:`~cwdb.MigrationError` whatever SQLite said). The apsw exception
stays chained as ``__cause__``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import apsw

from cwdb.adapters import constraints
from cwdb.errors import BusyError, Error, IntegrityError, ValidationError

#: What the driver can raise while binding or running a statement: apsw's
#: errors, and the codec's refusal of a str that is not valid Unicode (a lone
#: surrogate cannot be encoded as UTF-8).
DRIVER_ERRORS: Final = (apsw.Error, UnicodeEncodeError)

_CONFLICT_CODES: Final = frozenset(
    {apsw.SQLITE_CONSTRAINT_UNIQUE, apsw.SQLITE_CONSTRAINT_PRIMARYKEY}
)


def translate(
    error: BaseException,
    *,
    context: str | None = None,
    busy_timeout_ms: int | None = None,
    failure: type[Error] | None = None,
    database: str | None = None,
) -> Error:
    """The cwdb error for a driver exception (to be raised ``from`` it).

    ``context`` says what was being done (``"cannot open database 'cw.db'"``)
    and starts the message; ``busy_timeout_ms`` is the wait a BUSY outlasted;
    ``failure``, when given, is the class of every error in this context;
    ``database`` (a path, or ``":memory:"``) is named by messages without a
    context. Messages never name the driver's exception class.
    """
    found = _classify(error, busy_timeout_ms, database)
    if failure is not None:
        return failure(str(error) if context is None else f"{context}: {error}")
    if context is None:
        return found
    made = type(found)(f"{context}: {error if type(found) is Error else found}")
    made.__dict__.update(found.__dict__)  # the attributes (table, fields, ...)
    return made


def _classify(error: BaseException, busy_timeout_ms: int | None, database: str | None) -> Error:
    message = str(error)
    if isinstance(error, UnicodeEncodeError):
        return ValidationError(f"text cannot be stored: it is not valid Unicode ({message})")
    if isinstance(error, apsw.ConstraintError):
        return constraint_failure(error)
    if isinstance(error, (apsw.BusyError, apsw.LockedError)):
        waited = (
            "" if busy_timeout_ms is None else f" within the busy timeout of {busy_timeout_ms} ms"
        )
        return BusyError(f"database is locked: the write lock was not obtained{waited} ({message})")
    return Error(_plain_message(error, database))


def constraint_failure(
    error: apsw.ConstraintError, params: Mapping[str, object] | None = None
) -> IntegrityError:
    """The error of a refused write, worded and attributed as on PostgreSQL.

    SQLite's extended result code gives the kind; its message (always English,
    the same in every SQLite) names the table and columns of a UNIQUE, NOT
    NULL or STRICT failure and the name of a CHECK; the shipped schema's
    constraints (``cwdb.adapters.constraints``) give the names PostgreSQL
    uses. ``params``, the failed statement's own, give the value.
    """
    code = getattr(error, "extendedresult", None)
    message = str(error)
    if code in _CONFLICT_CODES:
        table, fields, constraint = unique_target(message)
        return constraints.conflict(table, fields, constraint, params)
    if code == apsw.SQLITE_CONSTRAINT_CHECK:
        name = message.removeprefix("CHECK constraint failed: ")
        return constraints.check_failed(name, None, params)
    if code == apsw.SQLITE_CONSTRAINT_NOTNULL:
        found = _COLUMNS.fullmatch(message.removeprefix("NOT NULL constraint failed: "))
        if found is not None:
            return constraints.not_null(found["table"], found["column"])
    if code == apsw.SQLITE_CONSTRAINT_FOREIGNKEY:
        return constraints.unexplained_reference(None, None, None)
    return IntegrityError(message)


def unique_target(
    message: str,
) -> tuple[str, tuple[str, ...] | None, constraints.Constraint | None]:
    """The table, key columns and constraint of SQLite's UNIQUE failure message.

    ``UNIQUE constraint failed: t.a, t.b`` names the columns;
    ``UNIQUE constraint failed: index 'i'`` (an index on expressions) the index.
    """
    target = message.removeprefix("UNIQUE constraint failed: ")
    index = _INDEX.fullmatch(target)
    if index is not None:
        constraint = constraints.named(index["name"])
        if constraint is None:
            return "?", None, None
        return constraint.table, constraint.fields, constraint
    columns = [_COLUMNS.fullmatch(item) for item in target.split(", ")]
    if not columns or any(c is None for c in columns):
        return "?", None, None
    table = columns[0]["table"]  # type: ignore[index]
    fields = tuple(c["column"] for c in columns)  # type: ignore[index]
    return table, fields, constraints.key_on(table, fields)


#: ``table.column`` in SQLite's constraint messages.
_COLUMNS: Final = re.compile(r"(?P<table>\w+)\.(?P<column>\w+)")
#: ``index 'name'`` in a UNIQUE failure on an index of expressions.
_INDEX: Final = re.compile(r"index '(?P<name>[^']+)'")


def _plain_message(error: BaseException, database: str | None) -> str:
    """An error with no class of its own: it names the database, never apsw's class."""
    if isinstance(error, (apsw.ConnectionClosedError, apsw.CursorClosedError)):
        return "the database is closed"
    where = "the database" if database is None else f"database {database!r}"
    if isinstance(error, apsw.ReadOnlyError):
        return f"cannot write to {where}: it is read-only ({error})"
    return f"{where}: {error}"
