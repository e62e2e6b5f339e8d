"""Sessions and transactions, written once for every driver.

A ``Database`` may be shared by threads. Each thread gets a connection of its
own on its first call (a :class:`Session`), kept until ``close()`` or until
the thread ends; its lock is held for the length of every call and every
``transaction()`` block, so that ``close()`` waits for calls in flight.

:class:`SessionRunner` is the state machine every driver shares: the
transaction depth, which statement a call runs in (its own transaction, a
savepoint of the open block, or none), the transaction-control commands and
what undoes a failed level. A driver's runner (``apsw/runner.py``,
``psycopg/runner.py``) supplies only how to open, check, use and close one
connection, and how its exceptions become cwdb errors.

Where a driver pools its connections (PostgreSQL), a thread's session holds
no connection between calls: its ``lock`` is a lease (``psycopg/pool.py``)
that takes one from the pool for the call, or for the whole block, and gives
it back after. The state machine here is the same either way.

A block belongs to the unit of work that opened it: the thread, or the
asyncio task when the block was opened inside a coroutine. A call from
another coroutine of the same thread while the block is open would otherwise
run inside it (the connection is the thread's); it raises a ``cwdb.Error``
instead, having written nothing.
"""

from __future__ import annotations

import abc
import contextlib
import random
import threading
import time
from asyncio import current_task
from asyncio.events import _get_running_loop
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from time import perf_counter
from typing import Any, ClassVar, Final, Generic, TypeVar

from cwdb.adapters.observe import DEBUG, MODULES, OTEL_TRACE, Observer, debug_answer, listening
from cwdb.adapters.statements import Batch, Many, One, Row, Single, Statement, Write
from cwdb.errors import BusyError, Error, SerializationError

__all__ = ["Session", "SessionRunner"]

R = TypeVar("R")
C = TypeVar("C")
Params = Mapping[str, object]
#: One parameter set of a batch: by name, or a tuple in ``query.params`` order.
Bindings = Params | tuple[object, ...]

#: The savepoint of one call inside a block, and of a nested block.
_CALL: Final = "cwdb_call"
_NESTED: Final = "cwdb_nested"


#: The block open in this context, and the thread it runs on: a thread that
#: inherits the context (``asyncio.to_thread`` inside a block) sees it, so a
#: lock timeout there can say that the lock is held by its own block.
_OPEN_BLOCK: ContextVar[tuple[object, threading.Thread] | None] = ContextVar(
    "cwdb_open_block", default=None
)


def unit_of_work() -> object | None:
    """Who owns a block opened now: the running asyncio task, or None for the thread itself."""
    loop = _get_running_loop()
    return None if loop is None else current_task(loop)


