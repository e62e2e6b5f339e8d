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
* no free connection within ``busy_timeout_ms`` is a ``BusyError`` naming
  the pool size, never a hang;
* the runner keeps the connections it is done with (LIFO, so the same hot
  one serves a lone task) and lends them again without asking the pool,
  whose ``getconn``/``putconn`` pair costs 35 µs of a 200 µs ``find_by_id``.
  The pool still opens, bounds and replaces them: a call finding none idle
  asks the pool, and a connection given back while a call waits in the pool
  goes to the pool, which hands it to that call;
* a connection is checked when it is lent with the sync pool's cheap test
  (``pool.alive``: a status read and a ``poll()`` of the socket), not a
  round trip: one the server closed while it sat in the pool is closed and
  handed back, so that the pool opens a replacement, and the next is tried;
* each connection (:class:`PooledConnection`) runs every statement on one
  binary cursor of its own. A new cursor per statement looks up the loader
  of every result column again: 30 µs of a 200 µs ``find_by_id``.

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
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, Final, TypeVar

import psycopg
from psycopg.pq import ExecStatus, TransactionStatus
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from cwdb.adapters.aio.runner import replay
from cwdb.adapters.psycopg.explain import explain
from cwdb.adapters.psycopg.pool import alive, poller
from cwdb.adapters.psycopg.translate import DRIVER_ERRORS, RETRYABLE, session_ended, translate
from cwdb.adapters.runner import Bindings, Params
from cwdb.adapters.sessions import backoff
from cwdb.adapters.statements import Batch, Many, One, Row, Single, Statement, Write
from cwdb.errors import BusyError, Error, SerializationError

__all__ = ["AsyncConnection", "AsyncPsycopgRunner", "PooledConnection"]

R = TypeVar("R")


class PooledConnection(psycopg.AsyncConnection[tuple[Any, ...]]):
    """A pooled connection with what each lending and statement reuses (see the module doc).

    ``statements``: the binary cursor every statement on it runs on;
    ``waiting``: whether its socket has input, for the check at lending.
    Both are made by :meth:`set_up`, which the pool's ``configure`` runs
    once the connection has cwdb's adapters (a cursor copies them).
    """

    statements: psycopg.AsyncCursor[tuple[Any, ...]]
    waiting: Callable[[], bool]

    def set_up(self) -> None:
        self.statements = self.cursor(binary=True)
        self.waiting = poller(self.pgconn.socket)


AsyncConnection = PooledConnection

