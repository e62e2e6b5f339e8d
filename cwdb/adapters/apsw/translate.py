"""The one boundary where apsw exceptions become cwdb errors.

SQLite's extended result code decides the class: a UNIQUE or PRIMARY KEY
violation is a :class:`~cwdb.ConflictError`, any other constraint (foreign
key, CHECK, NOT NULL, STRICT type) an :class:`~cwdb.IntegrityError`, BUSY and
LOCKED a :class:`~cwdb.BusyError`; everything else is a plain
:class:`~cwdb.Error`. The apsw exception stays chained as ``__cause__``.
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


def translate(error: BaseException, *, busy_timeout_ms: int, database: str | None = None) -> Error:
    """The cwdb error for a driver exception (to be raised ``from`` it).

    Messages name ``database`` (a path, or ``":memory:"``) when given, and
    never the driver's exception class.
    """
    message = str(error)
    if isinstance(error, UnicodeEncodeError):
        return ValidationError(f"text cannot be stored: it is not valid Unicode ({message})")
    if isinstance(error, apsw.ConstraintError):
        code = getattr(error, "extendedresult", None)
        if code in _CONFLICT_CODES:
            return ConflictError(message)
        return IntegrityError(message)
    if isinstance(error, (apsw.BusyError, apsw.LockedError)):
        return BusyError(
            f"database is locked: the write lock was not obtained within the "
            f"busy timeout of {busy_timeout_ms} ms ({message})"
        )
    if isinstance(error, (apsw.ConnectionClosedError, apsw.CursorClosedError)):
        return Error("the database is closed")
    return _naming_the_database(error, database)


def _naming_the_database(error: BaseException, database: str | None) -> Error:
    where = "the database" if database is None else f"database {database!r}"
    if isinstance(error, apsw.ReadOnlyError):
        return Error(f"cannot write to {where}: it is read-only ({error})")
    return Error(f"{where}: {error}")
