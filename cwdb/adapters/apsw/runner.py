"""Running named statements: the hot path every adapter shares.

The runner owns the per-thread connections of one ``Database`` and knows how
to run a :class:`~cwdb.adapters.apsw.statements.Statement` for each result
shape. Every write is its own ``BEGIN IMMEDIATE`` transaction, or a
savepoint when the thread is inside ``Database.transaction()``; every cursor
is drained before the call returns (an undrained ``RETURNING`` cursor would
keep the write lock); every driver exception is translated at this one
boundary (``translate.DRIVER_ERRORS``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import apsw

from cwdb._ids import new_id
from cwdb.adapters.apsw.connection import close as close_connection
from cwdb.adapters.apsw.explain import explain
from cwdb.adapters.apsw.statements import Queries, Row, Statement
from cwdb.adapters.apsw.translate import DRIVER_ERRORS, translate
from cwdb.errors import Error
from cwdb.records._codec import ms_from_time

__all__ = ["Queries", "Runner", "Statement"]

Params = Mapping[str, object]
#: One parameter set of a batch: by name, or a tuple in ``query.params`` order.
Bindings = Params | tuple[object, ...]


class Session:
    """One thread's connection, its reusable cursor and its transaction depth."""

    __slots__ = ("connection", "cursor", "depth", "lock", "thread")

    def __init__(self, connection: apsw.Connection) -> None:
        self.connection = connection
        self.cursor = connection.cursor()
        # Held for the length of each call and each transaction block, so
        # that close() can wait for calls in flight on other threads.
        self.lock = threading.RLock()
        self.depth = 0
        self.thread = threading.current_thread()


