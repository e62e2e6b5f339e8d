"""Running named statements on PostgreSQL: the psycopg side of ``adapters/runner.py``.

Each thread gets a connection of its own on its first call (a
:class:`Session`), in autocommit, so every statement outside a
``transaction()`` block is a transaction of its own, at READ COMMITTED.
A ``transaction()`` block is ``BEGIN``, the writers' advisory lock
(``sql/postgresql/_transactions.sql``), the block, ``COMMIT``; nested levels
and every write inside a block are savepoints, so a failed call undoes only
itself, as on SQLite.

Failures:

* a serialization failure or deadlock of a statement outside a block is
  retried until ``busy_timeout_ms`` has passed, then is a ``BusyError``;
  inside a block the block cannot be replayed, so it is a ``BusyError`` at
  once;
* a connection the server closed while it was idle (a restart, a killed
  backend) is noticed before the next statement is sent, and replaced: the
  call runs on a new connection. A connection lost during a call fails that
  call (``cwdb.Error``); the thread's next call reconnects. Inside a block,
  every call fails until the block ends, since its transaction is gone.

Results are read in binary: the connection's loaders (``connection.py``)
give timestamps as milliseconds and ``jsonb`` as text, the storage forms the
shared row mappers read (``adapters/runner.py``).
"""

from __future__ import annotations

import contextlib
import random
import select
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Final, TypeVar

import psycopg
from psycopg.pq import ConnStatus, ExecStatus

from cwdb._ids import new_id
from cwdb.adapters.psycopg.explain import explain
from cwdb.adapters.psycopg.translate import DRIVER_ERRORS, RETRYABLE, session_ended, translate
from cwdb.adapters.runner import Bindings, Params, savepoint_level
from cwdb.adapters.sqlfiles import query_file
from cwdb.adapters.statements import Row, Statement
from cwdb.errors import BusyError, Error
from cwdb.records._codec import datetime_from_time, time_from_ms

R = TypeVar("R")
Connection = psycopg.Connection[tuple[Any, ...]]


class Session:
    """One thread's connection, its cursor and its transaction depth."""

    __slots__ = ("broken", "connection", "cursor", "depth", "lock", "thread", "waiting")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.cursor = connection.cursor(binary=True)
        self.lock = threading.RLock()
        self.depth = 0
        #: Set when the connection was lost inside a block: every call fails until it ends.
        self.broken = False
        self.thread = threading.current_thread()
        #: Whether anything (an EOF, an error) waits on the idle connection's socket.
        self.waiting = _poller(connection.pgconn.socket)


