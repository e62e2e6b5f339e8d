"""What the asyncio twins of the repository adapters need: an :class:`AsyncRunner`.

The twins (``aio/repositories/``) are generated from the sync adapters
(``scripts/async_repositories.py``); they call the same methods as the sync
ones, awaited, with the same statements and parameters. Two runners
implement this protocol: ``psycopg/async_runner.py`` (native asyncio over a
psycopg pool) and ``aio/threaded.py`` (the sync APSW runner on threads that
the ``AsyncDatabase`` owns).

A block (:meth:`AsyncRunner.transaction`) belongs to the asyncio task that
opened it: that task's calls join it, other tasks' calls never do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Container, Iterable
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from cwdb.adapters.observe import Captured, Observer
from cwdb.adapters.runner import Bindings, Values
from cwdb.adapters.sessions import backoff, replays_spent
from cwdb.adapters.statements import Batch, Many, One, Queries, Row, Single, Write
from cwdb.errors import Error, SerializationError

__all__ = ["AsyncAdapter", "AsyncRunner", "Queries", "Values"]

R = TypeVar("R")


class AsyncRunner(Protocol):
    """Runs named statements for the calling task; ``Runner``'s methods, awaited."""

    closed: bool

    @property
    def observer(self) -> Observer:
        """What watches the statements run here (``observe.py``): logs, slow warnings, spans."""
        ...

    def capture(self) -> AbstractContextManager[list[Captured]]:
        """Collect the statements run here for the calling context (``db.capture()``)."""
        ...

    def check_open(self) -> None:
        """Raise ``cwdb.Error`` when the database is closed (for calls that skip SQL)."""
        ...

    async def one(self, st: One[R], params: Bindings) -> R | None:
        """The first row as a record (or its first column), or None."""
        ...

    async def all(self, st: Many[R], params: Bindings) -> list[R]:
        """Every row, as records (or as their first column)."""
        ...

    async def single(self, st: Single[R], params: Bindings) -> R:
        """The row a statement always returns (``INSERT ... RETURNING``, ``$``)."""
        ...

    async def rows(self, st: Many[Any], params: Bindings) -> list[Row]:
        """Every row as a plain tuple."""
        ...

    async def write(self, st: Write, params: Bindings) -> None:
        """Run one write statement (``!``) atomically."""
        ...

    async def write_count(self, st: Write, params: Bindings) -> int:
        """A write (``!``); the number of rows it changed itself."""
        ...

    async def write_batch(self, st: Batch, param_sets: Iterable[Bindings]) -> int:
        """A ``*!`` statement once per parameter set, in one transaction; rows changed."""
        ...

    def transaction(self, *, own_locks: bool = False) -> AbstractAsyncContextManager[None]:
        """All writes inside commit together or not at all; levels nest; owned by the task.

        ``own_locks``: the library's own multi-statement calls, which lock
        what they decide on themselves (READ COMMITTED on PostgreSQL).
        """
        ...

    async def replay(self, fn: Callable[[], Awaitable[R]], *, own_locks: bool = False) -> R:
        """``await fn()`` in a block, again while the database refuses it for a conflict."""
        ...

    def in_transaction(self) -> bool:
        """Whether the calling task is inside a block."""
        ...

    async def aclose(self) -> None:
        """Wait for calls in flight, then close every connection; idempotent."""
        ...


class AsyncAdapter:
    """What every async repository adapter holds: its runner and how to make stored values."""

    def __init__(self, runner: AsyncRunner, values: Values) -> None:
        self._run = runner
        self._values = values
        self._now = values.now
        self._store_time = values.storage.store_time


@asynccontextmanager
async def spanned(
    observer: Observer,
    blocks: Container[asyncio.Task[Any]],
    level: Callable[[asyncio.Task[Any]], AbstractAsyncContextManager[None]],
) -> AsyncIterator[None]:
    """``level(task)`` of the calling task's block; the outermost inside the block's span.

    ``blocks`` holds the tasks whose block is open. The span
    (``Observer.block``) is opened on the task that owns the block, so it is
    current there while the block is open: the parent of its statements'
    spans, and the child of whatever span the task was in. A block belongs
    to a task: outside one (a bare coroutine driven by hand) it is an error.
    """
    task = asyncio.current_task()
    if task is None:
        raise Error("transaction() of an AsyncDatabase needs a running asyncio task")
    if task in blocks:
        async with level(task):
            yield
        return
    with observer.block():
        async with level(task):
            yield


async def replay(
    runner: AsyncRunner,
    fn: Callable[[], Awaitable[R]],
    *,
    own_locks: bool = False,
    busy_timeout_ms: int,
) -> R:
    """``await fn()`` in a block of ``runner``, replayed on ``SerializationError``.

    The async twin of ``SessionRunner.replay``: a refused block is rolled
    back and ``fn`` awaited again after a short random pause until
    ``busy_timeout_ms`` is spent, then ``BusyError``. Inside an open block of
    the task it is a savepoint, run once.
    """
    if runner.in_transaction():
        async with runner.transaction(own_locks=own_locks):
            return await fn()
    deadline = time.monotonic() + busy_timeout_ms / 1000
    attempt = 0
    while True:
        attempt += 1
        try:
            async with runner.transaction(own_locks=own_locks):
                return await fn()
        except SerializationError as error:
            if time.monotonic() >= deadline:
                raise replays_spent(error, attempt, busy_timeout_ms) from error
        await asyncio.sleep(backoff(attempt, deadline))
