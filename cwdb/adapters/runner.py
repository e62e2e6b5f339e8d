"""What the repository adapters need from a database driver: a runner.

The 14 adapters (``repositories/``) are written once, against this
protocol; a dialect is a runner plus a folder of SQL files with the same
query names (``sql/`` for SQLite, ``sql/postgresql/`` for PostgreSQL). The
APSW runner (``apsw/runner.py``) and the psycopg runner
(``psycopg/runner.py``) implement it.

Values cross the protocol in the library's storage forms: text, integers,
booleans, JSON as text, and timestamps as whatever ``store_time`` makes of
an aware datetime (milliseconds since the epoch on SQLite, a datetime cut to
the millisecond on PostgreSQL). Rows come back with timestamps as
milliseconds and JSON as text on both, so one row mapper per record serves
both dialects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, TypeVar

from cwdb.adapters.statements import Queries, Row, Statement

__all__ = ["Bindings", "Params", "Queries", "Runner", "Statement", "savepoint_level"]

R = TypeVar("R")
Params = Mapping[str, object]
#: One parameter set of a batch: by name, or a tuple in ``query.params`` order.
Bindings = Params | tuple[object, ...]


class Runner(Protocol):
    """Runs named statements on the calling thread's connection.

    The suffix of a statement's name decides whether it writes; each write
    is atomic on its own, or part of the enclosing :meth:`transaction`.
    Driver errors come out as ``cwdb`` errors.
    """

    def now(self) -> object:
        """The current time from the database's clock, in the storage form."""
        ...

    def new_id(self) -> str:
        """A new primary key."""
        ...

    def store_time(self, value: datetime, field: str) -> object:
        """An aware datetime argument in the storage form (``ValidationError`` if not one)."""
        ...

    def check_open(self) -> None:
        """Raise ``cwdb.Error`` when the database is closed (for calls that skip SQL)."""
        ...

    def one(self, st: Statement[R], params: Params) -> R | None:
        """The first row as a record (or its first column), or None."""
        ...

    def all(self, st: Statement[R], params: Params) -> list[R]:
        """Every row, as records (or as their first column)."""
        ...

    def single(self, st: Statement[R], params: Params) -> R:
        """The row a statement always returns (``INSERT ... RETURNING``, ``$``)."""
        ...

    def rows(self, st: Statement[Any], params: Params) -> list[Row]:
        """Every row as a plain tuple."""
        ...

    def write(self, st: Statement[Any], params: Params) -> None:
        """Run one write statement (``!``) atomically."""
        ...

    def write_count(self, st: Statement[Any], params: Params) -> int:
        """A write (``!``); the number of rows it changed itself."""
        ...

    def write_batch(self, st: Statement[Any], param_sets: Iterable[Bindings]) -> int:
        """A ``*!`` statement once per parameter set, in one transaction; rows changed."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all; levels nest."""
        ...


class _Session(Protocol):
    """What :func:`savepoint_level` needs of a runner's session."""

    depth: int


S = TypeVar("S", bound=_Session)


def savepoint_level(
    session: S, control: Callable[[S, str], None], undo: Callable[[S, str], None]
) -> Iterator[None]:
    """A nested ``transaction()`` level, the same on both drivers: one savepoint.

    ``control`` runs a statement, ``undo`` rolls back to a savepoint and
    releases it; an exception inside undoes this level only and propagates.
    """
    control(session, "SAVEPOINT cwdb_nested")
    session.depth += 1
    try:
        yield
    except BaseException:
        session.depth -= 1
        undo(session, "cwdb_nested")
        raise
    session.depth -= 1
    control(session, "RELEASE cwdb_nested")
