"""Running named statements on PostgreSQL: psycopg's side of ``adapters/sessions.py``.

What is PostgreSQL's own here: a session is a psycopg connection in
autocommit with one binary cursor, so every statement outside a
``transaction()`` block is a transaction of its own, at READ COMMITTED; a
serialization failure or deadlock of such a statement is run again until
``busy_timeout_ms`` has passed (``retryable``), then is a ``BusyError``.
Inside a block the block cannot be replayed, so it is a ``BusyError`` at
once. A block is ``BEGIN``, the writers' advisory lock
(``sql/postgresql/_transactions.sql``), the block, ``COMMIT``.

A connection the server closed while it was idle (a restart, a killed
backend) is noticed before the next statement is sent, and replaced: the
call runs on a new connection. A connection lost during a call fails that
call (``cwdb.Error``); the thread's next call reconnects. Inside a block,
every call fails until the block ends, since its transaction is gone.

Results are read in binary: the connection's loaders (``connection.py``)
give timestamps as milliseconds and ``jsonb`` as text, the storage forms the
shared row mappers read.
"""

from __future__ import annotations

import select
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Final

import psycopg
from psycopg.pq import ConnStatus, ExecStatus

from cwdb.adapters.psycopg.explain import explain
from cwdb.adapters.psycopg.translate import DRIVER_ERRORS, RETRYABLE, session_ended, translate
from cwdb.adapters.sessions import Bindings, Params, Session, SessionRunner
from cwdb.adapters.sqlfiles import query_file
from cwdb.adapters.statements import Row, Statement
from cwdb.errors import BusyError, Error

Connection = psycopg.Connection[tuple[Any, ...]]
PsycopgSession = Session[Connection]


class PsycopgRunner(SessionRunner[Connection]):
    """The shared runner over psycopg connections (see the module doc)."""

    begin_write: ClassVar[str | None] = None
    begin_block: ClassVar[str] = "BEGIN"
    retryable = RETRYABLE
    driver_errors = DRIVER_ERRORS

    def __init__(
        self,
        open_connection: Callable[[], Connection],
        *,
        busy_timeout_ms: int,
        database: str,
    ) -> None:
        super().__init__(busy_timeout_ms=busy_timeout_ms, database=database)
        self._open_connection = open_connection
        self._lock_writers = query_file("_transactions", "postgresql")["lock_writers"].sql

    @staticmethod
    def session_of(connection: Connection) -> PsycopgSession:
        """A session on an already opened connection (see ``adopt``)."""
        waiting = _poller(connection.pgconn.socket)

        def usable() -> bool:
            return _alive(connection, waiting)

        return Session(connection, connection.cursor(binary=True), usable)

    def _open(self) -> PsycopgSession:
        return self.session_of(self._open_connection())

    def _close(self, session: PsycopgSession) -> None:
        session.connection.close()

    def _execute(self, session: PsycopgSession, sql: str, params: Params | None) -> list[Row]:
        cursor = session.cursor
        cursor.execute(sql, params)
        return _fetch(cursor)

    def _command(self, session: PsycopgSession, sql: str) -> None:
        session.cursor.execute(sql)

    def _changed(self, session: PsycopgSession) -> int:
        rowcount: int = session.cursor.rowcount
        return rowcount

    def _execute_many(
        self, session: PsycopgSession, st: Statement[Any], sets: list[Bindings]
    ) -> int:
        names = st.query.params
        batch = [
            dict(zip(names, bindings, strict=True)) if isinstance(bindings, tuple) else bindings
            for bindings in sets
        ]
        cursor = session.cursor
        cursor.executemany(st.sql, batch)
        changed: int = cursor.rowcount
        return max(changed, 0)

    def _block_begun(self, session: PsycopgSession) -> None:
        self._control(session, self._lock_writers)

    def _check_block(self, session: PsycopgSession) -> None:
        if session.connection.closed:
            session.broken = True
        super()._check_block(session)

    def _error(
        self,
        error: BaseException,
        session: PsycopgSession,
        st: Statement[Any] | None = None,
        param_sets: Iterable[Params] = (),
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
            return self._waited_for_own_block(failure)
        return Error(f"the connection to {self.database!r} was lost: {failure}")


def _alive(connection: Connection, waiting: Callable[[], bool]) -> bool:
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
    if connection.pgconn.status != _OK:  # closed, or broken by a failure
        return False
    try:
        return not waiting()
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
