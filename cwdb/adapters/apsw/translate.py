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

from typing import Final

import apsw

from cwdb.errors import BusyError, ConflictError, Error, IntegrityError, ValidationError

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
    cls, detail = _classify(error, busy_timeout_ms, database)
    if failure is not None:
        cls, detail = failure, str(error)
    if context is None:
        return cls(detail)
    if cls is Error:
        detail = str(error)
    return cls(f"{context}: {detail}")


def _classify(
    error: BaseException, busy_timeout_ms: int | None, database: str | None
) -> tuple[type[Error], str]:
    message = str(error)
    if isinstance(error, UnicodeEncodeError):
        return ValidationError, f"text cannot be stored: it is not valid Unicode ({message})"
    if isinstance(error, apsw.ConstraintError):
        if getattr(error, "extendedresult", None) in _CONFLICT_CODES:
            return ConflictError, message
        return IntegrityError, message
    if isinstance(error, (apsw.BusyError, apsw.LockedError)):
        waited = (
            "" if busy_timeout_ms is None else f" within the busy timeout of {busy_timeout_ms} ms"
        )
        return BusyError, (
            f"database is locked: the write lock was not obtained{waited} ({message})"
        )
    return Error, _plain_message(error, database)


def _plain_message(error: BaseException, database: str | None) -> str:
    """An error with no class of its own: it names the database, never apsw's class."""
    if isinstance(error, (apsw.ConnectionClosedError, apsw.CursorClosedError)):
        return "the database is closed"
    where = "the database" if database is None else f"database {database!r}"
    if isinstance(error, apsw.ReadOnlyError):
        return f"cannot write to {where}: it is read-only ({error})"
    return f"{where}: {error}"
