"""Running named statements on PostgreSQL: psycopg's side of ``adapters/sessions.py``.

What is PostgreSQL's own here: connections come from the ``Database``'s
pool (``pool.py``), lent per call or per block. Each runs in autocommit with
one binary cursor, so every statement outside a ``transaction()`` block is a
transaction of its own, at READ COMMITTED; a serialization failure or
deadlock of such a statement is run again until ``busy_timeout_ms`` has
passed (``retryable``), then is a ``BusyError``.

There is no database-wide lock. A caller's block is ``BEGIN ISOLATION LEVEL
SERIALIZABLE``: it reads and writes as if it ran alone, and when a
concurrent block conflicts with it, the server refuses one of them, which
fails whole with ``cwdb.SerializationError`` (``Database.run_transaction``
replays it). The library's own multi-statement calls (``own_locks``) begin
at READ COMMITTED and lock only what they decide on: a row, a keyed advisory
lock, a unique index; each later statement sees what committed before its
lock was granted. Every block sets its ``lock_timeout`` with ``SET LOCAL``,
so that it holds behind PgBouncer, where the session's ``SET`` may not.

A connection the server closed while it was idle (a restart, a killed
backend) is noticed before it is lent, and replaced. A connection lost
during a call fails that call (``cwdb.Error``); the next call gets another.
Inside a block, every call fails until the block ends, since its
transaction is gone.

Results are read in binary: the connection's loaders (``connection.py``)
give timestamps as milliseconds and ``jsonb`` as text, the storage forms the
shared row mappers read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Final

import psycopg
from psycopg.pq import ExecStatus

from cwdb.adapters.psycopg.explain import explain
from cwdb.adapters.psycopg.pool import NO_CONNECTION, Connection, Lease, Pool
from cwdb.adapters.psycopg.translate import DRIVER_ERRORS, RETRYABLE, session_ended, translate
from cwdb.adapters.sessions import Bindings, Params, Session, SessionRunner
from cwdb.adapters.statements import Row, Statement
from cwdb.errors import BusyError, Error, SerializationError

PsycopgSession = Session[Connection]


class PsycopgRunner(SessionRunner[Connection]):
    """The shared runner over psycopg connections (see the module doc)."""

    begin_write: ClassVar[str | None] = None
    begin_block: ClassVar[str] = "BEGIN ISOLATION LEVEL SERIALIZABLE"
    begin_locking: ClassVar[str] = "BEGIN"
    retryable = RETRYABLE
    driver_errors = DRIVER_ERRORS

    def __init__(self, pool: Pool, *, busy_timeout_ms: int, database: str) -> None:
        super().__init__(busy_timeout_ms=busy_timeout_ms, database=database)
        self.pool = pool
        # lock_timeout=0 would mean "wait forever": a busy timeout of 0 waits 1 ms.
        self._set_lock_timeout = f"SET LOCAL lock_timeout = {max(1, busy_timeout_ms)}"

    def _open(self) -> PsycopgSession:
        """A thread's session: no connection until its lease lends one (``pool.py``)."""
        lease = Lease(self.pool)
        session: PsycopgSession = Session(NO_CONNECTION, None, None, lease)
        lease.bind(session)
        return session

    def _close(self, session: PsycopgSession) -> None:
        """A session holds no connection between calls: the pool closes them all."""

    def close(self) -> None:
        """Wait for calls and blocks in flight on every thread, then close the pool."""
        with self._sessions_lock:
            self.closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            lease = session.lock
            assert isinstance(lease, Lease)
            lease.wait()
        self.pool.close()

    def _execute(self, session: PsycopgSession, st: Statement[Any], params: Bindings) -> list[Row]:
        if isinstance(params, tuple):  # the file's %(name)s placeholders bind by name
            params = dict(zip(st.query.params, params, strict=True))
        cursor = session.cursor
        cursor.execute(st.sql, params)
        return _fetch(cursor)

    def _run_command(self, session: PsycopgSession, sql: str) -> None:
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
        self._control(session, self._set_lock_timeout)

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

        A lost connection is marked for the block; a serialization failure or
        deadlock inside a block is a ``SerializationError``. The connection is lost when
        libpq says so, and also when the server answered the call with the
        FATAL error it sends before it closes the session (libpq has not read
        the end of the stream yet then).
        """
        connection: Connection | None = session.connection
        lost = (connection is not None and connection.closed) or (
            isinstance(error, psycopg.Error) and session_ended(error)
        )
        if lost and session.depth:
            session.broken = True
        failure = explain(error, param_sets) or translate(
            error, busy_timeout_ms=self.busy_timeout_ms
        )
        if session.depth and isinstance(error, RETRYABLE):
            # Inside a block the server's refusal ends the whole block: the caller replays it.
            return SerializationError(
                f"{self.database!r}: a concurrent transaction conflicts with this "
                f"transaction() block ({_first_line(error)}); nothing of it was written: "
                "run it again, or use run_transaction"
            )
        if isinstance(failure, BusyError) or not lost:
            return self._waited_for_own_block(failure)
        return Error(f"the connection to {self.database!r} was lost: {failure}")


def _first_line(error: BaseException) -> str:
    """The server's own words, for a message that adds what they mean."""
    return str(error).strip().split("\n", 1)[0]


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
