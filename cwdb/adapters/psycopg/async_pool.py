"""The server connections of one PostgreSQL ``AsyncDatabase``: a pool, lent per call or block.

The asyncio twin of ``pool.py``. ``psycopg_pool.AsyncConnectionPool`` opens
the connections (at most ``max_connections``), sets each up, and replaces the
ones given back closed. In front of it, :class:`Lender` keeps the
connections the runner is done with and lends them again itself, since the
pool's ``getconn``/``putconn`` pair costs about 35 µs of a 200 µs
``find_by_id`` (its lock, statistics, checks and a FIFO that rotates a lone
task over every connection):

* a call takes the latest idle connection (LIFO: a lone task keeps one hot
  connection), else asks the pool while the lender holds fewer than
  ``max_connections`` (one call at a time, so that under load connections
  pass from call to call here and not through the pool), else waits in the
  lender's queue for one that a call gives back (first come, first served);
* no connection within ``busy_timeout_ms`` is a ``BusyError`` naming the
  pool's size, never a hang;
* a connection is checked when it is lent with the sync pool's cheap test
  (``pool.alive``: a status read and a ``poll()`` of the socket), not a
  round trip: one the server closed while idle is closed and handed back,
  so that the pool opens a replacement, and the next is tried;
* giving back is synchronous when the connection is clean (idle, outside a
  transaction), so no cancellation can fall between a call's end and its
  connection's return; any other state is rolled back, or the connection
  closed, in a task of its own, and it goes back to the pool;
* the pool's ``max_lifetime`` and ``max_idle`` still hold: a connection
  older than the first, or the longest idle one once it has been idle for
  the second, goes back to the pool, which replaces or closes it.

Each connection (:class:`PooledConnection`) runs every statement on one
binary cursor of its own: a new cursor per statement looks up the loader of
every result column again (30 µs of the same ``find_by_id``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Final

import psycopg
from psycopg.pq import TransactionStatus
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from cwdb.adapters.psycopg.pool import alive, poller
from cwdb.errors import BusyError, Error

__all__ = ["Lender", "PooledConnection"]


class PooledConnection(psycopg.AsyncConnection[tuple[Any, ...]]):
    """A pooled connection with what each lending and statement reuses (see the module doc).

    ``statements``: the binary cursor every statement on it runs on;
    ``waiting``: whether its socket has input, for the check at lending;
    ``opened`` and ``idle_since``: when it was opened and last given back
    (``time.monotonic()``), for the pool's ``max_lifetime`` and ``max_idle``.
    Made by :meth:`set_up`, which the pool's ``configure`` runs once the
    connection has cwdb's adapters (a cursor copies them).
    """

    statements: psycopg.AsyncCursor[tuple[Any, ...]]
    waiting: Callable[[], bool]
    opened: float
    idle_since: float

    def set_up(self) -> None:
        self.statements = self.cursor(binary=True)
        self.waiting = poller(self.pgconn.socket)
        self.opened = self.idle_since = time.monotonic()


_IDLE: Final = TransactionStatus.IDLE
#: States in which a returned connection can be rolled back and kept.
_IN_TRANSACTION: Final = (TransactionStatus.INTRANS, TransactionStatus.INERROR)


class Lender:
    """Lends the pool's connections to calls and blocks (see the module doc)."""

    def __init__(
        self,
        pool: AsyncConnectionPool[PooledConnection],
        *,
        busy_timeout_ms: int,
        database: str,
        rollback: Callable[[PooledConnection], Awaitable[None]],
    ) -> None:
        self.pool = pool
        self.busy_timeout_ms = busy_timeout_ms
        self.database = database
        #: Runs ROLLBACK on a connection given back inside a transaction (the runner's,
        #: so that its observer sees the statement).
        self._rollback = rollback
        self.closed = False
        #: Connections taken from the pool and idle now, the latest last.
        self._idle: list[PooledConnection] = []
        #: Connections taken from the pool and not given back: in use or idle.
        self._held = 0
        #: Calls waiting in the pool's ``getconn``: while any does, connections go to the pool.
        self._waiting = 0
        #: Calls waiting for a connection another call gives back; None: ask the pool.
        self._queue: deque[asyncio.Future[PooledConnection | None]] = deque()
        #: Roll-backs and closes running after a failure (kept so they are not collected).
        self._cleanups: set[asyncio.Task[None]] = set()

    def get_stats(self) -> dict[str, int]:
        """The pool's statistics, counting the connections kept idle here as available."""
        stats = self.pool.get_stats()
        stats["pool_available"] = stats.get("pool_available", 0) + len(self._idle)
        return stats

    # -- lending -------------------------------------------------------------------------

    async def acquire(self) -> PooledConnection:
        """A working connection, waiting up to the busy timeout."""
        if self.closed:
            raise Error("the database is closed")
        idle = self._idle
        while idle:
            connection = idle.pop()
            if alive(connection, connection.waiting):
                return connection
            self._replace(connection)
        deadline = time.monotonic() + max(self.busy_timeout_ms, 1) / 1000
        while True:
            if self.closed:
                raise Error("the database is closed")
            if self._held < self.pool.max_size and not self._waiting:
                connection = await self._from_pool(deadline)
            else:
                given = await self._given(deadline)
                if given is None:  # one went back to the pool: ask it
                    continue
                connection = given
            if alive(connection, connection.waiting):
                return connection
            self._replace(connection)

    async def _from_pool(self, deadline: float) -> PooledConnection:
        self._waiting += 1
        try:
            connection = await self.pool.getconn(timeout=deadline - time.monotonic())
            self._held += 1
        except PoolTimeout as error:
            raise self._busy() from error
        except PoolClosed as error:
            raise Error("the database is closed") from error
        finally:
            self._waiting -= 1
            if self._queue and self._held < self.pool.max_size:
                self._wake()  # the next in the queue asks the pool, which may open another
        return connection

    async def _given(self, deadline: float) -> PooledConnection | None:
        """Wait in the queue for a connection given back (None: one went to the pool)."""
        given: asyncio.Future[PooledConnection | None] = asyncio.get_running_loop().create_future()
        self._queue.append(given)
        try:
            async with asyncio.timeout(deadline - time.monotonic()):
                return await given
        except BaseException as error:
            if not given.cancelled() and given.done():
                # Given just as this call timed out or was cancelled: pass it on.
                connection = given.result()
                if connection is None:
                    self._wake()
                else:
                    self.release(connection)
            else:
                given.cancel()
            if isinstance(error, TimeoutError):
                raise self._busy() from error
            raise

    def _busy(self) -> BusyError:
        size = self.pool.max_size
        return BusyError(
            f"no free connection to {self.database!r} within busy_timeout_ms="
            f"{self.busy_timeout_ms}: all {size} of the pool (max_connections={size}) were in use"
        )

    # -- giving back -----------------------------------------------------------------------

    def release(self, connection: PooledConnection) -> None:
        """Give back a connection at the end of a call or block (see the module doc)."""
        if self.closed or connection.pgconn.transaction_status != _IDLE:
            self.give_back_later(connection, rollback=True)
            return
        if self._hand(connection):
            return
        pool = self.pool
        now = time.monotonic()
        if self._waiting or now - connection.opened >= pool.max_lifetime:
            self.give_back_later(connection, rollback=False)  # the pool replaces an old one
            return
        connection.idle_since = now
        idle = self._idle
        idle.append(connection)
        if now - idle[0].idle_since > pool.max_idle:
            # Unused for max_idle: the pool closes what it holds idle beyond min_size.
            self.give_back_later(idle.pop(0), rollback=False)

    def _wake(self) -> None:
        """A connection went back to the pool: the first call in the queue asks the pool."""
        self._hand(None)

    def _hand(self, given: PooledConnection | None) -> bool:
        """Give the first call still waiting in the queue ``given``; False when none waits."""
        queue = self._queue
        while queue:
            waiter = queue.popleft()
            if not waiter.done():
                waiter.set_result(given)
                return True
        return False

    def give_back_later(
        self, connection: PooledConnection, *, rollback: bool, close: bool = False
    ) -> asyncio.Task[None]:
        """Roll back (if asked) or close, and return a connection to the pool, in a task."""
        self._held -= 1
        self._wake()
        cleanup = asyncio.ensure_future(self._give_back(connection, rollback=rollback, close=close))
        self._cleanups.add(cleanup)
        cleanup.add_done_callback(self._cleanups.discard)
        return cleanup

    async def _give_back(
        self, connection: PooledConnection, *, rollback: bool, close: bool
    ) -> None:
        """Return a connection clean to the pool, or close it when its state is unknown."""
        status = connection.pgconn.transaction_status
        if close:
            await connection.close()
        elif rollback and status in _IN_TRANSACTION:
            try:
                await self._rollback(connection)
            except psycopg.Error:
                await connection.close()
        elif status not in (_IDLE, *_IN_TRANSACTION):
            await connection.close()
        with contextlib.suppress(PoolClosed):
            await self.pool.putconn(connection)

    async def finish(self, connection: PooledConnection) -> None:
        """After an exception: clean up whatever happens to the awaiting task meanwhile."""
        cleanup = self.give_back_later(connection, rollback=True)
        with contextlib.suppress(Exception):
            await asyncio.shield(cleanup)

    def _replace(self, connection: PooledConnection) -> None:
        """Closed by the server while idle: the pool replaces a closed connection given back."""
        self.give_back_later(connection, rollback=False, close=True)

    async def close(self, timeout: float) -> None:
        """Give every idle connection back, wake the queue, then close the pool."""
        self.closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            self.give_back_later(connection, rollback=False)
        while self._hand(None):
            pass
        if self._cleanups:
            await asyncio.gather(*self._cleanups, return_exceptions=True)
        await self.pool.close(timeout=timeout)
