"""Running named statements: the hot path every adapter shares.

The runner owns the per-thread connections of one ``Database`` and knows how
to run a :class:`Statement` for each result shape. Every write is its own
``BEGIN IMMEDIATE`` transaction, or a savepoint when the thread is inside
``Database.transaction()``; every cursor is drained before the call returns
(an undrained ``RETURNING`` cursor would keep the write lock); every apsw
exception is translated at this one boundary.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import apsw

from cwdb._ids import new_id
from cwdb.adapters.apsw.connection import close as close_connection
from cwdb.adapters.apsw.sqlfiles import Query, QueryFile
from cwdb.adapters.apsw.translate import translate
from cwdb.errors import Error
from cwdb.records._codec import ms_from_time, row_mapper
from cwdb.records._columns import columns_of

Params = Mapping[str, object]
Row = tuple[Any, ...]


class Statement:
    """A query bound to the record its rows become (or to its first column)."""

    __slots__ = ("expected", "mapper", "query", "sql", "verified")

    def __init__(self, query: Query, record: type | None) -> None:
        self.query = query
        self.sql = query.sql
        self.mapper: Callable[[Row], Any] | None = None
        self.expected: tuple[str, ...] | None = None
        if record is not None:
            self.mapper = _mapper_for(record)
            self.expected = tuple(c.name for c in columns_of(record))
        self.verified = record is None

    def verify(self, cursor: apsw.Cursor) -> None:
        """Check, once per statement, that the columns come in record order.

        The description is only known while the statement runs; a call that
        returned no rows leaves the check to the next one.
        """
        try:
            description = cursor.get_description()
        except apsw.ExecutionCompleteError:
            return
        names = tuple(d[0] for d in description)
        if names != self.expected:
            raise Error(
                f"{self.query.qualified_name} returns columns {names}, "
                f"but its record expects {self.expected}"
            )
        self.verified = True


_MAPPERS: dict[type, Callable[[Row], Any]] = {}


def _mapper_for(record: type) -> Callable[[Row], Any]:
    mapper = _MAPPERS.get(record)
    if mapper is None:
        mapper = _MAPPERS[record] = row_mapper(record)
    return mapper


class Queries:
    """One ``sql/`` file, handing out statements by name to one adapter."""

    def __init__(self, file: QueryFile, used: set[str] | None = None) -> None:
        self._file = file
        self._used = used

    def bind(self, name: str, record: type | None = None) -> Statement:
        query = self._file[name]
        if self._used is not None:
            self._used.add(query.qualified_name)
        return Statement(query, record)


class Session:
    """One thread's connection, its reusable cursor and its transaction depth."""

    __slots__ = ("connection", "cursor", "depth", "lock")

    def __init__(self, connection: apsw.Connection) -> None:
        self.connection = connection
        self.cursor = connection.cursor()
        # Held for the length of each call and each transaction block, so
        # that close() can wait for calls in flight on other threads.
        self.lock = threading.RLock()
        self.depth = 0