class Session(Generic[C]):
    """One thread's connection, its cursor, and the state of its transaction."""

    __slots__ = ("broken", "connection", "cursor", "depth", "lock", "owner", "thread", "usable")

    def __init__(
        self,
        connection: C,
        cursor: Any,
        usable: Callable[[], bool] | None = None,
        lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        self.connection = connection
        self.cursor = cursor
        # Held for the length of each call and each transaction block, so
        # that close() can wait for calls in flight on other threads; a
        # pooled session's lock also takes and gives back its connection.
        self.lock: AbstractContextManager[Any] = lock or threading.RLock()
        #: 0 outside a block; 1 in the outermost block, more in nested ones.
        self.depth = 0
        #: The unit of work whose block is open (see :func:`unit_of_work`).
        self.owner: object | None = None
        #: Set when the connection was lost inside a block: every call fails until it ends.
        self.broken = False
        self.thread = threading.current_thread()
        #: A cheap check that an idle connection still works, where the driver has one.
        self.usable = usable


class SessionRunner(abc.ABC, Generic[C]):
    """Runs named statements on the calling thread's session (see the module doc).

    The suffix of a statement's name decides whether it writes. A write
    outside a block is atomic on its own: a transaction begun with
    :attr:`begin_write`, or, where that is None, the statement alone (the
    driver runs in autocommit, retrying :attr:`retryable` failures within the
    busy timeout). Inside a block each write is a savepoint, so a failed call
    undoes only itself.
    """

    #: Begins a write outside a block, or None: the statement is its own transaction.
    begin_write: ClassVar[str | None]
    #: Begins the outermost ``transaction()`` level.
    begin_block: ClassVar[str]
    #: Begins the outermost level of a block that takes its own locks before it
    #: decides (the library's own multi-statement calls, ``own_locks=True``).
    begin_locking: ClassVar[str]
    #: Whether every read inside a block needs a savepoint to leave the block usable
    #: after it fails (PostgreSQL aborts the whole transaction on any failure).
    #: Failures of statements outside a block that are worth running again.
    retryable: ClassVar[tuple[type[BaseException], ...]] = ()
    #: What the driver raises while binding or running a statement.
    driver_errors: ClassVar[tuple[type[BaseException], ...]]
    #: Whether :meth:`_execute_profiled` reads the database's counters of a statement.
    profiles: ClassVar[bool] = False

    def __init__(self, *, busy_timeout_ms: int, database: str) -> None:
        self.busy_timeout_ms = busy_timeout_ms
        #: The path, ``":memory:"`` or redacted URL that error messages name.
        self.database = database
        self._local = threading.local()
        self._sessions: list[Session[C]] = []
        self._sessions_lock = threading.Lock()
        self.closed = False
        #: What watches the statements run here (``observe.py``).
        self.observer = Observer(profiles=self.profiles)

    # -- what a driver supplies -------------------------------------------------

    @abc.abstractmethod
    def _open(self) -> Session[C]:
        """A new session on a new connection."""

    @abc.abstractmethod
    def _close(self, session: Session[C]) -> None:
        """Close a session's connection (a cwdb error if that fails)."""

    @abc.abstractmethod
    def _execute(self, session: Session[C], st: Statement[Any], params: Bindings) -> list[Row]:
        """Run one statement (``st.sql``); its rows, drained (none for a statement without rows).

        ``params`` are by name, or a tuple in ``st.query.params`` order.
        """

    @abc.abstractmethod
    def _run_command(self, session: Session[C], sql: str) -> None:
        """Run a transaction-control statement (no parameters, no rows)."""

    @abc.abstractmethod
    def _changed(self, session: Session[C]) -> int:
        """The rows the statement just run changed itself."""

    @abc.abstractmethod
    def _execute_many(self, session: Session[C], st: Statement[Any], sets: list[Bindings]) -> int:
        """Run a statement once per parameter set; the rows changed."""

    @abc.abstractmethod
    def _error(
        self,
        error: BaseException,
        session: Session[C],
        st: Statement[Any] | None = None,
        param_sets: Iterable[Params] = (),
    ) -> Error:
        """The cwdb error of a driver exception, naming the field when the parameters tell."""

    def _waited_for_own_block(self, failure: Error) -> Error:
        """A lock timeout of a call made from inside this process's own open block.

        A call that a block hands to another thread (``asyncio.to_thread``
        inside ``transaction()``) runs on that thread's connection and waits
        for the lock the block itself holds: it can only time out. Say so.
        """
        opened = _OPEN_BLOCK.get()
        if not isinstance(failure, BusyError) or opened is None:
            return failure
        runner, thread = opened
        if runner is not self or thread is threading.current_thread():
            return failure
        return type(failure)(
            f"{failure}; the lock is held by this process's own open transaction() block "
            f"(on thread {thread.name!r}), which this call was made from on another thread "
            "(e.g. asyncio.to_thread inside the block): it waits for itself. Make the call "
            "on the block's own thread, or outside the block"
        )

    def _execute_profiled(
        self, session: Session[C], st: Statement[Any], params: Bindings
    ) -> tuple[list[Row], dict[str, int] | None]:
        """Run one statement, with what the database counted of its cost, where it tells."""
        return self._execute(session, st, params), None

    def _block_begun(self, session: Session[C]) -> None:
        """Runs right after the outermost ``begin_block``."""

    # -- sessions -----------------------------------------------------------------

    def check_open(self) -> None:
        """Raise ``cwdb.Error`` when the database is closed (for calls that skip SQL)."""
        if self.closed:
            raise Error("the database is closed")

    def session(self) -> Session[C]:
        """The calling thread's session; a new one if the connection stopped working."""
        try:
            session: Session[C] = self._local.session
        except AttributeError:
            return self._new_session(None)
        usable = session.usable
        if usable is not None and not session.depth and not usable():
            return self._new_session(session)
        return session

    def _new_session(self, old: Session[C] | None) -> Session[C]:
        with self._sessions_lock:
            self.check_open()
            if old is not None:
                with contextlib.suppress(ValueError):
                    self._sessions.remove(old)
                self._close_quietly(old)
            self._close_sessions_of_finished_threads()
        session = self._open()
        with self._sessions_lock:
            if self.closed:
                self._close_quietly(session)
                self.check_open()
            self._sessions.append(session)
        self._local.session = session
        return session

    def _close_sessions_of_finished_threads(self) -> None:
        """A thread's connection dies with it, so thread churn leaks no connections."""
        live = []
        for session in self._sessions:
            if session.thread.is_alive():
                live.append(session)
            else:
                self._close_quietly(session)
        self._sessions = live

    def _close_quietly(self, session: Session[C]) -> None:
        with contextlib.suppress(Error):
            self._close(session)

    def adopt(self, session: Session[C]) -> None:
        """Use an already opened session as the calling thread's."""
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
                    self._close(session)
                except Error as error:
                    failed = failed or error
        if failed is not None:
            raise failed

    def in_transaction(self) -> bool:
        """Whether the calling thread is inside a ``transaction()`` block."""
        return self.session().depth > 0

    @contextmanager
    def held_connection(self) -> Iterator[C]:
        """The calling thread's connection, its session held for the block."""
        session = self.session()
        with session.lock:
            yield session.connection

    # -- running statements -------------------------------------------------------

    def one(self, st: One[R], params: Bindings) -> R | None:
        """The first row as a record (or its first column), or None."""
        rows = self._rows(st, params)
        if not rows:
            return None
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    def all(self, st: Many[R], params: Bindings) -> list[R]:
        """Every row, as records (or as their first column)."""
        rows = self._rows(st, params)
        map_rows = st.map_rows
        if map_rows is not None:
            return map_rows(rows)
        return [row[0] for row in rows]

    def single(self, st: Single[R], params: Bindings) -> R:
        """The row a statement always returns (``INSERT ... RETURNING``, a ``$`` aggregate)."""
        rows = self._rows(st, params)
        if not rows:
            raise Error(f"{st.query.qualified_name} returned no row")
        mapper = st.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]

    def rows(self, st: Many[Any], params: Bindings) -> list[Row]:
        """Every row as a plain tuple (for results that are not records)."""
        return self._rows(st, params)

    def write(self, st: Write, params: Bindings) -> None:
        """Run one write statement (``!``) atomically."""
        self._rows(st, params)

    def write_count(self, st: Write, params: Bindings) -> int:
        """A write (``!``); the number of rows it changed itself (not cascaded rows)."""
        return self._run(st, params)[1]

    def _rows(self, st: Statement[Any], params: Bindings) -> list[Row]:
        """The rows of one statement: :meth:`_run` for the calls that want only those.

        Written out again for speed: :meth:`session` is inlined (but for a
        session whose connection is checked before use: PostgreSQL's), and so
        is :meth:`_statement`'s path when nothing listens (the driver's call
        between two clock reads). Two Python calls and a tuple less are ~2%
        of ``find_by_id`` (``scripts/bench_instructions.py``).
        """
        try:
            session: Session[C] = self._local.session
        except AttributeError:
            session = self._new_session(None)
        else:
            if session.usable is not None:
                session = self.session()
        with session.lock:
            if session.depth:
                return self._in_block(session, st, params)[0]
            if st.writes and self.begin_write is not None:
                return self._in_own_transaction(session, st, params)[0]
            slow_s = self.observer.quiet_slow_s
            try:
                # DEBUG is off and OpenTelemetry was never imported (two dict
                # reads), or else listening() says so after a closer look.
                if (
                    slow_s is None
                    or st.watched
                    or ((debug_answer(DEBUG) is not False or OTEL_TRACE in MODULES) and listening())
                ):
                    return self._statement(session, st, params)
                start = perf_counter()
                rows = self._execute(session, st, params)
                elapsed = perf_counter() - start
                if elapsed >= slow_s:
                    self._slow(session, st, rows, round(elapsed * 1e9))
                return rows
            except self.retryable as error:
                failure: BaseException = error
            except self.driver_errors as error:
                raise self._error(error, session, st, _by_name(st, (params,))) from error
        return self._retry(st, params, failure)[0]

    def _run(self, st: Statement[Any], params: Bindings) -> tuple[list[Row], int]:
        """Run one statement where it belongs: in the open block, its own transaction, or alone.

        Its rows, and the rows it changed where it writes (else -1).
        """
        session = self.session()
        with session.lock:
            if session.depth:
                return self._in_block(session, st, params)
            if st.writes and self.begin_write is not None:
                return self._in_own_transaction(session, st, params)
            try:
                rows = self._statement(session, st, params)
                return rows, self._changed(session) if st.writes else -1
            except self.retryable as error:
                failure: BaseException = error
            except self.driver_errors as error:
                raise self._error(error, session, st, _by_name(st, (params,))) from error
        return self._retry(st, params, failure)

    def _retry(
        self, st: Statement[Any], params: Bindings, failure: BaseException
    ) -> tuple[list[Row], int]:
        """Run a statement that lost a deadlock or serialization race again, until the timeout."""
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        attempt = 0
        while True:
            attempt += 1
            if time.monotonic() >= deadline:
                raise self._error(failure, self.session()) from failure
            _pause(attempt, deadline)
            session = self.session()
            with session.lock:
                if session.depth:
                    return self._in_block(session, st, params)
                try:
                    rows = self._statement(session, st, params)
                    return rows, self._changed(session) if st.writes else -1
                except self.retryable as error:
                    failure = error
                except self.driver_errors as error:
                    raise self._error(error, session, st, _by_name(st, (params,))) from error

    def _in_own_transaction(
        self, session: Session[C], st: Statement[Any], params: Bindings
    ) -> tuple[list[Row], int]:
        assert self.begin_write is not None
        self._control(session, self.begin_write)
        try:
            rows = self._statement(session, st, params)
            changed = self._changed(session)
            self._command(session, "COMMIT")
        except BaseException as error:
            # The error is read (and explained) before its transaction is undone.
            failure = self._failure(error, session, st, params)
            self._quietly(session, "ROLLBACK")
            if failure is not None:
                raise failure from error
            raise
        return rows, changed

    def _in_block(
        self, session: Session[C], st: Statement[Any], params: Bindings
    ) -> tuple[list[Row], int]:
        """Inside a block: a failed write undoes only itself (a savepoint)."""
        self._check_block(session)
        if not st.writes:
            try:
                return self._statement(session, st, params), -1
            except self.driver_errors as error:
                raise self._error(error, session, st, _by_name(st, (params,))) from error
        self._control(session, f"SAVEPOINT {_CALL}")
        try:
            rows = self._statement(session, st, params)
            changed = self._changed(session)
            self._command(session, f"RELEASE {_CALL}")
        except BaseException as error:
            failure = self._failure(error, session, st, params)
            self._undo_savepoint(session, _CALL)
            if failure is not None:
                raise failure from error
            raise
        return rows, changed

    # -- the one path of every statement, and where it is observed (observe.py) ------

    def _statement(self, session: Session[C], st: Statement[Any], params: Bindings) -> list[Row]:
        """Run a named statement; what listens is told (see ``observe.py``).

        When nothing listens this is the driver's call between two clock
        reads (none with ``slow_query_ms=None``).
        """
        observer = self.observer
        # Nothing listens: DEBUG is off and OpenTelemetry was never imported
        # (two dict reads), or else listening() says so after a closer look.
        if (
            observer.quiet
            and not st.watched
            and ((debug_answer(DEBUG) is False and OTEL_TRACE not in MODULES) or not listening())
        ):
            slow_s = observer.slow_s
            if slow_s is None:
                return self._execute(session, st, params)
            start = perf_counter()
            rows = self._execute(session, st, params)
            elapsed = perf_counter() - start
            if elapsed >= slow_s:
                self._slow(session, st, rows, round(elapsed * 1e9))
            return rows
        return self._observed(session, st, params)

    # The closures handed to Observer.run live in methods of their own: Python
    # makes a function's cells when it is called, used or not (~50
    # instructions each, 10 per update(status) when they sat in the callers).

    def _observed(self, session: Session[C], st: Statement[Any], params: Bindings) -> list[Row]:
        """:meth:`_statement` when something listens."""

        def run() -> tuple[list[Row], int, dict[str, int] | None]:
            if st.watched:
                rows, counters = self._execute_profiled(session, st, params)
            else:
                rows, counters = self._execute(session, st, params), None
            return rows, self._count(session, st, rows), counters

        observed: list[Row] = self.observer.run(self, st.query.qualified_name, st.query, run, st)
        return observed

    def _slow(self, session: Session[C], st: Statement[Any], rows: list[Row], elapsed: int) -> None:
        """A statement took ``slow_query_ms`` or longer: its WARNING; profiled from now on."""
        self.observer.slow(st.query.qualified_name, elapsed, self._count(session, st, rows), None)
        st.watched = self.profiles

    def _count(self, session: Session[C], st: Statement[Any], rows: list[Row]) -> int:
        """The rows a statement returned, or for a write that returns none, changed."""
        return len(rows) if st.query.shape.returns_rows else self._changed(session)

    def _batch(self, session: Session[C], st: Statement[Any], sets: list[Bindings]) -> int:
        """Run a ``*!`` statement once per parameter set, observed as one statement."""
        observer = self.observer
        if observer.quiet and (
            (debug_answer(DEBUG) is False and OTEL_TRACE not in MODULES) or not listening()
        ):
            slow_s = observer.slow_s
            if slow_s is None:
                return self._execute_many(session, st, sets)
            start = perf_counter()
            changed = self._execute_many(session, st, sets)
            elapsed = perf_counter() - start
            if elapsed >= slow_s:
                observer.slow(st.query.qualified_name, round(elapsed * 1e9), changed, None)
            return changed
        return self._observed_batch(session, st, sets)

    def _observed_batch(self, session: Session[C], st: Statement[Any], sets: list[Bindings]) -> int:
        """:meth:`_batch` when something listens."""

        def run() -> tuple[int, int, None]:
            changed = self._execute_many(session, st, sets)
            return changed, changed, None

        result: int = self.observer.run(self, st.query.qualified_name, st.query, run)
        return result

    def _command(self, session: Session[C], sql: str) -> None:
        """Run a transaction-control command (``COMMIT``), observed under its own text."""
        observer = self.observer
        if observer.quiet and (
            (debug_answer(DEBUG) is False and OTEL_TRACE not in MODULES) or not listening()
        ):
            slow_s = observer.slow_s
            if slow_s is None:
                self._run_command(session, sql)
                return
            start = perf_counter()
            self._run_command(session, sql)
            elapsed = perf_counter() - start
            if elapsed >= slow_s:
                observer.slow(sql, round(elapsed * 1e9), 0, None)
            return
        self._observed_command(session, sql)

    def _observed_command(self, session: Session[C], sql: str) -> None:
        """:meth:`_command` when something listens."""

        def run() -> tuple[None, int, None]:
            self._run_command(session, sql)
            return None, 0, None

        self.observer.run(self, sql, None, run)

    def write_batch(self, st: Batch, param_sets: Iterable[Bindings]) -> int:
        """A ``*!`` statement once per parameter set, in one transaction; the rows changed.

        A set is a mapping by name, or a tuple in the order in which the
        statement first names its parameters (``st.query.params``).
        """
        sets = param_sets if isinstance(param_sets, list) else list(param_sets)
        session = self.session()
        with session.lock, self.transaction():
            try:
                return self._batch(session, st, sets)
            except self.driver_errors as error:
                raise self._error(error, session, st, _by_name(st, sets)) from error

    def _failure(
        self, error: BaseException, session: Session[C], st: Statement[Any], params: Bindings
    ) -> Error | None:
        if isinstance(error, self.driver_errors):
            return self._error(error, session, st, _by_name(st, (params,)))
        return None

    # -- transactions ---------------------------------------------------------------

    @contextmanager
    def transaction(self, *, own_locks: bool = False) -> Iterator[None]:
        """All writes inside commit together or not at all; nested levels are savepoints.

        ``own_locks``: the block locks what it decides on itself (a row, a
        keyed lock, a unique index), so it begins with :attr:`begin_locking`.
        """
        session = self.session()
        with session.lock:
            if session.depth:
                self._check_owner(session)
                yield from self._nested(session)
                return
            with self.observer.block():
                self._control(session, self.begin_locking if own_locks else self.begin_block)
                session.depth = 1
                session.owner = unit_of_work()
                opened = _OPEN_BLOCK.set((self, threading.current_thread()))
                try:
                    self._block_begun(session)
                    yield
                except BaseException:
                    _OPEN_BLOCK.reset(opened)
                    self._end_block(session)
                    self._quietly(session, "ROLLBACK")
                    raise
                _OPEN_BLOCK.reset(opened)
                try:
                    self._check_block(session)
                    self._command(session, "COMMIT")
                except self.driver_errors as error:
                    self._quietly(session, "ROLLBACK")
                    raise self._error(error, session) from error
                finally:
                    self._end_block(session)

    def replay(self, fn: Callable[[], R], *, own_locks: bool = False) -> R:
        """``fn()`` in a block, run again while the database refuses the block for a conflict.

        A :class:`SerializationError` (the driver's: PostgreSQL's serialization
        failure or deadlock inside a block) rolls the block back; ``fn`` runs
        again after a short random pause until ``busy_timeout_ms`` is spent,
        then the call is a :class:`BusyError`. Inside an open block this is a
        savepoint, run once: the outermost block is what can be replayed.
        """
        if self.in_transaction():
            with self.transaction(own_locks=own_locks):
                return fn()
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        attempt = 0
        while True:
            attempt += 1
            try:
                with self.transaction(own_locks=own_locks):
                    return fn()
            except SerializationError as error:
                if time.monotonic() >= deadline:
                    raise replays_spent(error, attempt, self.busy_timeout_ms) from error
            _pause(attempt, deadline)

    def _nested(self, session: Session[C]) -> Iterator[None]:
        self._control(session, f"SAVEPOINT {_NESTED}")
        session.depth += 1
        try:
            yield
        except BaseException:
            session.depth -= 1
            self._undo_savepoint(session, _NESTED)
            raise
        session.depth -= 1
        self._control(session, f"RELEASE {_NESTED}")

    @staticmethod
    def _end_block(session: Session[C]) -> None:
        session.depth = 0
        session.owner = None
        session.broken = False

    def _check_owner(self, session: Session[C]) -> None:
        """A block is joined only by the unit of work that opened it."""
        if session.owner is not unit_of_work():
            raise Error(
                "this thread's connection is inside a transaction() block opened by "
                "another asyncio task; a Database serves one unit of work per thread at a "
                "time: use cwdb.connect_async in coroutines, or run the call in a thread "
                "(nothing was written)"
            )

    def _check_block(self, session: Session[C]) -> None:
        """Inside a block: only its owner may run, and not on a lost connection."""
        if session.owner is not None or _get_running_loop() is not None:
            self._check_owner(session)
        if session.broken:
            raise Error(
                f"the connection to {self.database!r} was lost inside transaction(): "
                "the transaction was rolled back"
            )

    def _control(self, session: Session[C], sql: str) -> None:
        """Run a transaction-control statement; a failure is a cwdb error."""
        if session.depth:
            self._check_block(session)
        try:
            self._command(session, sql)
        except self.driver_errors as error:
            raise self._error(error, session) from error

    def _quietly(self, session: Session[C], sql: str) -> None:
        """Undo after a failure: keeps the failure, not a cleanup error."""
        with contextlib.suppress(*self.driver_errors, Error):
            self._command(session, sql)

    def _undo_savepoint(self, session: Session[C], name: str) -> None:
        with contextlib.suppress(*self.driver_errors, Error):
            self._command(session, f"ROLLBACK TO {name}")
            self._command(session, f"RELEASE {name}")


