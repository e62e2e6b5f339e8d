"""Running named statements on PostgreSQL from asyncio: psycopg's async connections, pooled.

The asyncio twin of ``runner.py``, with the same SQL, binary loaders and
error translation (``translate``/``explain``), and no thread per call:

* a call outside a block takes a connection from the pool
  (``psycopg_pool.AsyncConnectionPool``) for its length, runs its statement
  in autocommit (a transaction of its own) and gives it back; a
  serialization failure or deadlock runs it again until ``busy_timeout_ms``
  has passed, then is a ``BusyError``;
* a block holds one connection for its length: ``BEGIN``, the writers'
  advisory lock (``sql/postgresql/_transactions.sql``), the block,
  ``COMMIT``; each write inside is a savepoint, so a failed call undoes only
  itself; nested blocks are savepoints;
* a block belongs to the asyncio task that opened it (a dict keyed by the
  task, not a context variable, which child tasks would inherit): that
  task's calls join it, other tasks' calls take their own connection;
* connections are lent by ``async_pool.Lender``: no free one within
  ``busy_timeout_ms`` is a ``BusyError`` naming the pool size, never a
  hang, and one the server closed while idle is replaced before use.

Cancellation: psycopg cancels a statement in flight on the server when the
awaiting task is cancelled, so a lone statement has committed whole or not
at all. A block that ends by any exception, a cancellation included, is
rolled back in a shielded task that then returns its connection; a
connection whose state is unknown (a statement still active, a lost
connection) is closed instead, which the server rolls back.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
from time import perf_counter
from typing import Any, Final, TypeVar

import psycopg
from psycopg.pq import ExecStatus
from psycopg_pool import AsyncConnectionPool

from cwdb.adapters.aio.runner import replay, spanned
from cwdb.adapters.observe import (
    DEBUG,
    MODULES,
    OTEL_TRACE,
    Captured,
    Observer,
    debug_answer,
    listening,
)
from cwdb.adapters.psycopg.async_pool import Lender, PooledConnection
from cwdb.adapters.psycopg.explain import explain
from cwdb.adapters.psycopg.translate import DRIVER_ERRORS, RETRYABLE, session_ended, translate
from cwdb.adapters.runner import Bindings, Params
from cwdb.adapters.sessions import backoff
from cwdb.adapters.statements import Batch, Many, One, Row, Single, Statement, Write
from cwdb.errors import BusyError, Error, SerializationError

__all__ = ["AsyncConnection", "AsyncPsycopgRunner"]

R = TypeVar("R")
AsyncConnection = PooledConnection

_CALL: Final = "cwdb_call"
_NESTED: Final = "cwdb_nested"
_TUPLES_OK: Final = ExecStatus.TUPLES_OK
#: The sync runner's beginnings (``psycopg/runner.py``): a block, and the library's own calls.
_BEGIN_BLOCK: Final = "BEGIN ISOLATION LEVEL SERIALIZABLE"
_BEGIN_LOCKING: Final = "BEGIN"


class _Block:
    """A task's open block: its connection, depth, and whether the connection was lost."""

    __slots__ = ("broken", "connection", "depth")

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.depth = 1
        self.broken = False