_CALL: Final = "cwdb_call"
_NESTED: Final = "cwdb_nested"
_TUPLES_OK: Final = ExecStatus.TUPLES_OK
_IDLE: Final = TransactionStatus.IDLE
#: States in which a returned connection can be rolled back and kept.
_IN_TRANSACTION: Final = (TransactionStatus.INTRANS, TransactionStatus.INERROR)
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
        #: Connections taken from the pool and idle now, the latest last (see the module doc).
        self._idle: list[AsyncConnection] = []
        #: Calls waiting in the pool's ``getconn``: while any does, connections go to the pool.
        self._waiting = 0
        # lock_timeout=0 would mean "wait forever": a busy timeout of 0 waits 1 ms.
        self._set_lock_timeout = f"SET LOCAL lock_timeout = {max(1, busy_timeout_ms)}"
        #: Clean-ups running after a cancellation (kept so they are not collected).
        self._cleanups: set[asyncio.Task[None]] = set()
        self._guard: asyncio.Task[None] | None = None
        self.closed = False

    def check_open(self) -> None:
        """Raise ``cwdb.Error`` when the database is closed."""
        if self.closed:
            raise Error("the database is closed")

    # -- connections -----------------------------------------------------------------

    async def _acquire(self) -> AsyncConnection:
        """A working connection, waiting up to the busy timeout (see the module doc)."""
        self.check_open()
        idle = self._idle
        while idle:
            connection = idle.pop()
            if alive(connection, connection.waiting):
                return connection
            await self._replace(connection)
        deadline = time.monotonic() + max(self.busy_timeout_ms, 1) / 1000
        pool = self.pool
        while True:
            self._waiting += 1
            try:
                connection = await pool.getconn(timeout=deadline - time.monotonic())
            except PoolTimeout as error:
                raise BusyError(
                    f"no free connection to {self.database!r} within busy_timeout_ms="
                    f"{self.busy_timeout_ms}: all {pool.max_size} of the pool "
                    f"(max_connections={pool.max_size}) were in use"
                ) from error
            except PoolClosed as error:
                raise Error("the database is closed") from error
            finally:
                self._waiting -= 1
            if alive(connection, connection.waiting):
                return connection
            await self._replace(connection)

    async def _replace(self, connection: AsyncConnection) -> None:
        """Closed by the server while idle: the pool replaces a closed connection given back."""
        await connection.close()
        with contextlib.suppress(PoolClosed):
            await self.pool.putconn(connection)

    def _release(self, connection: AsyncConnection) -> None:
        """Keep a connection that ended a call or block cleanly for the next one.

        Synchronous, so no cancellation can fall between a call's end and its
        connection's return. A call waiting in the pool gets it through the
        pool instead, in a task of its own.
        """
        if self._waiting or self.closed or connection.pgconn.transaction_status != _IDLE:
            self._give_back_later(connection, rollback=True)
        else:
            self._idle.append(connection)

    def _give_back_later(
        self, connection: AsyncConnection, *, rollback: bool
    ) -> asyncio.Task[None]:
        """Roll back (if asked) and return a connection in a task of its own (shielded)."""
        cleanup = asyncio.ensure_future(self._give_back(connection, rollback=rollback))
        self._cleanups.add(cleanup)
        cleanup.add_done_callback(self._cleanups.discard)
        return cleanup

    async def _give_back(self, connection: AsyncConnection, *, rollback: bool) -> None:
        """Return a connection clean to the pool, or close it when its state is unknown."""
        status = connection.pgconn.transaction_status
        if rollback and status in _IN_TRANSACTION:
            try:
                await connection.execute("ROLLBACK")
            except psycopg.Error:
                await connection.close()
        elif status not in (TransactionStatus.IDLE, *_IN_TRANSACTION):
            await connection.close()
        with contextlib.suppress(PoolClosed):
            await self.pool.putconn(connection)

    async def _finish(self, connection: AsyncConnection) -> None:
        """After an exception: clean up whatever happens to the awaiting task meanwhile."""
        cleanup = self._give_back_later(connection, rollback=True)
        with contextlib.suppress(Exception):
            await asyncio.shield(cleanup)

    # -- running statements ----------------------------------------------------------

    async def one(self, st: One[R], params: Params) -> R | None:
        rows = (await self._run(st, params))[0]
        if not rows:
            return None
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    async def all(self, st: Many[R], params: Params) -> list[R]:
        rows = (await self._run(st, params))[0]
        map_rows = st.map_rows
        if map_rows is not None:
            return map_rows(rows)
        return [row[0] for row in rows]

    async def single(self, st: Single[R], params: Params) -> R:
        rows = (await self._run(st, params))[0]
        if not rows:
            raise Error(f"{st.query.qualified_name} returned no row")
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    async def rows(self, st: Many[Any], params: Params) -> list[Row]:
        return (await self._run(st, params))[0]

    async def write(self, st: Write, params: Params) -> None:
        await self._run(st, params)

    async def write_count(self, st: Write, params: Params) -> int:
        return (await self._run(st, params))[1]

    async def _run(self, st: Statement[Any], params: Params) -> tuple[list[Row], int]:
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
                return await _execute(connection, st.sql, params)
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
                return await _execute(connection, st.sql, params)
            except DRIVER_ERRORS as error:
                raise self._error(error, connection, block, st, (params,)) from error
        await self._control(block, f"SAVEPOINT {_CALL}")
        try:
            result = await _execute(connection, st.sql, params)
            await _execute(connection, f"RELEASE {_CALL}", None)
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
            cursor = block.connection.cursor(binary=True)
            try:
                await cursor.executemany(st.sql, batch)
            except DRIVER_ERRORS as error:
                raise self._error(error, block.connection, block, st, batch) from error
            return max(cursor.rowcount, 0)

    # -- blocks ------------------------------------------------------------------------

    def in_transaction(self) -> bool:
        task = asyncio.current_task()
        return task is not None and task in self._blocks

    async def replay(self, fn: Callable[[], Awaitable[R]], *, own_locks: bool = False) -> R:
        return await replay(self, fn, own_locks=own_locks, busy_timeout_ms=self.busy_timeout_ms)

    @asynccontextmanager
    async def transaction(self, *, own_locks: bool = False) -> AsyncIterator[None]:
        """A block on one pooled connection, owned by the calling task (see the module doc).

        As on the sync runner: SERIALIZABLE (a conflicting block fails whole
        with ``SerializationError``), or READ COMMITTED for the library's own
        calls that lock what they decide on (``own_locks``); ``lock_timeout``
        set with ``SET LOCAL``.
        """
        task = asyncio.current_task()
        if task is None:
            raise Error("transaction() of an AsyncDatabase needs a running asyncio task")
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
            await _execute(connection, "COMMIT", None)
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
            await _execute(block.connection, sql, None)
        except DRIVER_ERRORS as error:
            raise self._error(error, block.connection, block) from error

    async def _undo_savepoint(self, block: _Block, name: str) -> None:
        with contextlib.suppress(*DRIVER_ERRORS):
            await _execute(block.connection, f"ROLLBACK TO {name}", None)
            await _execute(block.connection, f"RELEASE {name}", None)

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
        idle, self._idle = self._idle, []
        for connection in idle:
            self._give_back_later(connection, rollback=False)
        if self._cleanups:
            await asyncio.gather(*self._cleanups, return_exceptions=True)
        await self.pool.close(timeout=max(self.busy_timeout_ms, 1) / 1000)


async def _execute(
    connection: AsyncConnection, sql: str, params: Params | None
) -> tuple[list[Row], int]:
    """Run one statement on the connection's cursor: its rows (if any), and the rows changed."""
    cursor = connection.statements
    await cursor.execute(sql, params)
    result = cursor.pgresult
    rows = await cursor.fetchall() if result is not None and result.status == _TUPLES_OK else []
    return rows, cursor.rowcount


async def _pause(attempt: int, deadline: float) -> None:
    """The sync runner's pause before running a lost race again (``sessions.backoff``), awaited."""
    await asyncio.sleep(backoff(attempt, deadline))
