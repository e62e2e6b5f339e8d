"""Running named statements: the hot path every adapter shares.

The runner runs a :class:`~cwdb.adapters.statements.Statement` on the
calling thread's session (``sessions.py``); the suffix of the statement's name
decides whether it takes the write lock, the caller the result shape. Every
write is its own ``BEGIN IMMEDIATE`` transaction, or a
savepoint when the thread is inside ``Database.transaction()``; every cursor
is drained before the call returns (an undrained ``RETURNING`` cursor would
keep the write lock); every driver exception is translated at this one
boundary (``translate.DRIVER_ERRORS``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import apsw

from cwdb._ids import new_id
from cwdb.adapters.apsw.explain import explain
from cwdb.adapters.apsw.sessions import Session, Sessions
from cwdb.adapters.apsw.translate import DRIVER_ERRORS, translate
from cwdb.adapters.runner import savepoint_level
from cwdb.adapters.statements import Queries, Row, Statement
from cwdb.errors import Error
from cwdb.records._codec import ms_from_time

__all__ = ["Queries", "Runner", "Statement"]

Params = Mapping[str, object]
R = TypeVar("R")
#: One parameter set of a batch: by name, or a tuple in ``query.params`` order.
Bindings = Params | tuple[object, ...]


class Runner(Sessions):
    """Runs statements on the calling thread's session (see module doc).

    The sessions (per-thread connections) are :class:`Sessions`'; a runner
    adds running statements and transactions on them, reading the
    thread-local session directly on the hot reads.
    """

    def __init__(
        self,
        open_connection: Callable[[], apsw.Connection],
        *,
        busy_timeout_ms: int,
        clock: Callable[[], datetime] | None,
        database: str,
    ) -> None:
        super().__init__(open_connection)
        self.busy_timeout_ms = busy_timeout_ms
        #: The path (or ``":memory:"``) that error messages name.
        self.database = database
        self.new_id = new_id
        self.store_time = ms_from_time
        if clock is None:
            self.now: Callable[[], int] = _system_now
        else:
            self.now = lambda: ms_from_time(clock(), "clock()")

    def _error(
        self,
        error: BaseException,
        session: Session | None = None,
        st: Statement[Any] | None = None,
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

    # -- running statements -----------------------------------------------
    #
    # The suffix of a statement's name decides how it runs: a write (``<!``,
    # ``!``, ``*!``) takes the write lock in its own transaction (or a
    # savepoint), a read does not. The caller only chooses the result shape.

    def one(self, st: Statement[R], params: Params) -> R | None:
        """The first row as a record (or its first column), or None.

        Every cursor is drained with ``fetchall``: one left mid-statement
        would keep its read snapshot (and, for RETURNING, the write lock).
        """
        if st.writes:
            rows = self._write(st, params)[0]
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
        if not rows:
            return None
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    def all(self, st: Statement[R], params: Params) -> list[R]:
        """Every row, as records (or as their first column).

        Unlike :meth:`one`, not inlined: the call costs nothing next to
        mapping a list of rows.
        """
        rows = self.rows(st, params)
        map_rows = st.map_rows
        if map_rows is not None:
            return map_rows(rows)
        return [row[0] for row in rows]

    def single(self, st: Statement[R], params: Params) -> R:
        """The row a statement always returns, as a record (or its first column).

        For an ``INSERT ... RETURNING`` and for a ``$`` aggregate, which
        always have their row.
        """
        rows = self._write(st, params)[0] if st.writes else self.rows(st, params)
        if not rows:
            raise Error(f"{st.query.qualified_name} returned no row")
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    def rows(self, st: Statement[Any], params: Params) -> list[Row]:
        """Every row as a plain tuple (for results that are not records).

        Reads and writes alike are drained with ``fetchall`` before the
        call returns.
        """
        if st.writes:
            return self._write(st, params)[0]
        session = self.session()
        with session.lock:
            try:
                return session.cursor.execute(st.sql, params).fetchall()
            except DRIVER_ERRORS as error:
                raise self._error(error, session, st, params) from error

    def write(self, st: Statement[Any], params: Params) -> None:
        """Run one write statement (``!``) atomically."""
        self._write(st, params)

    def write_count(self, st: Statement[Any], params: Params) -> int:
        """A write (``!``) whose result is the number of rows it changed itself.

        SQLite's ``changes()``, read right after the statement: rows that
        foreign-key actions cascaded to are not counted.
        """
        return self._write(st, params)[1]

    def _write(self, st: Statement[Any], params: Params) -> tuple[list[Row], int]:
        session = self.session()
        with session.lock:
            if session.depth:
                return self._write_in_savepoint(session, st, params)
            self._control(session, "BEGIN IMMEDIATE")
            try:
                rows = session.cursor.execute(st.sql, params).fetchall()
                changed = session.connection.changes()
                session.cursor.execute("COMMIT")
            except BaseException as error:
                failure = self._failure(error, session, st, params)
                self._abandon(session)
                if failure is not None:
                    raise failure from error
                raise
        return rows, changed

    def _write_in_savepoint(
        self, session: Session, st: Statement[Any], params: Params
    ) -> tuple[list[Row], int]:
        """Inside a transaction block: a failed call undoes only itself."""
        self._control(session, "SAVEPOINT cwdb_call")
        try:
            rows = session.cursor.execute(st.sql, params).fetchall()
            changed = session.connection.changes()
            session.cursor.execute("RELEASE cwdb_call")
        except BaseException as error:
            failure = self._failure(error, session, st, params)
            self._undo_savepoint(session, "cwdb_call")
            if failure is not None:
                raise failure from error
            raise
        return rows, changed

    def _failure(
        self, error: BaseException, session: Session, st: Statement[Any], params: Params
    ) -> Error | None:
        """A failed write's cwdb error, read before its transaction is undone."""
        if isinstance(error, DRIVER_ERRORS):
            return self._error(error, session, st, params)
        return None

    def _batch_error(
        self,
        error: BaseException,
        session: Session,
        st: Statement[Any],
        param_sets: Iterable[Bindings],
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

    def write_batch(self, st: Statement[Any], param_sets: Iterable[Bindings]) -> int:
        """Run a ``*!`` statement once per parameter set, all in one transaction.

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

    def _control(self, session: Session, sql: str) -> None:
        """Run a transaction-control statement; a failure is a cwdb error."""
        try:
            session.cursor.execute(sql)
        except DRIVER_ERRORS as error:
            raise self._error(error) from error

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
                yield from savepoint_level(session, self._control, self._undo_savepoint)
                return
            self._control(session, "BEGIN IMMEDIATE")
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


def _system_now() -> int:
    return time.time_ns() // 1_000_000
