"""What the repository adapters need: a runner, and how to make the values they store.

The 14 adapters (``repositories/``) are written once, against the
:class:`Runner` protocol; a dialect is a runner plus a folder of SQL files
with the same query names (``sql/`` for SQLite, ``sql/postgresql/`` for
PostgreSQL). The shared runner is ``sessions.py``'s, over APSW
(``apsw/runner.py``) or psycopg (``psycopg/runner.py``).

Values cross the protocol in the dialect's storage forms (:class:`Values`):
text, integers, booleans, JSON as text, and timestamps as the dialect's
``Storage.store_time`` makes them (milliseconds since the epoch on SQLite, a
datetime cut to the millisecond on PostgreSQL). Rows come back with
timestamps as milliseconds and JSON as text on both, so one row mapper per
record serves both dialects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

import attrs

from cwdb._ids import new_id
from cwdb.adapters.statements import Batch, Many, One, Queries, Row, Single, Statement, Write
from cwdb.records._codec import Storage

__all__ = ["Adapter", "Bindings", "Params", "Queries", "Runner", "Statement", "Values"]

R = TypeVar("R")
Params = Mapping[str, object]
#: One parameter set of a batch: by name, or a tuple in ``query.params`` order.
Bindings = Params | tuple[object, ...]


@attrs.frozen
class Values:
    """How a database's adapters make what they store: no I/O, one per ``Database``."""

    #: The dialect's storage forms and integer range.
    storage: Storage
    #: The current time in the storage form (from the ``clock`` given to ``connect``).
    now: Callable[[], object]
    #: A new primary key.
    new_id: Callable[[], str] = new_id


class Runner(Protocol):
    """Runs named statements on the calling thread's connection.

    The suffix of a statement's name decides whether it writes; each write
    is atomic on its own, or part of the enclosing :meth:`transaction`.
    Driver errors come out as ``cwdb`` errors. A statement's parameters are
    a mapping by name, or a tuple in ``st.query.params`` order (a hot read's
    one id: SQLite binds it without a lookup by name).
    """

    def check_open(self) -> None:
        """Raise ``cwdb.Error`` when the database is closed (for calls that skip SQL)."""
        ...

    def one(self, st: One[R], params: Bindings) -> R | None:
        """The first row as a record (or its first column), or None."""
        ...

    def all(self, st: Many[R], params: Bindings) -> list[R]:
        """Every row, as records (or as their first column)."""
        ...

    def single(self, st: Single[R], params: Bindings) -> R:
        """The row a statement always returns (``INSERT ... RETURNING``, ``$``)."""
        ...

    def rows(self, st: Many[Any], params: Bindings) -> list[Row]:
        """Every row as a plain tuple."""
        ...

    def write(self, st: Write, params: Bindings) -> None:
        """Run one write statement (``!``) atomically."""
        ...

    def write_count(self, st: Write, params: Bindings) -> int:
        """A write (``!``); the number of rows it changed itself."""
        ...

    def write_batch(self, st: Batch, param_sets: Iterable[Bindings]) -> int:
        """A ``*!`` statement once per parameter set, in one transaction; rows changed."""
        ...

    def transaction(self, *, own_locks: bool = False) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all; levels nest.

        ``own_locks``: the block locks what it decides on itself (the
        library's own calls), so PostgreSQL runs it at READ COMMITTED.
        """
        ...

    def replay(self, fn: Callable[[], R], *, own_locks: bool = False) -> R:
        """``fn()`` in a block, run again while a concurrent block conflicts with it."""
        ...


class Adapter:
    """What every repository adapter holds: its runner and how to make stored values."""

    def __init__(self, runner: Runner, values: Values) -> None:
        self._run = runner
        self._values = values
        self._now = values.now
        self._store_time = values.storage.store_time
