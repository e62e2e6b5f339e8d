"""The one boundary where psycopg exceptions become cwdb errors.

PostgreSQL's SQLSTATE decides the class, as SQLite's extended result code
does in ``cwdb.adapters.apsw.translate``: a UNIQUE violation is a
:class:`~cwdb.ConflictError`, a foreign key, CHECK or NOT NULL failure an
:class:`~cwdb.IntegrityError` (naming the constraint, whose names are the
same as on SQLite), a serialization failure, deadlock or lock timeout a
:class:`~cwdb.BusyError`, a lost connection a plain :class:`~cwdb.Error`.
Messages never carry a password: the server's text is used, never the
connection string, and ``context`` is built from a redacted URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

import psycopg
from psycopg import errors as pg

from cwdb.errors import BusyError, ConflictError, Error, IntegrityError, ValidationError

#: What running a statement can raise: psycopg's errors, and the refusal to
#: encode a str that is not valid Unicode (a lone surrogate) as UTF-8.
DRIVER_ERRORS: Final = (psycopg.Error, UnicodeEncodeError)

#: Failures a retry may cure: the library retries these within busy_timeout_ms.
RETRYABLE: Final = (pg.SerializationFailure, pg.DeadlockDetected)

_BUSY: Final = (pg.SerializationFailure, pg.DeadlockDetected, pg.LockNotAvailable, pg.QueryCanceled)


def translate(
    error: BaseException,
    *,
    context: str | None = None,
    busy_timeout_ms: int | None = None,
    failure: type[Error] | None = None,
) -> Error:
    """The cwdb error for a psycopg exception (to be raised ``from`` it)."""
    cls, detail = _classify(error, busy_timeout_ms)
    if failure is not None:
        cls = failure
    return cls(detail if context is None else f"{context}: {detail}")


def _classify(error: BaseException, busy_timeout_ms: int | None) -> tuple[type[Error], str]:
    message = _first_line(error)
    for driver_class, cls, describe in _RULES:
        if isinstance(error, driver_class):
            return cls, describe(error, message, busy_timeout_ms)
    return Error, f"{type(error).__name__}: {message}"


Describe = Callable[[Any, str, "int | None"], str]
DriverClasses = type[BaseException] | tuple[type[BaseException], ...]


def _not_null(error: Any, message: str, _: int | None) -> str:
    table = getattr(error.diag, "table_name", None) or "?"
    column = getattr(error.diag, "column_name", None) or "?"
    return f"NOT NULL constraint failed: {table}.{column}"


def _busy(error: Any, message: str, busy_timeout_ms: int | None) -> str:
    if isinstance(error, pg.QueryCanceled) and "lock timeout" not in message:
        # statement_timeout (a DBA's setting) or a cancel request: not cwdb's wait.
        return f"the server canceled the statement ({message})"
    waited = "" if busy_timeout_ms is None else f" within the busy timeout of {busy_timeout_ms} ms"
    return f"the database stayed busy{waited} ({message})"


#: (psycopg class, cwdb class, message), first match wins.
_RULES: Final[tuple[tuple[DriverClasses, type[Error], Describe], ...]] = (
    (pg.UniqueViolation, ConflictError, lambda e, m, _: _unique(e)),
    (pg.ForeignKeyViolation, IntegrityError,
     lambda e, m, _: f"FOREIGN KEY constraint failed: {_constraint(e)} ({m})"),
    (pg.CheckViolation, IntegrityError,
     lambda e, m, _: f"CHECK constraint failed: {_constraint(e)} ({m})"),
    (pg.NotNullViolation, IntegrityError, _not_null),
    (pg.IntegrityError, IntegrityError, lambda e, m, _: m),
    (pg.InvalidTextRepresentation, ValidationError, lambda e, m, _: m),
    (pg.NumericValueOutOfRange, ValidationError, lambda e, m, _: m),
    (UnicodeEncodeError, ValidationError,
     lambda e, m, _: f"text cannot be stored: it is not valid Unicode ({m})"),
    (_BUSY, BusyError, _busy),
    (psycopg.OperationalError, Error,
     lambda e, m, _: f"the connection to the database failed ({m})"),
)  # fmt: skip


def _unique(error: Any) -> str:
    """SQLite's wording, ``UNIQUE constraint failed: table.column``, then the constraint.

    The columns come from the server's detail (``Key (name)=(...) already
    exists.``); the value it shows is left out, as SQLite leaves it out.
    """
    table = getattr(error.diag, "table_name", None)
    key = _KEY.match(getattr(error.diag, "message_detail", None) or "")
    if table is None or key is None:
        return f"UNIQUE constraint failed: {_constraint(error)}"
    columns = ", ".join(f"{table}.{column.strip()}" for column in key[1].split(","))
    return f"UNIQUE constraint failed: {columns} ({_constraint(error)})"


#: ``Key (a, b)=(...)`` at the start of a UNIQUE violation's detail.
_KEY: Final = re.compile(r"^Key \(([^()]+)\)=\(")


#: SQLSTATEs of a server ending the session: admin_shutdown (pg_terminate_backend,
#: a fast or immediate shutdown), crash_shutdown, cannot_connect_now.
_SESSION_ENDED: Final = frozenset({"57P01", "57P02", "57P03"})


def session_ended(error: psycopg.Error) -> bool:
    """Whether ``error`` means the connection is gone: the server ended it or libpq lost it."""
    state = error.sqlstate
    if state is None:  # libpq's own failure: no answer from the server
        return isinstance(error, psycopg.OperationalError)
    return state in _SESSION_ENDED or state.startswith("08")


def _constraint(error: psycopg.Error) -> str:
    return getattr(error.diag, "constraint_name", None) or _first_line(error)


def _first_line(error: BaseException) -> str:
    """The server's message, without libpq's connection details on later lines."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