def _by_name(st: Statement[Any], sets: Sequence[Bindings]) -> list[Params]:
    """Parameter sets by name (a batch's, or one statement's), to explain a failure."""
    names = st.query.params
    return [
        dict(zip(names, bindings, strict=True)) if isinstance(bindings, tuple) else bindings
        for bindings in sets
    ]


#: The longest pause between two attempts of a statement that lost a race.
_MAX_PAUSE: Final = 0.05


def _pause(attempt: int, deadline: float) -> None:
    """Sleep :func:`backoff` (the sync runner's; the async ones await the same pause)."""
    time.sleep(backoff(attempt, deadline))


def backoff(attempt: int, deadline: float) -> float:
    """The short random pause, in seconds, before running a lost race again.

    The server breaks a deadlock by failing one statement; the other
    transaction is woken to take the locks it waited for. Run again at once,
    the failed statement can take one of them first, and the same deadlock
    forms again, costing another ``deadlock_timeout`` (1 s by default). A
    pause of a few milliseconds, growing and randomised, lets the survivor
    go first (and keeps retrying serialization failures from moving in step).
    """
    span = min(_MAX_PAUSE, 0.002 * 2 ** (attempt - 1))  # 1-2 ms, then 2-4 ms, ... 25-50 ms
    pause = span / 2 + random.uniform(0, span / 2)  # noqa: S311 -- jitter, not a secret
    waited: float = max(0.0, min(pause, deadline - time.monotonic()))
    return waited


def replays_spent(error: SerializationError, attempt: int, busy_timeout_ms: int) -> BusyError:
    """The error of a block refused until the busy timeout was spent (sync and async replay)."""
    return BusyError(
        f"{error} (ran {attempt} times; busy_timeout_ms={busy_timeout_ms} "
        "spent, nothing of the last attempt was written)"
    )
