"""Watching the statements cwdb runs: the ``cwdb.sql`` log, slow statements, capture, tracing.

Every statement passes one of three methods of ``SessionRunner``
(``sessions.py``): ``_statement`` (a named query), ``_batch`` (a ``*!`` query
once per parameter set) and ``_command`` (transaction control). Each asks
this module, before the statement runs, whether anything listens:

* a ``DEBUG`` level on the logger ``cwdb.sql`` (one record per statement);
* a ``db.capture()`` block open on that database (any thread);
* an OpenTelemetry tracer or meter provider set (``otel.py``; the
  ``otel`` extra);
* a named statement that ran slow on SQLite before (see :class:`Observer`).

When nothing does, the statement runs between two ``perf_counter_ns()``
reads (about 45 ns each), and only a statement that took ``slow_query_ms``
or longer does anything more: a WARNING. With ``slow_query_ms=None`` it
runs with no clock read at all. The question itself is :func:`listening`,
a dictionary read or two (see there), measured with the clock reads in
``scripts/bench_observe.py``.

The asyncio runners ask the same: ``psycopg/async_runner.py`` (its
``_statement``, ``_batch`` and ``_command``, awaited through
:meth:`Observer.arun`), and ``aio/threaded.py``, which runs the sync runner
on worker threads in the calling task's context.

When something listens, :meth:`Observer.run` times the statement, counts its
rows and hands the result to each listener. No listener is ever given the
statement's parameters: a record, a capture and a span name a query
(``tasks.update__status``), never its values, and the database as its path
or its URL without the password (``Database.path``).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from cwdb.adapters.otel import Telemetry
    from cwdb.adapters.sqlfiles import Query
    from cwdb.adapters.statements import Statement

__all__ = [
    "DEBUG",
    "MODULES",
    "OTEL_TRACE",
    "SQL_LOG",
    "Captured",
    "Observer",
    "check_slow_query_ms",
    "count_connections",
    "debug_answer",
    "listening",
]

#: The logger of every statement (DEBUG) and of slow ones (WARNING).
SQL_LOG: Final = logging.getLogger("cwdb.sql")
_DEBUG: Final = logging.DEBUG
#: ``logging`` keeps each logger's ``isEnabledFor`` answers in a dict it
#: empties whenever a level changes anywhere (``Manager._clear_cache``).
#: Reading it directly costs ~20 ns against ~45 ns for the call; a missing
#: answer (emptied, or a newer Python without the dict) falls back to the
#: call, which fills it again.
_LEVEL_ANSWERS: Final[dict[int, bool]] = (
    _cache if isinstance(_cache := getattr(SQL_LOG, "_cache", None), dict) else {}
)
#: ``debug_answer(DEBUG) is False``: DEBUG is off for ``cwdb.sql`` (None: not known).
debug_answer = _LEVEL_ANSWERS.get
DEBUG: Final = logging.DEBUG
#: ``OTEL_TRACE not in MODULES``: no OpenTelemetry provider can be set.
MODULES: Final = sys.modules
OTEL_TRACE: Final = "opentelemetry.trace"
_module = sys.modules.get
_OTEL_TRACE: Final = OTEL_TRACE
_NO_SPAN: Final = nullcontext()


class Captured(NamedTuple):
    """One statement run inside ``db.capture()``."""

    #: The query's name (``tasks.find_by_id``), or the command (``COMMIT``).
    name: str
    #: How long it ran, in milliseconds.
    duration_ms: float
    #: Rows it returned; for a write that returns none, rows it changed;
    #: None when it failed.
    rows: int | None


#: The observer whose ``transaction()`` span an asyncio block opened on its task,
#: in the context the block's sync twin runs in on a worker thread
#: (``aio/threaded.py``): that sync block opens no second span.
_SPANNED_BLOCK: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "cwdb_spanned_block", default=None
)

#: The ``db.capture()`` blocks open in the current context: (runner, list) pairs.
_CAPTURES: contextvars.ContextVar[tuple[tuple[object, list[Captured]], ...]] = (
    contextvars.ContextVar("cwdb_captures", default=())
)


def listening() -> bool:
    """Whether DEBUG is on for ``cwdb.sql`` or an OpenTelemetry provider is set.

    Called before every statement. OpenTelemetry is only looked at once
    ``opentelemetry.trace`` is imported (a provider cannot be set before),
    so without the extra this is two dictionary reads.
    """
    answer = debug_answer(_DEBUG)
    if answer is None:
        answer = SQL_LOG.isEnabledFor(_DEBUG)
    if answer:
        return True
    trace = _module(_OTEL_TRACE)
    return trace is not None and _otel_set(trace)


def _otel_set(trace: Any) -> bool:
    """A tracer provider or a meter provider was set (``set_tracer_provider``...)."""
    if getattr(trace, "_TRACER_PROVIDER", None) is not None:
        return True
    metrics = _module("opentelemetry.metrics._internal")
    return metrics is not None and getattr(metrics, "_METER_PROVIDER", None) is not None


def check_slow_query_ms(slow_query_ms: object) -> None:
    """``slow_query_ms`` is None, or a number of milliseconds, 0 or more."""
    from cwdb.errors import ValidationError

    if slow_query_ms is None:
        return
    if type(slow_query_ms) not in (int, float) or not 0 <= slow_query_ms < float("inf"):  # type: ignore[operator]
        raise ValidationError(
            f"slow_query_ms: expected a number of milliseconds, 0 or more, or None, "
            f"got {slow_query_ms!r}"
        )


class Observer:
    """What watches the statements of one database (see the module doc).

    ``quiet`` is False while a ``capture()`` block is open on the database;
    the statement path then takes :meth:`run`. A named statement that took
    ``slow_query_ms`` or longer on SQLite is *watched* from then on
    (``Statement.watched``): SQLite's counters for one statement (full-scan
    steps, sorts, VM steps) are only read by a profile trace, which costs
    ~2 µs a statement, so it is put on that statement's runs only. The first
    slow WARNING of a query names its duration and rows; the following ones
    carry the counters too.
    """

    def __init__(self, *, profiles: bool = False) -> None:
        #: Whether the driver reads a statement's counters (``_execute_profiled``).
        self.profiles = profiles
        #: ``sqlite`` or ``postgresql`` (OpenTelemetry's ``db.system.name``).
        self.dialect = "sqlite"
        #: The database a record names: a path, or a URL without its password.
        self.database = ""
        #: The database's name on its server (``db.namespace``), or its path.
        self.namespace = ""
        #: ``slow_query_ms`` in nanoseconds, or None: no slow warnings.
        self.slow_ns: int | None = 100_000_000
        #: ``slow_query_ms`` in seconds (``perf_counter()``'s unit: a float pair
        #: of clock reads costs ~20 ns less than ``perf_counter_ns()``'s ints).
        self.slow_s: float | None = 0.1
        #: ``slow_s`` while no capture is open, else None: the one attribute the
        #: hottest path reads (``SessionRunner._rows``).
        self.quiet_slow_s: float | None = self.slow_s
        self._slow_query_ms: float | None = 100
        #: ``server.address`` and ``server.port`` of a PostgreSQL server, from its URL.
        self.server: dict[str, object] = {}
        #: The span attributes of each statement, made once (``otel.py``).
        self.span_attributes: dict[str, dict[str, Any]] = {}
        self.quiet = True
        self._captures = 0
        self._lock = threading.Lock()
        self._telemetry: Telemetry | None = None

    def configure(self, dialect: str, database: str) -> None:
        """Name the database: its dialect, and its path or its URL without the password."""
        self.dialect = dialect
        self.database = database
        self.namespace = database
        if dialect == "postgresql":
            parts = urlsplit(database)
            self.namespace = parts.path.lstrip("/")
            with contextlib.suppress(ValueError):
                if parts.hostname:
                    self.server["server.address"] = parts.hostname
                if parts.port is not None:
                    self.server["server.port"] = parts.port

    @property
    def slow_query_ms(self) -> float | None:
        return self._slow_query_ms

    @slow_query_ms.setter
    def slow_query_ms(self, value: float | None) -> None:
        check_slow_query_ms(value)
        self._slow_query_ms = value
        self.slow_ns = None if value is None else round(value * 1e6)
        self.slow_s = None if value is None else value / 1000
        self._refresh()

    def _refresh(self) -> None:
        self.quiet_slow_s = self.slow_s if self.quiet else None

    # -- capture ------------------------------------------------------------------

    @contextmanager
    def capture(self, runner: object) -> Iterator[list[Captured]]:
        """Collect the statements ``runner`` runs in this context (``Database.capture``)."""
        found: list[Captured] = []
        token = _CAPTURES.set((*_CAPTURES.get(), (runner, found)))
        with self._lock:
            self._captures += 1
            self.quiet = False
            self._refresh()
        try:
            yield found
        finally:
            _CAPTURES.reset(token)
            with self._lock:
                self._captures -= 1
                self.quiet = not self._captures
                self._refresh()

    # -- the statement path when something listens --------------------------------------

    def run(
        self,
        runner: object,
        name: str,
        query: Query | None,
        execute: Callable[[], tuple[Any, int, dict[str, int] | None]],
        statement: Statement[Any] | None = None,
    ) -> Any:
        """Run ``execute`` (result, rows, SQLite counters) and tell every listener.

        A slow ``statement`` is watched from then on, where the driver profiles.
        """
        debug = SQL_LOG.isEnabledFor(_DEBUG)
        telemetry = self._otel()
        span = None if telemetry is None else telemetry.start(name, query, self)
        start = perf_counter_ns()
        try:
            result, rows, counters = execute()
        except BaseException as error:
            elapsed = perf_counter_ns() - start
            self._failed(runner, name, elapsed, error, debug)
            if telemetry is not None and span is not None:
                telemetry.failed(
                    span, name=name, query=query, observer=self, elapsed=elapsed, error=error
                )
            raise
        elapsed = perf_counter_ns() - start
        if debug:
            self._debug(name, elapsed, rows)
        self._capture(runner, name, elapsed, rows)
        if telemetry is not None and span is not None:
            telemetry.ended(span, name=name, query=query, observer=self, elapsed=elapsed, rows=rows)
        if self.slow_ns is not None and elapsed >= self.slow_ns:
            self.slow(name, elapsed, rows, counters)
            if statement is not None:
                statement.watched = self.profiles
        return result

    def _otel(self) -> Telemetry | None:
        trace = _module(_OTEL_TRACE)
        if trace is None or not _otel_set(trace):
            return None
        from cwdb.adapters.otel import current

        self._telemetry = telemetry = current(self._telemetry)
        return telemetry

    def block(self) -> AbstractContextManager[object]:
        """The span of a ``transaction()`` block, parent of its statements' spans."""
        if _SPANNED_BLOCK.get() is self:
            return _NO_SPAN
        telemetry = self._otel()
        return _NO_SPAN if telemetry is None else telemetry.block(self)

    def _fields(self, name: str, elapsed: int, rows: int | None) -> dict[str, object]:
        return {
            "query_name": name,
            "dialect": self.dialect,
            "database": self.database,
            "duration_ms": round(elapsed / 1e6, 3),
            "rows": rows,
        }

    def _debug(self, name: str, elapsed: int, rows: int) -> None:
        fields = self._fields(name, elapsed, rows)
        SQL_LOG.debug(
            "%s: %s ms, rows %s (%s)",
            name,
            fields["duration_ms"],
            rows,
            self.dialect,
            extra=fields,
        )

    def _failed(
        self, runner: object, name: str, elapsed: int, error: BaseException, debug: bool
    ) -> None:
        # The error's type only: a driver's message may quote a value.
        self._capture(runner, name, elapsed, None)
        if debug:
            fields = self._fields(name, elapsed, None)
            fields["error_type"] = _qualified(type(error))
            SQL_LOG.debug(
                "%s: failed after %s ms with %s (%s)",
                name,
                fields["duration_ms"],
                fields["error_type"],
                self.dialect,
                extra=fields,
            )

    def _capture(self, runner: object, name: str, elapsed: int, rows: int | None) -> None:
        for owner, found in _CAPTURES.get():
            if owner is runner:
                found.append(Captured(name, elapsed / 1e6, rows))

    def slow(
        self, name: str, elapsed: int, rows: int | None, counters: dict[str, int] | None
    ) -> None:
        """The WARNING of a statement that took ``slow_query_ms`` or longer."""
        fields = self._fields(name, elapsed, rows)
        fields["slow_query_ms"] = self.slow_query_ms
        cost = ""
        if counters is not None:
            fields.update(counters)
            cost = "; " + ", ".join(f"{key.replace('_', ' ')} {counters[key]}" for key in counters)
        SQL_LOG.warning(
            "slow statement %s: %s ms (slow_query_ms %s), rows %s (%s)%s",
            name,
            fields["duration_ms"],
            fields["slow_query_ms"],
            rows,
            self.dialect,
            cost,
            extra=fields,
        )

    # -- the asyncio runners (appended: the sync path above is measured as it is) ---

    async def arun(
        self,
        runner: object,
        name: str,
        query: Query | None,
        execute: Callable[[], Awaitable[tuple[Any, int]]],
    ) -> Any:
        """:meth:`run` for a statement awaited on the event loop: ``await execute()``.

        ``execute`` gives the result and its row count; the listeners are told
        as :meth:`run` tells them (no SQLite counters: the asyncio runner
        is PostgreSQL's). The span is started in the awaiting task's context,
        so the task's open ``transaction()`` span is its parent.
        """
        telemetry = self._otel()
        span = None if telemetry is None else telemetry.start(name, query, self)
        start = perf_counter_ns()
        try:
            result, rows = await execute()
        except BaseException as error:
            elapsed = perf_counter_ns() - start
            self._failed(runner, name, elapsed, error, SQL_LOG.isEnabledFor(_DEBUG))
            if telemetry is not None and span is not None:
                telemetry.failed(
                    span, name=name, query=query, observer=self, elapsed=elapsed, error=error
                )
            raise
        self._told(runner, name, query, span=span, elapsed=perf_counter_ns() - start, rows=rows)
        return result

    def _told(
        self, runner: object, name: str, query: Query | None, *, span: Any, elapsed: int, rows: int
    ) -> None:
        """What :meth:`arun` tells each listener of a statement that ran."""
        if SQL_LOG.isEnabledFor(_DEBUG):
            self._debug(name, elapsed, rows)
        self._capture(runner, name, elapsed, rows)
        telemetry = self._telemetry
        if telemetry is not None and span is not None:
            telemetry.ended(span, name=name, query=query, observer=self, elapsed=elapsed, rows=rows)
        if self.slow_ns is not None and elapsed >= self.slow_ns:
            self.slow(name, elapsed, rows, None)

    def spanned_elsewhere(self) -> None:
        """This context's ``transaction()`` already has its span: :meth:`block` opens none.

        Called in the context an asyncio block runs its sync twin in, on a
        worker thread, after the block's span was opened on its task
        (``aio/threaded.py``): the statements' spans then have one parent.
        """
        _SPANNED_BLOCK.set(self)