class AsyncPsycopgRunner:
    """An ``AsyncRunner`` over a psycopg ``AsyncConnectionPool`` (see the module doc)."""

    def __init__(
        self,
        pool: AsyncConnectionPool[AsyncConnection],
        *,
        busy_timeout_ms: int,
        database: str,
    ) -> None:
        self.pool = pool
        self.busy_timeout_ms = busy_timeout_ms
        self.database = database
        self._blocks: dict[asyncio.Task[Any], _Block] = {}
        self.lender = Lender(
            pool, busy_timeout_ms=busy_timeout_ms, database=database, rollback=self._rollback
        )
        self._acquire = self.lender.acquire
        self._release = self.lender.release
        self._finish = self.lender.finish
        # lock_timeout=0 would mean "wait forever": a busy timeout of 0 waits 1 ms.
        self._set_lock_timeout = f"SET LOCAL lock_timeout = {max(1, busy_timeout_ms)}"
        self._guard: asyncio.Task[None] | None = None
        self.closed = False
        #: What watches the statements run here (``observe.py``), as on the sync runner.
        self.observer = Observer()

    def check_open(self) -> None:
        """Raise ``cwdb.Error`` when the database is closed."""
        if self.closed:
            raise Error("the database is closed")

    async def _rollback(self, connection: AsyncConnection) -> None:
        """How the lender rolls back a connection given back mid-transaction (observed)."""
        await self._command(connection, "ROLLBACK")

    # -- running statements ----------------------------------------------------------

    async def one(self, st: One[R], params: Bindings) -> R | None:
        rows = (await self._run(st, params))[0]
        if not rows:
            return None
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    async def all(self, st: Many[R], params: Bindings) -> list[R]:
        rows = (await self._run(st, params))[0]
        map_rows = st.map_rows
        if map_rows is not None:
            return map_rows(rows)
        return [row[0] for row in rows]

    async def single(self, st: Single[R], params: Bindings) -> R:
        rows = (await self._run(st, params))[0]
        if not rows:
            raise Error(f"{st.query.qualified_name} returned no row")
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    async def rows(self, st: Many[Any], params: Bindings) -> list[Row]:
        return (await self._run(st, params))[0]

    async def write(self, st: Write, params: Bindings) -> None:
        await self._run(st, params)

    async def write_count(self, st: Write, params: Bindings) -> int:
        return (await self._run(st, params))[1]

    async def _run(self, st: Statement[Any], bindings: Bindings) -> tuple[list[Row], int]:
        # The file's %(name)s placeholders bind by name; an adapter may pass
        # a tuple in the query's parameter order (``find_by_id``'s ``(id,)``).
        params = (
            dict(zip(st.query.params, bindings, strict=True))
            if isinstance(bindings, tuple)
            else bindings
        )
        task = asyncio.current_task()
        block = self._blocks.get(task) if task is not None else None
        if block is not None:
            return await self._in_block(block, st, params)
        connection = await self._acquire()
        try:
            result = await self._alone(connection, st, params)
        except BaseException:
            await self._finish(connection)
            raise
        self._release(connection)
        return result

    async def _alone(
        self, connection: AsyncConnection, st: Statement[Any], params: Params
    ) -> tuple[list[Row], int]:
        """A statement in autocommit, run again after a lost race until the busy timeout."""
        deadline = 0.0
        attempt = 0
        while True:
            try:
                return await self._statement(connection, st, params)
            except RETRYABLE as error:
                now = time.monotonic()
                deadline = deadline or now + self.busy_timeout_ms / 1000
                if now >= deadline:
                    raise self._error(error, connection, None) from error
                attempt += 1
                await _pause(attempt, deadline)
            except DRIVER_ERRORS as error:
                raise self._error(error, connection, None, st, (params,)) from error

    async def _in_block(
        self, block: _Block, st: Statement[Any], params: Params
    ) -> tuple[list[Row], int]:
        """Inside a block: a failed write undoes only itself (a savepoint)."""
        self._check_block(block)
        connection = block.connection
        if not st.writes:
            try:
                return await self._statement(connection, st, params)
            except DRIVER_ERRORS as error:
                raise self._error(error, connection, block, st, (params,)) from error
        await self._control(block, f"SAVEPOINT {_CALL}")
        try:
            result = await self._statement(connection, st, params)
            await self._command(connection, f"RELEASE {_CALL}")
        except DRIVER_ERRORS as error:
            failure = self._error(error, connection, block, st, (params,))
            await self._undo_savepoint(block, _CALL)
            raise failure from error
        return result

    async def write_batch(self, st: Batch, param_sets: Iterable[Bindings]) -> int:
        """A ``*!`` statement once per parameter set, in one transaction; the rows changed."""
        names = st.query.params
        batch = [
            dict(zip(names, bindings, strict=True)) if isinstance(bindings, tuple) else bindings
            for bindings in param_sets
        ]
        async with self.transaction():
            block = self._blocks[asyncio.current_task()]  # type: ignore[index]
            self._check_block(block)
            try:
                return await self._batch(block.connection, st, batch)
            except DRIVER_ERRORS as error:
                raise self._error(error, block.connection, block, st, batch) from error

    # -- blocks ------------------------------------------------------------------------

    def in_transaction(self) -> bool:
        task = asyncio.current_task()
        return task is not None and task in self._blocks

    async def replay(self, fn: Callable[[], Awaitable[R]], *, own_locks: bool = False) -> R:
        return await replay(self, fn, own_locks=own_locks, busy_timeout_ms=self.busy_timeout_ms)

    def transaction(self, *, own_locks: bool = False) -> AbstractAsyncContextManager[None]:
        """A block on one pooled connection, owned by the calling task (see the module doc).

        As on the sync runner: SERIALIZABLE (a conflicting block fails whole
        with ``SerializationError``), or READ COMMITTED for the library's own
        calls that lock what they decide on (``own_locks``); ``lock_timeout``
        set with ``SET LOCAL``. The outermost level is the parent span of its
        statements (``Observer.block``), current in the task while it is open.
        """
        level = functools.partial(self._transaction, own_locks=own_locks)
        return spanned(self.observer, self._blocks, level)

    @asynccontextmanager
    async def _transaction(
        self, task: asyncio.Task[Any], *, own_locks: bool
    ) -> AsyncIterator[None]:
        block = self._blocks.get(task)
        if block is not None:
            async with self._nested(block):
                yield
            return
        connection = await self._acquire()
        block = _Block(connection)
        try:
            await self._control(block, _BEGIN_LOCKING if own_locks else _BEGIN_BLOCK)
            await self._control(block, self._set_lock_timeout)
        except BaseException:
            await self._finish(connection)
            raise
        self._blocks[task] = block
        try:
            yield
        except BaseException:
            del self._blocks[task]
            await self._finish(connection)
            raise
        del self._blocks[task]
        try:
            self._check_block(block)
            await self._command(connection, "COMMIT")
        except BaseException as error:
            await self._finish(connection)
            if isinstance(error, DRIVER_ERRORS):
                raise self._error(error, connection, block) from error
            raise
        self._release(connection)

    @asynccontextmanager
    async def _nested(self, block: _Block) -> AsyncIterator[None]:
        await self._control(block, f"SAVEPOINT {_NESTED}")
        block.depth += 1
        try:
            yield
        except BaseException as error:
            block.depth -= 1
            if not isinstance(error, asyncio.CancelledError):
                await self._undo_savepoint(block, _NESTED)
            raise
        block.depth -= 1
        await self._control(block, f"RELEASE {_NESTED}")

    def _check_block(self, block: _Block) -> None:
        if block.connection.closed:
            block.broken = True
        if block.broken:
            raise Error(
                f"the connection to {self.database!r} was lost inside transaction(): "
                "the transaction was rolled back"
            )

    async def _control(self, block: _Block, sql: str) -> None:
        self._check_block(block)
        try:
            await self._command(block.connection, sql)
        except DRIVER_ERRORS as error:
            raise self._error(error, block.connection, block) from error

    async def _undo_savepoint(self, block: _Block, name: str) -> None:
        with contextlib.suppress(*DRIVER_ERRORS):
            await self._command(block.connection, f"ROLLBACK TO {name}")
            await self._command(block.connection, f"RELEASE {name}")

    def _error(
        self,
        error: BaseException,
        connection: AsyncConnection,
        block: _Block | None,
        st: Statement[Any] | None = None,
        param_sets: Iterable[Params] = (),
    ) -> Error:
        """As ``PsycopgRunner._error``: the cwdb error, a lost connection said as such."""
        lost = connection.closed or (isinstance(error, psycopg.Error) and session_ended(error))
        if lost and block is not None:
            block.broken = True
        failure = explain(error, param_sets) or translate(
            error, busy_timeout_ms=self.busy_timeout_ms
        )
        if block is not None and isinstance(error, RETRYABLE):
            # Inside a block the server's refusal ends the whole block: the caller replays it.
            return SerializationError(
                f"{self.database!r}: a concurrent transaction conflicts with this "
                f"transaction() block ({str(error).strip().splitlines()[0]}); nothing of it "
                "was written: run it again, or use run_transaction"
            )
        if isinstance(failure, BusyError) or not lost:
            return failure
        return Error(f"the connection to {self.database!r} was lost: {failure}")

    # -- what the observer sees (observe.py; each a call of _execute, watched) ----------

    def capture(self) -> AbstractContextManager[list[Captured]]:
        """The statements run here in the calling context (``AsyncDatabase.capture``)."""
        return self.observer.capture(self)

    async def _statement(
        self, connection: AsyncConnection, st: Statement[Any], params: Params
    ) -> tuple[list[Row], int]:
        """``_execute`` a named statement; what listens is told, as ``SessionRunner._statement``.

        When nothing listens this is ``_execute`` between two clock reads
        (none with ``slow_query_ms=None``).
        """
        observer = self.observer
        if observer.quiet and (
            (debug_answer(DEBUG) is False and OTEL_TRACE not in MODULES) or not listening()
        ):
            slow_s = observer.slow_s
            if slow_s is None:
                return await _execute(connection, st.sql, params)
            start = perf_counter()
            result = await _execute(connection, st.sql, params)
            elapsed = perf_counter() - start
            if elapsed >= slow_s:
                observer.slow(
                    st.query.qualified_name, round(elapsed * 1e9), _rows(st, result), None
                )
            return result

        async def run() -> tuple[tuple[list[Row], int], int]:
            result = await _execute(connection, st.sql, params)
            return result, _rows(st, result)

        observed: tuple[list[Row], int] = await observer.arun(
            self, st.query.qualified_name, st.query, run
        )
        return observed

    async def _batch(
        self, connection: AsyncConnection, st: Statement[Any], batch: list[Params]
    ) -> int:
        """A ``*!`` statement once per parameter set, observed as one statement; rows changed."""

        async def run() -> tuple[int, int]:
            cursor = connection.statements
            await cursor.executemany(st.sql, batch)
            changed = max(cursor.rowcount, 0)
            return changed, changed

        observer = self.observer
        if observer.quiet and not listening():
            start = perf_counter()
            changed = (await run())[0]
            elapsed = perf_counter() - start
            slow_s = observer.slow_s
            if slow_s is not None and elapsed >= slow_s:
                observer.slow(st.query.qualified_name, round(elapsed * 1e9), changed, None)
            return changed
        result: int = await observer.arun(self, st.query.qualified_name, st.query, run)
        return result

    async def _command(self, connection: AsyncConnection, sql: str) -> None:
        """A transaction-control command (``COMMIT``), observed under its own text."""
        observer = self.observer
        if observer.quiet and not listening():
            start = perf_counter()
            await _execute(connection, sql, None)
            elapsed = perf_counter() - start
            slow_s = observer.slow_s
            if slow_s is not None and elapsed >= slow_s:
                observer.slow(sql, round(elapsed * 1e9), 0, None)
            return

        async def run() -> tuple[None, int]:
            await _execute(connection, sql, None)
            return None, 0

        await observer.arun(self, sql, None, run)

    # -- closing -------------------------------------------------------------------------

    def guard_loop_shutdown(self) -> None:
        """Close the pool when the event loop cancels every task at its end.

        ``asyncio.run`` ends by cancelling the tasks still pending, the
        pool's workers among them; a worker cancelled while it connects
        swallows the cancellation (psycopg_pool 3.3) and waits on its queue
        for ever, so a program that never called ``aclose()`` would hang at
        exit. This guard task is cancelled with them and closes the pool,
        which tells each worker to stop.
        """
        self._guard = asyncio.get_running_loop().create_task(
            self._close_when_cancelled(), name="cwdb-pool-guard"
        )

    async def _close_when_cancelled(self) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await self._close_pool()
            raise

    async def aclose(self) -> None:
        """Wait for calls in flight (up to the pool's own timeout), then close the pool."""
        guard = self._guard
        if guard is not None and guard is not asyncio.current_task():
            guard.cancel()
        await self._close_pool()

    async def _close_pool(self) -> None:
        if self.closed:
            return
        self.closed = True
        await self.lender.close(timeout=max(self.busy_timeout_ms, 1) / 1000)


async def _execute(
    connection: AsyncConnection, sql: str, params: Params | None
) -> tuple[list[Row], int]:
    """Run one statement on the connection's cursor: its rows (if any), and the rows changed."""
    cursor = connection.statements
    await cursor.execute(sql, params)
    result = cursor.pgresult
    rows = await cursor.fetchall() if result is not None and result.status == _TUPLES_OK else []
    return rows, cursor.rowcount


def _rows(st: Statement[Any], result: tuple[list[Row], int]) -> int:
    """The rows a statement returned, or for a write that returns none, changed."""
    return len(result[0]) if st.query.shape.returns_rows else result[1]


async def _pause(attempt: int, deadline: float) -> None:
    """The sync runner's pause before running a lost race again (``sessions.backoff``), awaited."""
    await asyncio.sleep(backoff(attempt, deadline))
