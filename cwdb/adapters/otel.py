"""OpenTelemetry spans and metrics of cwdb's statements (the ``otel`` extra).

Imported by ``observe.py`` only once a tracer or meter provider is set, so
``import cwdb`` imports nothing of OpenTelemetry, and a process without a
provider pays nothing for it.

Each statement is a CLIENT span named by its query (``tasks.find_by_id``; a
transaction-control command by its text, ``COMMIT``), with the stable
database semantic conventions: ``db.system.name``, ``db.namespace``,
``db.operation.name``, ``db.collection.name`` (when the statement names one
table), ``db.query.summary`` (the query's name), ``db.query.text`` (the SQL
of its file, placeholders and all: never a value),
``db.response.returned_rows`` and, when it fails, ``error.type`` (the
driver's exception class; on PostgreSQL also ``db.response.status_code``,
the SQLSTATE). The exception's message is not recorded: a driver's message
may quote a value. A ``transaction()`` block is the span
``cwdb.transaction``, parent of the spans of its statements. Every
statement's duration goes to the histogram ``db.client.operation.duration``
in seconds.

The connection pools of PostgreSQL databases (``observe.count_connections``)
are counted by the observable up-down counters ``db.client.connection.count``
(attribute ``db.client.connection.state``: ``idle``, waiting in the pool, or
``used``: the pool's other connections, lent or still opening) and
``db.client.connection.max``, each with ``db.client.connection.pool.name``,
made once per meter provider and read when the provider collects.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.trace import Span, SpanKind, StatusCode

from cwdb.adapters.observe import pool_counts

if TYPE_CHECKING:
    from cwdb.adapters.observe import Observer
    from cwdb.adapters.sqlfiles import Query

__all__ = ["Telemetry", "count_pools", "current"]

#: The buckets the semantic conventions advise for ``db.client.operation.duration``.
_BUCKETS: Final = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10)
_OPERATION: Final = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_TABLE: Final = re.compile(
    r"\b(?:FROM|JOIN|INTO|UPDATE)\s+(?!\()([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE
)
_NOT_TABLES: Final = frozenset(
    {"select", "json_each", "unnest", "lateral", "jsonb_array_elements_text"}
)


def _version() -> str:
    from cwdb import __version__

    return __version__


class Telemetry:
    """The tracer and the duration histogram of one pair of providers."""

    def __init__(self) -> None:
        version = _version()
        self.providers = _providers()
        self.tracer = trace.get_tracer("cwdb", version)
        meter = metrics.get_meter("cwdb", version)
        self.duration = meter.create_histogram(
            "db.client.operation.duration",
            unit="s",
            description="Duration of database client operations.",
            explicit_bucket_boundaries_advisory=_BUCKETS,
        )
        count_pools()

    def start(self, name: str, query: Query | None, observer: Observer) -> Span:
        return self.tracer.start_span(
            name, kind=SpanKind.CLIENT, attributes=_attributes(name, query, observer)
        )

    def ended(
        self,
        span: Span,
        *,
        name: str,
        query: Query | None,
        observer: Observer,
        elapsed: int,
        rows: int,
    ) -> None:
        if query is not None and query.shape.returns_rows:
            span.set_attribute("db.response.returned_rows", rows)
        span.end()
        self.duration.record(elapsed / 1e9, _metric_attributes(name, query, observer))

    def failed(
        self,
        span: Span,
        *,
        name: str,
        query: Query | None,
        observer: Observer,
        elapsed: int,
        error: BaseException,
    ) -> None:
        failure = _failure(error)
        span.set_attributes(failure)
        span.set_status(StatusCode.ERROR)
        span.end()
        self.duration.record(
            elapsed / 1e9, {**_metric_attributes(name, query, observer), **failure}
        )

    @contextmanager
    def block(self, observer: Observer) -> Iterator[Span]:
        """The span of a ``transaction()`` block, current while it is open."""
        attributes = {"db.system.name": observer.dialect, "db.namespace": observer.namespace}
        with self.tracer.start_as_current_span(
            "cwdb.transaction",
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except BaseException as error:
                span.set_attribute("error.type", _qualified(type(error)))
                span.set_status(StatusCode.ERROR)
                raise


def current(telemetry: Telemetry | None) -> Telemetry:
    """``telemetry`` if made for the providers set now, else a new one."""
    if telemetry is not None and telemetry.providers == _providers():
        return telemetry
    return Telemetry()


def _providers() -> tuple[int, int]:
    return id(trace.get_tracer_provider()), id(metrics.get_meter_provider())


def _attributes(name: str, query: Query | None, observer: Observer) -> dict[str, Any]:
    """A statement's span attributes, made once per statement and database."""
    cache = observer.span_attributes
    found = cache.get(name)
    if found is None:
        sql = name if query is None else query.sql
        found = {
            "db.system.name": observer.dialect,
            "db.namespace": observer.namespace,
            "db.query.summary": name,
            "db.query.text": sql,
        }
        operation = _OPERATION.search(sql) if query is not None else None
        found["db.operation.name"] = (
            operation.group(1).upper() if operation is not None else sql.split(None, 1)[0].upper()
        )
        tables = {t.lower() for t in _TABLE.findall(sql)} - _NOT_TABLES
        if query is not None and len(tables) == 1:
            found["db.collection.name"] = tables.pop()
        found.update(observer.server)
        cache[name] = found
    return found


def _metric_attributes(name: str, query: Query | None, observer: Observer) -> dict[str, Any]:
    attributes = dict(_attributes(name, query, observer))
    del attributes["db.query.text"]
    return attributes


def _failure(error: BaseException) -> dict[str, Any]:
    """What a span says of a failure: the exception's class, the SQLSTATE; never its message."""
    failure: dict[str, Any] = {"error.type": _qualified(type(error))}
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        failure["db.response.status_code"] = sqlstate
    return failure


def _qualified(kind: type) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


#: The meter providers that count pools already (instruments are made once per provider).
_COUNTING: weakref.WeakSet[Any] = weakref.WeakSet()
_COUNTING_LOCK: Final = threading.Lock()
_POOL_NAME: Final = "db.client.connection.pool.name"


def count_pools() -> None:
    """Make the pool instruments on the meter provider set now, once (see the module doc)."""
    from opentelemetry.metrics import _internal

    provider = _internal._METER_PROVIDER  # noqa: SLF001 -- None: no provider set, count nothing
    if provider is None:
        return
    with _COUNTING_LOCK:
        if provider in _COUNTING:
            return
        _COUNTING.add(provider)
    meter = provider.get_meter("cwdb", _version())
    meter.create_observable_up_down_counter(
        "db.client.connection.count",
        callbacks=[_connection_count],
        unit="{connection}",
        description="The number of connections that are currently in state described by "
        "the state attribute.",
    )
    meter.create_observable_up_down_counter(
        "db.client.connection.max",
        callbacks=[_connection_max],
        unit="{connection}",
        description="The maximum number of open connections allowed.",
    )


def _connection_count(options: CallbackOptions) -> Iterable[Observation]:
    for name, idle, used, _ in pool_counts():
        yield Observation(idle, {_POOL_NAME: name, "db.client.connection.state": "idle"})
        yield Observation(used, {_POOL_NAME: name, "db.client.connection.state": "used"})


def _connection_max(options: CallbackOptions) -> Iterable[Observation]:
    for name, _, _, most in pool_counts():
        yield Observation(most, {_POOL_NAME: name})