class Runner:
    """Runs statements on the calling thread's session (see the module doc)."""

    def __init__(
        self,
        open_connection: Callable[[], Connection],
        *,
        busy_timeout_ms: int,
        clock: Callable[[], datetime] | None,
        database: str,
    ) -> None:
        self._open_connection = open_connection
        self.busy_timeout_ms = busy_timeout_ms
        #: The redacted URL that error messages name.
        self.database = database
        self.new_id = new_id
        self.store_time = datetime_from_time
        if clock is None:
            self.now: Callable[[], object] = _system_now
        else:
            self.now = lambda: datetime_from_time(clock(), "clock()")
        self._lock_writers = query_file("_transactions", "postgresql")["lock_writers"].sql
        self._local = threading.local()
        self._sessions: list[Session] = []
        self._sessions_lock = threading.Lock()
        self.closed = False

    # -- sessions -----------------------------------------------------------

    def check_open(self) -> None:
        if self.closed:
            raise Error("the database is closed")

    def adopt(self, connection: Connection) -> None:
        """Use an already opened connection as the calling thread's session."""
        session = Session(connection)
        with self._sessions_lock:
            self._sessions.append(session)
        self._local.session = session

    def session(self) -> Session:
        """The calling thread's session; a new one if the server closed the old one."""
        session: Session | None = getattr(self._local, "session", None)
        if session is None or (session.depth == 0 and not _alive(session)):
            session = self._new_session(session)
        return session

    def _new_session(self, old: Session | None) -> Session:
        with self._sessions_lock:
            self.check_open()
            if old is not None:
                with contextlib.suppress(ValueError):
                    self._sessions.remove(old)
                old.connection.close()
            self._sessions = [s for s in self._sessions if s.thread.is_alive() or _close(s)]
        session = Session(self._open_connection())
        with self._sessions_lock:
            if self.closed:
                session.connection.close()
                self.check_open()
            self._sessions.append(session)
        self._local.session = session
        return session

    def close(self) -> None:
        """Wait for calls in flight, then close every connection; idempotent."""
        with self._sessions_lock:
            self.closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            with session.lock:
                session.connection.close()

    def in_transaction(self) -> bool:
        return self.session().depth > 0

    @contextmanager
    def held_connection(self) -> Iterator[Connection]:
        """The calling thread's connection, its session held for the block."""
        session = self.session()
        with session.lock:
            yield session.connection

    # -- running statements ---------------------------------------------------

    def one(self, st: Statement[R], params: Params) -> R | None:
        rows = self._execute(st, params)[0]
        if not rows:
            return None
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    def all(self, st: Statement[R], params: Params) -> list[R]:
        rows = self._execute(st, params)[0]
        map_rows = st.map_rows
        if map_rows is not None:
            return map_rows(rows)
        return [row[0] for row in rows]

    def single(self, st: Statement[R], params: Params) -> R:
        rows = self._execute(st, params)[0]
        if not rows:
            raise Error(f"{st.query.qualified_name} returned no row")
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    def rows(self, st: Statement[Any], params: Params) -> list[Row]:
        return self._execute(st, params)[0]

    def write(self, st: Statement[Any], params: Params) -> None:
        self._execute(st, params)

    def write_count(self, st: Statement[Any], params: Params) -> int:
        return self._execute(st, params)[1]

    def _execute(self, st: Statement[Any], params: Params) -> tuple[list[Row], int]:
        """Run one statement: on its own (retried while busy), or in a savepoint of a block."""
        deadline = None
        attempt = 0
        while True:
            session = self.session()
            with session.lock:
                if session.depth:
                    return self._in_savepoint(session, st, params)
                try:
                    cursor = session.cursor.execute(st.sql, params)
                    rows = _fetch(cursor)
                    return rows, cursor.rowcount
                except RETRYABLE as error:
                    deadline = deadline or time.monotonic() + self.busy_timeout_ms / 1000
                    if time.monotonic() >= deadline:
                        raise self._error(error, session) from error
                except DRIVER_ERRORS as error:
                    raise self._error(error, session, (params,)) from error
            attempt += 1
            _pause(attempt, deadline)

    def _in_savepoint(
        self, session: Session, st: Statement[Any], params: Params
    ) -> tuple[list[Row], int]:
        """Inside a block: a failed call undoes only itself."""
        self._check_block(session)
        cursor = session.cursor
        if not st.writes:
            try:
                cursor.execute(st.sql, params)
                return _fetch(cursor), -1
            except DRIVER_ERRORS as error:
                # A failed read aborts the block's transaction as a failed write would.
                raise self._error(error, session, (params,)) from error
        self._control(session, "SAVEPOINT cwdb_call")
        try:
            cursor.execute(st.sql, params)
            rows = _fetch(cursor)
            changed = cursor.rowcount
            cursor.execute("RELEASE cwdb_call")
        except DRIVER_ERRORS as error:
            self._undo_savepoint(session, "cwdb_call")
            raise self._error(error, session, (params,)) from error
        return rows, changed

    def write_batch(self, st: Statement[Any], param_sets: Iterable[Bindings]) -> int:
        """A ``*!`` statement once per parameter set, in one transaction (a pipeline)."""
        names = st.query.params
        batch = [
            dict(zip(names, bindings, strict=True)) if isinstance(bindings, tuple) else bindings
            for bindings in param_sets
        ]
        session = self.session()
        with session.lock, self.transaction(lock=False):
            cursor = session.cursor
            try:
                cursor.executemany(st.sql, batch)
            except DRIVER_ERRORS as error:
                raise self._error(error, session, batch) from error
            return max(cursor.rowcount, 0)

    # -- transactions -----------------------------------------------------------

    @contextmanager
    def transaction(self, *, lock: bool = True) -> Iterator[None]:
        """All writes inside commit together or not at all (savepoints nest).

        The outermost level takes the writers' advisory lock (``lock``),
        the way SQLite's ``BEGIN IMMEDIATE`` takes its write lock.
        """
        session = self.session()
        with session.lock:
            if session.depth:
                yield from savepoint_level(session, self._control, self._undo_savepoint)
                return
            self._control(session, "BEGIN")
            session.depth = 1
            try:
                if lock:
                    self._control(session, self._lock_writers)
                yield
            except BaseException:
                self._end_block(session)
                with contextlib.suppress(psycopg.Error):
                    session.connection.execute("ROLLBACK")
                raise
            self._check_block(session, ending=True)
            try:
                session.cursor.execute("COMMIT")
            except psycopg.Error as error:
                with contextlib.suppress(psycopg.Error):
                    session.connection.execute("ROLLBACK")
                raise self._error(error, session) from error
            finally:
                self._end_block(session)

    @staticmethod
    def _end_block(session: Session) -> None:
        session.depth = 0
        session.broken = False

    def _check_block(self, session: Session, *, ending: bool = False) -> None:
        """Inside a block whose connection was lost, nothing can run or commit."""
        if session.broken or session.connection.closed:
            session.broken = True
            if ending:
                self._end_block(session)
            raise Error(
                f"the connection to {self.database!r} was lost inside transaction(): "
                "the transaction was rolled back"
            )

    def _control(self, session: Session, sql: str) -> None:
        """A transaction-control statement; a failure is a cwdb error."""
        if session.depth:
            self._check_block(session)
        try:
            session.cursor.execute(sql)
        except psycopg.Error as error:
            raise self._error(error, session) from error

    @staticmethod
    def _undo_savepoint(session: Session, name: str) -> None:
        with contextlib.suppress(psycopg.Error):
            session.cursor.execute(f"ROLLBACK TO {name}")
            session.cursor.execute(f"RELEASE {name}")

    def _error(
        self, error: BaseException, session: Session, param_sets: Iterable[Params] = ()
    ) -> Error:
        """The cwdb error of a failed call, naming the field when its parameters tell.

        A lost connection is marked for the block. The connection is lost when
        libpq says so, and also when the server answered the call with the
        FATAL error it sends before it closes the session (libpq has not read
        the end of the stream yet then).
        """
        lost = session.connection.closed or (
            isinstance(error, psycopg.Error) and session_ended(error)
        )
        if lost and session.depth:
            session.broken = True
        failure = explain(error, param_sets) or translate(
            error, busy_timeout_ms=self.busy_timeout_ms
        )
        if isinstance(failure, BusyError) or not lost:
            return failure
        return Error(f"the connection to {self.database!r} was lost: {failure}")


