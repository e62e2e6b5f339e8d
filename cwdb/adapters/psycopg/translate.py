"""The one boundary where psycopg exceptions become cwdb errors.

PostgreSQL's SQLSTATE decides the class, as SQLite's extended result code
does in ``cwdb.adapters.apsw.translate``: a UNIQUE violation is a
:class:`~cwdb.ConflictError`, a foreign key, CHECK or NOT NULL failure an
:class:`~cwdb.IntegrityError`, a serialization failure, deadlock or lock
timeout a :class:`~cwdb.BusyError`, a lost connection a plain
:class:`~cwdb.Error`.

The message and the attributes (``table``, ``fields``, ``constraint``) come
from the error's diagnostic fields (``diag.constraint_name``,
``diag.table_name``, ``diag.column_name``) and the shipped schema's
constraints (``cwdb.adapters.constraints``), never from the server's message
text, which follows its ``lc_messages``: a German server gives the same
errors as an English one, worded as on SQLite. The server's own text stays
in the chained ``__cause__``. Messages never carry a password: the
connection string is never shown, and ``context`` is built from a redacted
URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import psycopg
from psycopg import errors as pg

from cwdb.adapters import constraints
from cwdb.errors import BusyError, Error, IntegrityError, ValidationError

#: What running a statement can raise: psycopg's errors, and the refusal to
#: encode a str that is not valid Unicode (a lone surrogate) as UTF-8.
DRIVER_ERRORS: Final = (psycopg.Error, UnicodeEncodeError)

#: Failures a retry may cure: the library retries these within busy_timeout_ms.
RETRYABLE: Final = (pg.SerializationFailure, pg.DeadlockDetected)


def translate(
    error: BaseException,
    *,
    context: str | None = None,
    busy_timeout_ms: int | None = None,
    failure: type[Error] | None = None,
) -> Error:
    """The cwdb error for a psycopg exception (to be raised ``from`` it)."""
    found = _classify(error, busy_timeout_ms)
    if failure is None and context is None:
        return found
    cls = type(found) if failure is None else failure
    message = str(found) if context is None else f"{context}: {found}"
    made = cls(message)
    if failure is None:
        made.__dict__.update(found.__dict__)  # the attributes (table, fields, ...)
    return made


def _classify(error: BaseException, busy_timeout_ms: int | None) -> Error:
    for driver_class, describe in _RULES:
        if isinstance(error, driver_class):
            return describe(error, busy_timeout_ms)
    return Error(f"{type(error).__name__}: {_first_line(error)}")


Describe = Callable[[Any, "int | None"], Error]
DriverClasses = type[BaseException] | tuple[type[BaseException], ...]


def _unique(error: pg.UniqueViolation, _: int | None) -> Error:
    name, table = _diag(error, "constraint_name"), _diag(error, "table_name")
    constraint = constraints.named(name)
    if constraint is not None:
        return constraints.conflict(constraint.table, constraint.fields, constraint)
    return constraints.conflict(table or "?", None, None, name=name)


def _foreign_key(error: pg.ForeignKeyViolation, _: int | None) -> Error:
    name = _diag(error, "constraint_name")
    return constraints.unexplained_reference(
        _diag(error, "table_name"), constraints.named(name), name
    )


def _check(error: pg.CheckViolation, _: int | None) -> Error:
    name = _diag(error, "constraint_name")
    if name is None:
        # Raised by SQL (a migration's RAISE ... USING ERRCODE = 'check_violation'):
        # its text is the author's own, not the server's translation.
        return IntegrityError(_diag(error, "message_primary") or "CHECK constraint failed")
    return constraints.check_failed(name, _diag(error, "table_name"))


def _not_null(error: pg.NotNullViolation, _: int | None) -> Error:
    table = _diag(error, "table_name") or "?"
    return constraints.not_null(table, _diag(error, "column_name") or "?")


def _other_integrity(error: pg.IntegrityError, _: int | None) -> Error:
    name, table = _diag(error, "constraint_name"), _diag(error, "table_name")
    where = " ".join(filter(None, (name, table and f"on {table}")))
    return IntegrityError(
        f"integrity constraint failed (SQLSTATE {error.sqlstate}){': ' + where if where else ''}",
        table=table,
        constraint=name,
    )


#: What each busy SQLSTATE means, in words that do not depend on lc_messages.
_BUSY_WORDS: Final[dict[type[BaseException], str]] = {
    pg.SerializationFailure: "a serialization failure",
    pg.DeadlockDetected: "a deadlock",
    pg.LockNotAvailable: "a lock wait",
}


def _busy(error: psycopg.Error, busy_timeout_ms: int | None) -> Error:
    what = next(words for cls, words in _BUSY_WORDS.items() if isinstance(error, cls))
    waited = "" if busy_timeout_ms is None else f" within the busy timeout of {busy_timeout_ms} ms"
    return BusyError(f"the database stayed busy{waited} ({what}, SQLSTATE {error.sqlstate})")


def _canceled(error: pg.QueryCanceled, _: int | None) -> Error:
    # lock_timeout is 55P03 (LockNotAvailable); 57014 is statement_timeout (a
    # DBA's setting) or a cancel request: not cwdb's wait.
    return BusyError(
        "the server canceled the statement (a statement timeout or a cancel request, "
        f"SQLSTATE {error.sqlstate})"
    )


#: (psycopg class, message), first match wins.
_RULES: Final[tuple[tuple[DriverClasses, Describe], ...]] = (
    (pg.UniqueViolation, _unique),
    (pg.ForeignKeyViolation, _foreign_key),
    (pg.CheckViolation, _check),
    (pg.NotNullViolation, _not_null),
    (pg.IntegrityError, _other_integrity),
    (pg.InvalidTextRepresentation, lambda e, _: ValidationError(
        f"a value is not valid input for its column's type (SQLSTATE {e.sqlstate})")),
    (pg.NumericValueOutOfRange, lambda e, _: ValidationError(
        f"a number is outside the range of its column's type (SQLSTATE {e.sqlstate})")),
    (UnicodeEncodeError, lambda e, _: ValidationError(
        f"text cannot be stored: it is not valid Unicode ({e})")),
    ((pg.SerializationFailure, pg.DeadlockDetected, pg.LockNotAvailable), _busy),
    (pg.QueryCanceled, _canceled),
    (psycopg.OperationalError, lambda e, _: Error(
        f"the connection to the database failed ({_first_line(e)})")),
)  # fmt: skip


#: SQLSTATEs of a server ending the session: admin_shutdown (pg_terminate_backend,
#: a fast or immediate shutdown), crash_shutdown, cannot_connect_now.
_SESSION_ENDED: Final = frozenset({"57P01", "57P02", "57P03"})


def session_ended(error: psycopg.Error) -> bool:
    """Whether ``error`` means the connection is gone: the server ended it or libpq lost it."""
    state = error.sqlstate
    if state is None:  # libpq's own failure: no answer from the server
        return isinstance(error, psycopg.OperationalError)
    return state in _SESSION_ENDED or state.startswith("08")


def _diag(error: psycopg.Error, field: str) -> str | None:
    """One diagnostic field of the server's error (None for psycopg's own errors)."""
    value: str | None = getattr(error.diag, field, None)
    return value


def _first_line(error: BaseException) -> str:
    """The driver's message, without libpq's connection details on later lines.

    Only shown where no diagnostic field says more (a lost connection, an
    error of no class of its own); never read to decide anything.
    """
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
