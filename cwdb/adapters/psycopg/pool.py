"""The server connections of one PostgreSQL ``Database``: a pool, lent per call or per block.

At most ``max_connections`` connections (``psycopg_pool.ConnectionPool``),
shared by every thread and block of the ``Database``. A thread's session
(``sessions.py``) holds none between calls: its lock is a :class:`Lease`,
which takes a connection from the pool when the thread's outermost call or
block begins and gives it back when that ends. A block therefore holds one
connection for its whole length, and so does nothing else; a call outside a
block holds one for that call only.

A connection is checked when it is lent, with the same cheap test as before
the pool (:func:`alive`: one status read and one ``poll()`` of the socket),
not with the pool's own ``check`` (a round trip, and a one-second pause
after a failed one). A connection the server closed while it sat in the pool
is closed and handed back, so the pool opens a replacement, and the next one
is tried. Waiting longer than ``busy_timeout_ms`` for a free connection is a
``BusyError`` naming the pool's size.
"""

from __future__ import annotations

import select
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, cast

import psycopg
from psycopg.pq import ConnStatus
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from cwdb.adapters.observe import count_connections
from cwdb.errors import BusyError, Error

if TYPE_CHECKING:
    from cwdb.adapters.sessions import Session

Connection = psycopg.Connection[tuple[Any, ...]]
#: A session's connection while it holds none (typed as one, so that the
#: shared state machine needs no check on its hot path: it never runs then).
NO_CONNECTION: Final = cast(Connection, None)


class Pool:
    """The pool of one ``Database``, and what each lent connection comes with."""

    def __init__(
        self,
        connect: Callable[[], Connection],
        *,
        size: int,
        busy_timeout_ms: int,
        database: str,
    ) -> None:
        self.size = size
        self._busy_timeout_ms = busy_timeout_ms
        self._database = database
        #: Each connection's binary cursor and idle check, made once per connection.
        self._extras: weakref.WeakKeyDictionary[Connection, tuple[Any, Callable[[], bool]]] = (
            weakref.WeakKeyDictionary()
        )
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            connection_class=_Opened,
            kwargs={"opener": connect},
            # One connection kept open; up to ``size`` while calls wait for one.
            min_size=1,
            max_size=size,
            timeout=busy_timeout_ms / 1000,
            name="cwdb",
            # Opening and replacing connections: one background thread is enough.
            num_workers=1,
            open=True,
        )
        #: The pool's name in the connection-count metrics (``observe.count_connections``).
        self.name = count_connections(self._pool, database)

    def lend(self, session: Session[Connection]) -> None:
        """Give ``session`` a working connection and its cursor, waiting up to the busy timeout."""
        deadline = time.monotonic() + self._busy_timeout_ms / 1000
        while True:
            try:
                connection = self._pool.getconn(timeout=max(0.0, deadline - time.monotonic()))
            except PoolTimeout as error:
                raise BusyError(
                    f"no connection to {self._database!r} was free within "
                    f"{self._busy_timeout_ms} ms: the pool's {self.size} connections "
                    f"(max_connections={self.size}) were all in use"
                ) from error
            except PoolClosed as error:
                raise Error("the database is closed") from error
            extras = self._extras.get(connection)
            if extras is None:
                extras = (connection.cursor(binary=True), poller(connection.pgconn.socket))
                self._extras[connection] = extras
            if alive(connection, extras[1]):
                session.connection = connection
                session.cursor = extras[0]
                return
            # Closed by the server while idle: the pool replaces a closed connection.
            connection.close()
            self._pool.putconn(connection)

    def take_back(self, session: Session[Connection]) -> None:
        """Return ``session``'s connection to the pool (closed ones are replaced)."""
        connection = session.connection
        session.connection, session.cursor = NO_CONNECTION, None
        self._pool.putconn(connection)

    def close(self) -> None:
        """Close every connection; the pool's threads end."""
        self._pool.close()


class _Opened(psycopg.Connection[tuple[Any, ...]]):
    """How the pool opens a connection: cwdb's own opener (``connection.py``)."""

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> Any:
        opener: Callable[[], Connection] = kwargs["opener"]
        return opener()


class Lease:
    """A session's lock that also lends it a pooled connection (see the module doc).

    Re-entrant like the ``RLock`` inside it: the connection is taken when the
    thread's outermost hold begins and returned when it ends, unless a block
    is still open (``session.depth``), which keeps it to its end.
    """

    __slots__ = ("_held", "_lock", "_pool", "_session")

    def __init__(self, pool: Pool) -> None:
        self._lock = threading.RLock()
        self._held = 0
        self._pool = pool
        self._session: Session[Connection] | None = None

    def bind(self, session: Session[Connection]) -> None:
        self._session = session

    def __enter__(self) -> None:
        self._lock.acquire()
        session = self._session
        if self._held == 0 and session is not None and session.connection is None:
            try:
                self._pool.lend(session)
            except BaseException:
                self._lock.release()
                raise
        self._held += 1

    def __exit__(self, *exc: object) -> None:
        self._held -= 1
        session = self._session
        try:
            if (
                self._held == 0
                and session is not None
                and not session.depth
                and session.connection is not None
            ):
                self._pool.take_back(session)
        finally:
            self._lock.release()

    def wait(self) -> None:
        """Wait for the call or block in flight on this session, if any."""
        with self._lock:
            pass


def alive(connection: psycopg.BaseConnection[Any], waiting: Callable[[], bool]) -> bool:
    """Whether an idle connection is still usable: nothing waiting on its socket.

    A server that restarted, or a backend that was terminated, closes the
    socket, which then reads as ready although no query is in flight. The
    server usually says why first (a FATAL error: "terminating connection
    due to administrator command", "... immediate shutdown command", "...
    unexpected postmaster exit"), and libpq reads that message without
    seeing the end of the stream behind it, so the connection still looks
    fine. An idle cwdb connection expects no input at all (it never
    LISTENs): any input means the connection is going, or, rarely, a
    parameter report after a configuration reload, where a new connection
    costs a few milliseconds. Either way it is replaced.

    This runs each time a connection is lent, so the usual case costs one
    status read and one ``poll()`` of the socket, registered once per
    connection (a ``select()`` and the connection's properties cost 3 µs a call).
    """
    if connection.pgconn.status != _OK:  # closed, or broken by a failure
        return False
    try:
        return not waiting()
    except (OSError, ValueError):
        return False


_OK: Final = ConnStatus.OK


def poller(fd: int) -> Callable[[], bool]:
    """A check, without waiting, whether socket ``fd`` has something to read."""
    if hasattr(select, "poll"):
        poll = select.poll()
        poll.register(fd, select.POLLIN)

        def polled() -> bool:
            return bool(poll.poll(0))

        return polled

    def selected() -> bool:  # pragma: no cover - Windows has no poll()
        return bool(select.select([fd], [], [], 0)[0])

    return selected