#: SQLite's per-statement counters in a slow WARNING: APSW's key, the record's field.
SQLITE_COUNTERS: Final = {
    "SQLITE_STMTSTATUS_FULLSCAN_STEP": "full_scan_steps",
    "SQLITE_STMTSTATUS_SORT": "sorts",
    "SQLITE_STMTSTATUS_AUTOINDEX": "autoindex_rows",
    "SQLITE_STMTSTATUS_VM_STEP": "vm_steps",
}


def _qualified(kind: type) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


# -- connection pools (OpenTelemetry's db.client.connection.* metrics, otel.py) ---------


class CountedPool(Protocol):
    """What a pool tells of its connections (``psycopg_pool``'s sync and async pools)."""

    @property
    def closed(self) -> bool: ...

    def get_stats(self) -> dict[str, int]: ...


#: The pools whose connections are counted, while they live: each with its name.
POOLS: Final[weakref.WeakKeyDictionary[CountedPool, str]] = weakref.WeakKeyDictionary()
_POOLS_LOCK: Final = threading.Lock()


def count_connections(pool: CountedPool, name: str) -> str:
    """Count ``pool``'s connections, idle and used, when a meter provider is set.

    The pool is named ``name`` in the metrics (``db.client.connection.pool.name``,
    the database's URL without its password), with `` #2``... when an open
    pool has that name already; the name is returned. The instruments are
    made once per meter provider, when one is set (here or at a statement,
    ``otel.py``): without one, nothing of OpenTelemetry is imported.
    """
    with _POOLS_LOCK:
        for closed in [other for other in POOLS if other.closed]:
            del POOLS[closed]
        taken = set(POOLS.values())
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = f"{name} #{n}"
        POOLS[pool] = unique
    trace = _module(_OTEL_TRACE)
    if trace is not None and _otel_set(trace):
        from cwdb.adapters.otel import count_pools

        count_pools()
    return unique


def pool_counts() -> list[tuple[str, int, int, int]]:
    """Each open counted pool: its name, idle and used connections, and its most."""
    with _POOLS_LOCK:
        pools = list(POOLS.items())
    counts = []
    for pool, name in pools:
        if pool.closed:
            continue
        stats = pool.get_stats()
        idle = stats.get("pool_available", 0)
        counts.append((name, idle, stats.get("pool_size", 0) - idle, stats.get("pool_max", 0)))
    return counts