def _alive(session: Session) -> bool:
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

    This runs before every call outside a block, so the usual case costs one
    status read and one ``poll()`` of the socket, registered once per
    session (a ``select()`` and the connection's properties cost 3 µs a call).
    """
    if session.connection.pgconn.status != _OK:  # closed, or broken by a failure
        return False
    try:
        return not session.waiting()
    except (OSError, ValueError):
        return False


_OK: Final = ConnStatus.OK


def _poller(fd: int) -> Callable[[], bool]:
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


def _fetch(cursor: psycopg.Cursor[Row]) -> list[Row]:
    """The rows of the statement just run; none for a statement that returns none.

    Its result's status tells, where ``cursor.description is not None`` would
    build a ``Column`` object per column on every call (13 µs for a task row).
    """
    result = cursor.pgresult
    if result is not None and result.status == _TUPLES_OK:
        return cursor.fetchall()
    return []


_TUPLES_OK: Final = ExecStatus.TUPLES_OK


#: The longest pause between two attempts of a statement that lost a deadlock.
_MAX_PAUSE: Final = 0.05


def _pause(attempt: int, deadline: float) -> None:
    """A short random pause before running a failed statement again.

    The server breaks a deadlock by failing one statement; the other
    transaction is woken to take the locks it waited for. Run again at once,
    the failed statement can take one of them first, and the same deadlock
    forms again, costing another ``deadlock_timeout`` (1 s by default). A
    pause of a few milliseconds, growing and randomised, lets the survivor
    go first (and keeps retrying serialization failures from moving in step).
    """
    span = min(_MAX_PAUSE, 0.002 * 2 ** (attempt - 1))  # 1-2 ms, then 2-4 ms, ... 25-50 ms
    pause = span / 2 + random.uniform(0, span / 2)  # noqa: S311 -- jitter, not a secret
    time.sleep(max(0.0, min(pause, deadline - time.monotonic())))


def _close(session: Session) -> bool:
    """Close the connection of a finished thread's session; False to drop it."""
    with contextlib.suppress(psycopg.Error):
        session.connection.close()
    return False


def _system_now() -> datetime:
    return time_from_ms(time.time_ns() // 1_000_000)