class Runner:
    """Runs statements on the calling thread's connection (see module doc)."""

    def __init__(
        self,
        open_connection: Callable[[], apsw.Connection],
        *,
        busy_timeout_ms: int,
        clock: Callable[[], datetime] | None,
    ) -> None:
        self._open_connection = open_connection
        self.busy_timeout_ms = busy_timeout_ms
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

    def open_connection(self) -> apsw.Connection:
        """A new connection to the same database, outside every session.

        For work that must not hold a thread's session: an online backup,
        tools that inspect the database. The caller closes it.
        """
        if self.closed:
            raise Error("the database is closed")
        return self._open_connection()

    def session(self) -> Session:
        try:
            session: Session = self._local.session
        except AttributeError:
            session = self._new_session()
        return session

    def _new_session(self) -> Session:
        with self._sessions_lock:
            if self.closed:
                raise Error("the database is closed")
            session = Session(self._open_connection())
            self._sessions.append(session)
        self._local.session = session
        return session

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

    def _error(self, error: BaseException) -> Error:
        return translate(error, busy_timeout_ms=self.busy_timeout_ms)

    # -- reads --------------------------------------------------------------

    def one(self, st: Statement, params: Params) -> Any:
        """The first row as a record (or first column), or None.

        Every read is drained with ``fetchall``: a cursor left mid-statement
        would keep its read snapshot (and, for RETURNING, the write lock).
        """
        if not st.verified:
            return self._first(self._verified_rows(st, params), st)
        try:
            session: Session = self._local.session
        except AttributeError:
            session = self._new_session()
        with session.lock:
            try:
                rows = session.cursor.execute(st.sql, params).fetchall()
            except apsw.Error as error:
                raise self._error(error) from error
        if not rows:
            return None
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    @staticmethod
    def _first(rows: list[Row], st: Statement) -> Any:
        if not rows:
            return None
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    def _verified_rows(self, st: Statement, params: Params) -> list[Row]:
        """Run a read whose columns were not checked yet, and check them."""
        session = self.session()
        with session.lock:
            cursor = session.cursor
            try:
                cursor.execute(st.sql, params)
                st.verify(cursor)
                return cursor.fetchall()
            except apsw.Error as error:
                raise self._error(error) from error

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
                except apsw.Error as error:
                    raise self._error(error) from error
        mapper = st.mapper
        if mapper is not None:
            return list(map(mapper, rows))
        return [row[0] for row in rows]

    def rows(self, st: Statement, params: Params) -> list[Row]:
        """Every row as a plain tuple (for results that are not records)."""
        session = self.session()
        with session.lock:
            try:
                return session.cursor.execute(st.sql, params).fetchall()
            except apsw.Error as error:
                raise self._error(error) from error

    # -- writes -------------------------------------------------------------

    def write(self, st: Statement, params: Params) -> list[Row]:
        """Run one write statement atomically and return its drained rows."""
        session = self.session()
        with session.lock:
            cursor = session.cursor
            if session.depth:
                return self._write_in_savepoint(session, st, params)
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except apsw.Error as error:
                raise self._error(error) from error
            try:
                cursor.execute(st.sql, params)
                if not st.verified:
                    st.verify(cursor)
                rows = cursor.fetchall()
                cursor.execute("COMMIT")
            except BaseException as error:
                self._abandon(session)
                if isinstance(error, apsw.Error):
                    raise self._error(error) from error
                raise
        return rows

    def _write_in_savepoint(self, session: Session, st: Statement, params: Params) -> list[Row]:
        cursor = session.cursor
        try:
            cursor.execute("SAVEPOINT cwdb_call")
            try:
                cursor.execute(st.sql, params)
                if not st.verified:
                    st.verify(cursor)
                rows = cursor.fetchall()
            except BaseException:
                cursor.execute("ROLLBACK TO cwdb_call")
                cursor.execute("RELEASE cwdb_call")
                raise
            cursor.execute("RELEASE cwdb_call")
        except apsw.Error as error:
            raise self._error(error) from error
        return rows

    def write_one(self, st: Statement, params: Params) -> Any:
        """A write returning one row (``RETURNING``): the record, or None."""
        rows = self.write(st, params)
        if not rows:
            return None
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    def write_count(self, st: Statement, params: Params) -> int:
        """A write whose result is the number of rows it changed."""
        session = self.session()
        with session.lock:
            before = session.connection.total_changes()
            self.write(st, params)
            return session.connection.total_changes() - before

    def write_batch(self, st: Statement, param_sets: Iterable[Params]) -> int:
        """Run one statement per parameter set, all in one transaction."""
        session = self.session()
        with session.lock, self.transaction():
            connection = session.connection
            before = connection.total_changes()
            try:
                for _ in session.cursor.executemany(st.sql, param_sets):
                    pass
            except apsw.Error as error:
                raise self._error(error) from error
            return connection.total_changes() - before

    @staticmethod
    def _abandon(session: Session) -> None:
        if not session.connection.in_transaction:
            return
        # SQLite may already have rolled the transaction back itself.
        with contextlib.suppress(apsw.Error):
            session.cursor.execute("ROLLBACK")

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
            except apsw.Error as error:
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
            except apsw.Error as error:
                self._abandon(session)
                raise self._error(error) from error

    def _nested(self, session: Session) -> Iterator[None]:
        cursor = session.cursor
        try:
            cursor.execute("SAVEPOINT cwdb_nested")
        except apsw.Error as error:
            raise self._error(error) from error
        session.depth += 1
        try:
            yield
        except BaseException:
            session.depth -= 1
            try:
                cursor.execute("ROLLBACK TO cwdb_nested")
                cursor.execute("RELEASE cwdb_nested")
            except apsw.Error as error:
                raise self._error(error) from error
            raise
        session.depth -= 1
        try:
            cursor.execute("RELEASE cwdb_nested")
        except apsw.Error as error:
            raise self._error(error) from error


def _system_now() -> int:
    return time.time_ns() // 1_000_000