class Runner:
    """Runs statements on the calling thread's connection (see module doc)."""

    def __init__(
        self,
        open_connection: Callable[[], apsw.Connection],
        *,
        busy_timeout_ms: int,
        clock: Callable[[], datetime] | None,
        database: str,
    ) -> None:
        self._open_connection = open_connection
        self.busy_timeout_ms = busy_timeout_ms
        #: The path (or ``":memory:"``) that error messages name.
        self.database = database
        self._local = threading.local()
        self._sessions: list[Session] = []
        self._sessions_lock = threading.Lock()
        self.closed = False
        self.new_id = new_id
        if clock is None:
            self.now: Callable[[], int] = _system_now
        else:
            self.now = lambda: ms_from_time(clock(), "clock()")

    # -- sessions ---------------------------------------------------------

    def check_open(self) -> None:
        """Raise ``cwdb.Error`` when the database is closed (for calls that skip SQL)."""
        if self.closed:
            raise Error("the database is closed")

    def open_connection(self) -> apsw.Connection:
        """A new connection to the same database, outside every session.

        For work that must not hold a thread's session: an online backup,
        tools that inspect the database. The caller closes it.
        """
        self.check_open()
        return self._open_connection()

    def session(self) -> Session:
        try:
            session: Session = self._local.session
        except AttributeError:
            session = self._new_session()
        return session

    def _new_session(self) -> Session:
        with self._sessions_lock:
            self.check_open()
            self._close_sessions_of_finished_threads()
            session = Session(self._open_connection())
            self._sessions.append(session)
        self._local.session = session
        return session

    def _close_sessions_of_finished_threads(self) -> None:
        """A thread's connection dies with it, so thread churn leaks no files."""
        live = []
        for session in self._sessions:
            if session.thread.is_alive():
                live.append(session)
            else:
                with contextlib.suppress(Error):
                    close_connection(session.connection)
        self._sessions = live

    def adopt(self, connection: apsw.Connection) -> None:
        """Use an already opened connection as the calling thread's session."""
        session = Session(connection)
        with self._sessions_lock:
            self._sessions.append(session)
        self._local.session = session

    def close(self) -> None:
        """Wait for calls in flight, then close every connection; idempotent."""
        with self._sessions_lock:
            self.closed = True
            sessions, self._sessions = self._sessions, []
        failed: Error | None = None
        for session in sessions:
            with session.lock:
                try:
                    close_connection(session.connection)
                except Error as error:
                    failed = failed or error
        if failed is not None:
            raise failed

    def _error(
        self,
        error: BaseException,
        session: Session | None = None,
        st: Statement | None = None,
        params: Params | None = None,
    ) -> Error:
        """The cwdb error for a driver exception, naming the field when it can.

        With the failed statement, its parameters and its session (still in
        the failed call's transaction), :func:`explain` may name the field and
        value behind the failure.
        """
        if session is not None and st is not None and params is not None:
            explained = explain(error, session.cursor, st.sql, params)
            if explained is not None:
                return explained
        return translate(error, busy_timeout_ms=self.busy_timeout_ms, database=self.database)

    # -- reads --------------------------------------------------------------

    def one(self, st: Statement, params: Params) -> Any:
        """The first row as a record (or first column), or None.

        Every read is drained with ``fetchall``: a cursor left mid-statement
        would keep its read snapshot (and, for RETURNING, the write lock).
        """
        if not st.verified:
            return st.first(self._verified_rows(st, params))
        try:
            session: Session = self._local.session
        except AttributeError:
            session = self._new_session()
        with session.lock:
            try:
                rows = session.cursor.execute(st.sql, params).fetchall()
            except DRIVER_ERRORS as error:
                raise self._error(error, session, st, params) from error
        if not rows:
            return None
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    def all(self, st: Statement, params: Params) -> list[Any]:
        """Every row, as records (or as their first column)."""
        if not st.verified:
            rows = self._verified_rows(st, params)
        else:
            try:
                session: Session = self._local.session
            except AttributeError:
                session = self._new_session()
            with session.lock:
                try:
                    rows = session.cursor.execute(st.sql, params).fetchall()
                except DRIVER_ERRORS as error:
                    raise self._error(error, session, st, params) from error
        map_rows = st.map_rows
        if map_rows is not None:
            return map_rows(rows)
        return [row[0] for row in rows]

    def _verified_rows(self, st: Statement, params: Params) -> list[Row]:
        """Run a read whose columns were not checked yet, and check them."""
        session = self.session()
        with session.lock:
            cursor = session.cursor
            try:
                cursor.execute(st.sql, params)
                st.verify(cursor)
                return cursor.fetchall()
            except DRIVER_ERRORS as error:
                raise self._error(error, session, st, params) from error

    def rows(self, st: Statement, params: Params) -> list[Row]:
        """Every row as a plain tuple (for results that are not records)."""
        session = self.session()
        with session.lock:
            try:
                return session.cursor.execute(st.sql, params).fetchall()
            except DRIVER_ERRORS as error:
                raise self._error(error, session, st, params) from error

    # -- writes -------------------------------------------------------------

    def write(self, st: Statement, params: Params) -> list[Row]:
        """Run one write statement atomically and return its drained rows."""
        return self._write(st, params)[0]

    def write_one(self, st: Statement, params: Params) -> Any:
        """A write returning one row (``RETURNING``): the record, or None."""
        return st.first(self._write(st, params)[0])

    def write_count(self, st: Statement, params: Params) -> int:
        """A write whose result is the number of rows it changed itself.

        SQLite's ``changes()``, read right after the statement: rows that
        foreign-key actions cascaded to are not counted.
        """
        return self._write(st, params)[1]

    def _write(self, st: Statement, params: Params) -> tuple[list[Row], int]:
        session = self.session()
        with session.lock:
            if session.depth:
                return self._write_in_savepoint(session, st, params)
            cursor = session.cursor
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except DRIVER_ERRORS as error:
                raise self._error(error) from error
            try:
                rows = self._run_write(session, st, params)
                changed = session.connection.changes()
                cursor.execute("COMMIT")
            except BaseException as error:
                failure = self._failure(error, session, st, params)
                self._abandon(session)
                if failure is not None:
                    raise failure from error
                raise
        return rows, changed

    @staticmethod
    def _run_write(session: Session, st: Statement, params: Params) -> list[Row]:
        cursor = session.cursor
        cursor.execute(st.sql, params)
        if not st.verified:
            st.verify(cursor)
        return cursor.fetchall()

    def _write_in_savepoint(
        self, session: Session, st: Statement, params: Params
    ) -> tuple[list[Row], int]:
        """Inside a transaction block: a failed call undoes only itself."""
        cursor = session.cursor
        try:
            cursor.execute("SAVEPOINT cwdb_call")
        except DRIVER_ERRORS as error:
            raise self._error(error) from error
        try:
            rows = self._run_write(session, st, params)
            changed = session.connection.changes()
            cursor.execute("RELEASE cwdb_call")
        except BaseException as error:
            failure = self._failure(error, session, st, params)
            self._undo_savepoint(session, "cwdb_call")
            if failure is not None:
                raise failure from error
            raise
        return rows, changed

    def _batch_error(
        self, error: BaseException, session: Session, st: Statement, param_sets: Iterable[Bindings]
    ) -> Error:
        """As :meth:`_error`, for the parameter set of a batch that failed."""
        if isinstance(param_sets, Sequence):
            for bindings in param_sets:
                params = (
                    dict(zip(st.query.params, bindings, strict=True))
                    if isinstance(bindings, tuple)
                    else bindings
                )
                explained = explain(error, session.cursor, st.sql, params)
                if explained is not None:
                    return explained
        return self._error(error)

    def _failure(
        self, error: BaseException, session: Session, st: Statement, params: Params
    ) -> Error | None:
        """A failed write's cwdb error, read before its transaction is undone."""
        if isinstance(error, DRIVER_ERRORS):
            return self._error(error, session, st, params)
        return None

    def write_batch(self, st: Statement, param_sets: Iterable[Bindings]) -> int:
        """Run one statement per parameter set, all in one transaction.

        A set is a mapping by name, or a tuple in the order in which the
        statement first names its parameters (``st.query.params``).
        """
        session = self.session()
        with session.lock, self.transaction():
            connection = session.connection
            before = connection.total_changes()
            try:
                for _ in session.cursor.executemany(st.sql, param_sets):
                    pass
            except DRIVER_ERRORS as error:
                raise self._batch_error(error, session, st, param_sets) from error
            return connection.total_changes() - before

    @staticmethod
    def _abandon(session: Session) -> None:
        """Roll back after a failure; keeps the failure, not a cleanup error."""
        # SQLite may already have rolled back itself, or the connection closed.
        with contextlib.suppress(apsw.Error):
            if session.connection.in_transaction:
                session.cursor.execute("ROLLBACK")

    @staticmethod
    def _undo_savepoint(session: Session, name: str) -> None:
        """Undo a savepoint after a failure; keeps the failure, not a cleanup error."""
        with contextlib.suppress(apsw.Error):
            session.cursor.execute(f"ROLLBACK TO {name}")
            session.cursor.execute(f"RELEASE {name}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (savepoints nest)."""
        session = self.session()
        with session.lock:
            if session.depth:
                yield from self._nested(session)
                return
            try:
                session.cursor.execute("BEGIN IMMEDIATE")
            except DRIVER_ERRORS as error:
                raise self._error(error) from error
            session.depth = 1
            try:
                yield
            except BaseException:
                session.depth = 0
                self._abandon(session)
                raise
            session.depth = 0
            try:
                session.cursor.execute("COMMIT")
            except DRIVER_ERRORS as error:
                self._abandon(session)
                raise self._error(error) from error

    def _nested(self, session: Session) -> Iterator[None]:
        cursor = session.cursor
        try:
            cursor.execute("SAVEPOINT cwdb_nested")
        except DRIVER_ERRORS as error:
            raise self._error(error) from error
        session.depth += 1
        try:
            yield
        except BaseException:
            session.depth -= 1
            self._undo_savepoint(session, "cwdb_nested")
            raise
        session.depth -= 1
        try:
            cursor.execute("RELEASE cwdb_nested")
        except DRIVER_ERRORS as error:
            raise self._error(error) from error


def _system_now() -> int:
    return time.time_ns() // 1_000_000
