"""Running named statements on SQLite: APSW's side of ``adapters/sessions.py``.

What is SQLite's own here: a session is an APSW connection with one reusable
cursor; a write outside a block is its own ``BEGIN IMMEDIATE`` transaction
(the write lock is taken before the statement reads anything, so a writer
never fails half-way to upgrade its lock), and so is every block; every
cursor is drained before the call returns (an undrained ``RETURNING`` cursor
would keep the write lock); apsw exceptions become cwdb errors here
(``translate``), naming the field behind a failure when the statement's
parameters tell (``explain``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import apsw

from cwdb.adapters.apsw.connection import close as close_connection
from cwdb.adapters.apsw.explain import explain
from cwdb.adapters.apsw.translate import DRIVER_ERRORS, translate
from cwdb.adapters.observe import SQLITE_COUNTERS
from cwdb.adapters.sessions import Bindings, Params, Session, SessionRunner
from cwdb.adapters.statements import Row, Statement
from cwdb.errors import Error

ApswSession = Session[apsw.Connection]
#: The id of cwdb's profile trace among a connection's ``trace_v2`` callbacks.
_PROFILE = "cwdb.observe"


class ApswRunner(SessionRunner[apsw.Connection]):
    """The shared runner over APSW connections (see the module doc)."""

    begin_write: ClassVar[str | None] = "BEGIN IMMEDIATE"
    begin_block: ClassVar[str] = "BEGIN IMMEDIATE"
    begin_locking: ClassVar[str] = "BEGIN IMMEDIATE"
    driver_errors = DRIVER_ERRORS
    profiles: ClassVar[bool] = True

    def __init__(
        self,
        open_connection: Callable[[], apsw.Connection],
        *,
        busy_timeout_ms: int,
        database: str,
    ) -> None:
        super().__init__(busy_timeout_ms=busy_timeout_ms, database=database)
        self._open_connection = open_connection

    @staticmethod
    def session_of(connection: apsw.Connection) -> ApswSession:
        """A session on an already opened connection (see ``adopt``)."""
        return Session(connection, connection.cursor())

    def _open(self) -> ApswSession:
        return self.session_of(self._open_connection())

    def _close(self, session: ApswSession) -> None:
        close_connection(session.connection)

    def _execute(self, session: ApswSession, st: Statement[Any], params: Bindings) -> list[Row]:
        # A tuple binds by position: SQLite numbers :name parameters in order
        # of first appearance (st.query.params), and skips a lookup by name.
        rows: list[Row] = session.cursor.execute(st.sql, params).fetchall()
        return rows

    def _run_command(self, session: ApswSession, sql: str) -> None:
        session.cursor.execute(sql)

    def _execute_profiled(
        self, session: ApswSession, st: Statement[Any], params: Bindings
    ) -> tuple[list[Row], dict[str, int] | None]:
        """Run one statement under SQLite's profile trace: its full-scan, sort and VM-step counts.

        The trace (``sqlite3_stmt_status`` read when the statement ends)
        costs ~2 µs a statement, so it is on only for this one run.
        """
        sql = st.sql
        counted: dict[str, int] = {}

        def profile(event: dict[str, Any]) -> None:
            if event["sql"] == sql:  # not a virtual table's own query
                status = event["stmt_status"]
                counted.update({field: status[key] for key, field in SQLITE_COUNTERS.items()})

        connection = session.connection
        connection.trace_v2(apsw.SQLITE_TRACE_PROFILE, profile, id=_PROFILE)
        try:
            rows = self._execute(session, st, params)
        finally:
            connection.trace_v2(0, None, id=_PROFILE)
        return rows, counted or None

    def _changed(self, session: ApswSession) -> int:
        # SQLite's changes(): rows that foreign-key actions cascaded to are not counted.
        changed: int = session.connection.changes()
        return changed

    def _execute_many(self, session: ApswSession, st: Statement[Any], sets: list[Bindings]) -> int:
        # Tuples bind positionally (SQLite numbers :name parameters in order of
        # first appearance), faster than a dict looked up by name.
        connection = session.connection
        before = connection.total_changes()
        for _ in session.cursor.executemany(st.sql, sets):
            pass
        return connection.total_changes() - before

    def _error(
        self,
        error: BaseException,
        session: ApswSession,
        st: Statement[Any] | None = None,
        param_sets: Iterable[Params] = (),
    ) -> Error:
        """The cwdb error for an apsw exception, naming the field when it can.

        With the failed statement, its parameters and its session (still in
        the failed call's transaction), :func:`explain` may name the field and
        value behind the failure.
        """
        if st is not None:
            for params in param_sets:
                explained = explain(error, session.cursor, st.sql, params)
                if explained is not None:
                    return explained
        failure = translate(error, busy_timeout_ms=self.busy_timeout_ms, database=self.database)
        return self._waited_for_own_block(failure)

    # -- for the Database's own tools ------------------------------------------

    def open_connection(self) -> apsw.Connection:
        """A new connection to the same database, outside every session; the caller closes it."""
        self.check_open()
        return self._open_connection()

    @contextmanager
    def separate_connection(self) -> Iterator[apsw.Connection]:
        """A new connection to the same database, outside every session, for the block.

        For work that must not run on a thread's own connection (an online
        backup must not copy this thread's open transaction). The calling
        thread's session is held meanwhile, so ``close()`` waits for the
        block like for any call in flight.
        """
        session = self.session()
        with session.lock:
            connection = self.open_connection()
            try:
                yield connection
            finally:
                close_connection(connection)
