"""Observability from coroutines (docs/reference.md §10, §11), and the pools' connection metrics.

The ``db`` tests of tests/test_observe.py and tests/test_otel.py run through
the asyncio API already (their ``[*-async]`` cases). Here, what only a
coroutine shows: a ``capture()`` is the calling task's (and, on SQLite, is
seen on the worker thread that runs the statement), a block opened inside a
task's own span is that span's child, and the PostgreSQL pools'
``db.client.connection.*`` metrics, sync and async.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from opentelemetry import trace
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import cwdb
from cwdb.adapters.observe import Captured
from tests.support import tracer
from tests.support.helpers import READY_TASKS
from tests.support.otel import PASSWORD, Telemetry

tracer.allow_queries(READY_TASKS)


@pytest_asyncio.fixture
async def adb(target: str) -> AsyncIterator[cwdb.AsyncDatabase]:
    async with cwdb.connect_async(target, busy_timeout_ms=2000) as database:
        yield database


def names(captured: list[Captured]) -> list[str]:
    return [c.name for c in captured]


def begin(db: cwdb.AsyncDatabase) -> str:
    return "BEGIN IMMEDIATE" if db.dialect.name == "sqlite" else "BEGIN"


# -- capture() in a coroutine ------------------------------------------------------------


@pytest.mark.asyncio
async def test_capture_holds_the_calling_tasks_statements_not_another_tasks(
    adb: cwdb.AsyncDatabase,
) -> None:
    initiative = await adb.initiatives.create(name="i")
    started, release = asyncio.Event(), asyncio.Event()

    async def other_task() -> None:
        started.set()
        await release.wait()
        await adb.initiatives.find_all()

    with adb.capture() as captured:
        # Started before the capture's context would be inherited: another task's reads.
        other = asyncio.get_running_loop().create_task(other_task(), context=_empty_context())
        await started.wait()
        release.set()
        await adb.initiatives.find_by_id(initiative.id)
        await other
    assert names(captured) == ["initiatives.find_by_id"]
    assert captured[0].rows == 1


def _empty_context() -> Any:
    import contextvars

    return contextvars.Context()


@pytest.mark.asyncio
async def test_a_task_started_inside_the_capture_is_in_it(adb: cwdb.AsyncDatabase) -> None:
    with adb.capture() as captured:
        await asyncio.gather(adb.initiatives.find_all(), adb.phases.find_all())
    assert sorted(names(captured)) == ["initiatives.find_all", "phases.find_all"]


@pytest.mark.asyncio
async def test_a_capture_inside_a_block_sees_its_statements_and_an_outer_one_its_commands(
    adb: cwdb.AsyncDatabase,
) -> None:
    with adb.capture() as outer:
        async with adb.transaction():
            with adb.capture() as inner:
                made = await adb.initiatives.create(name="i")
                await adb.initiatives.find_by_id(made.id)
    # Each write inside a block is a savepoint of its own.
    assert names(inner) == [
        "SAVEPOINT cwdb_call",
        "initiatives.create",
        "RELEASE cwdb_call",
        "initiatives.find_by_id",
    ]
    assert names(outer)[0].startswith(begin(adb))
    assert names(outer)[-1] == "COMMIT"
    assert names(outer)[-len(inner) - 1 : -1] == names(inner)


@pytest.mark.asyncio
async def test_update_is_one_statement_and_insert_chunks_one_batch(adb: cwdb.AsyncDatabase) -> None:
    initiative = await adb.initiatives.create(name="i")
    stage = await adb.phases.create(initiative_id=initiative.id, name="p")
    task = await adb.tasks.create(phase_id=stage.id, name="t")
    agent = await adb.agents.create(name="a", worktree_id="wt")
    with adb.capture() as updated:
        await adb.tasks.update(task.id, status=cwdb.TaskStatus.IN_PROGRESS)
    assert [c.name for c in updated if "." in c.name] == ["tasks.update__status"]
    chunks = [{"agent_id": agent.id, "agent_name": "a", "content": f"l{i}"} for i in range(20)]
    with adb.capture() as inserted:
        assert await adb.log_chunks.insert_chunks(chunks) == 20
    assert [(c.name, c.rows) for c in inserted if "." in c.name] == [
        ("log_chunks.insert_chunks", 20)
    ]


@pytest.mark.asyncio
async def test_slow_query_ms_is_settable_on_the_async_database(target: str) -> None:
    async with cwdb.connect_async(target, slow_query_ms=None) as db:
        assert db.slow_query_ms is None
        db.slow_query_ms = 7
        assert db.slow_query_ms == 7
        with pytest.raises(cwdb.ValidationError, match="slow_query_ms"):
            db.slow_query_ms = -1  # type: ignore[assignment]
        assert db.dialect.name in ("sqlite", "postgresql")


# -- spans -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_block_in_a_tasks_span_is_its_child_and_the_parent_of_its_statements(
    adb: cwdb.AsyncDatabase, otel: Telemetry
) -> None:
    tracer = trace.get_tracer("the-application")
    with tracer.start_as_current_span("handle-request") as request_span:
        async with adb.transaction():
            made = await adb.initiatives.create(name="i")
            await adb.phases.create(initiative_id=made.id, name="p")
    (block,) = otel.named("cwdb.transaction")
    assert block.parent is not None
    assert block.parent.span_id == request_span.get_span_context().span_id
    inside = [s for s in otel.finished() if s.parent is not None and s is not block]
    inside = [s for s in inside if s.name != "handle-request"]
    assert {"initiatives.create", "phases.create", "COMMIT"} <= {s.name for s in inside}
    assert any(s.name.startswith(begin(adb)) for s in inside)
    assert all(s.parent.span_id == block.context.span_id for s in inside)  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_two_tasks_blocks_are_two_spans_each_with_its_own_statements(
    adb: cwdb.AsyncDatabase, otel: Telemetry
) -> None:
    async def block(name: str) -> None:
        async with adb.transaction():
            await adb.initiatives.create(name=name)

    await asyncio.gather(block("a"), block("b"))
    blocks = otel.named("cwdb.transaction")
    assert len(blocks) == 2
    creates = otel.named("initiatives.create")
    assert sorted(s.parent.span_id for s in creates) == sorted(  # type: ignore[union-attr]
        b.context.span_id for b in blocks
    )


@pytest.mark.asyncio
async def test_load_queries_bound_queries_are_awaited_observed_and_named(
    adb: cwdb.AsyncDatabase, otel: Telemetry
) -> None:
    initiative = await adb.initiatives.create(name="i")
    stage = await adb.phases.create(initiative_id=initiative.id, name="p")
    await adb.tasks.create(phase_id=stage.id, name="t")
    count_ready = adb.load_queries(READY_TASKS).single("count_ready", int)
    with adb.capture() as captured:
        assert await count_ready(phase_id=stage.id) == 1
    assert names(captured) == ["ready_tasks.count_ready"]
    (span,) = otel.named("ready_tasks.count_ready")
    assert span.attributes["db.query.summary"] == "ready_tasks.count_ready"  # type: ignore[index]
    with pytest.raises(cwdb.Error, match="no query named 'nope'"):
        adb.load_queries(READY_TASKS).many("nope", cwdb.Task)  # binding needs no await


# -- the pools' connection metrics -----------------------------------------------------


def _connections(reader: InMemoryMetricReader, pool: str) -> dict[str, int]:
    """``{"idle": n, "used": n, "max": n}`` of the pool named ``pool``, as collected now."""
    data = reader.get_metrics_data()
    assert data is not None
    found: dict[str, int] = {}
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    attributes = dict(point.attributes or {})
                    if attributes.get("db.client.connection.pool.name") != pool:
                        continue
                    if metric.name == "db.client.connection.count":
                        found[str(attributes["db.client.connection.state"])] = int(point.value)
                    elif metric.name == "db.client.connection.max":
                        found["max"] = int(point.value)
    return found


@pytest.mark.asyncio
@pytest.mark.parametrize("target", ["postgresql"], indirect=True)
async def test_the_async_pool_counts_idle_and_used_connections_and_its_most(
    target: str, otel: Telemetry
) -> None:
    # One connection at most: the pool cannot be opening another meanwhile.
    async with cwdb.connect_async(target, migrate=False, max_connections=1) as db:
        name = db.path
        await db.initiatives.find_all()
        assert _connections(otel.metrics, name) == {"idle": 1, "used": 0, "max": 1}
        async with db.transaction():
            await db.initiatives.find_all()
            assert _connections(otel.metrics, name) == {"idle": 0, "used": 1, "max": 1}
        assert _connections(otel.metrics, name) == {"idle": 1, "used": 0, "max": 1}
    assert _connections(otel.metrics, name) == {}  # a closed pool is no longer counted


@pytest.mark.parametrize("target", ["postgresql"], indirect=True)
def test_the_sync_pool_counts_its_connections_and_two_pools_have_two_names(
    target: str, otel: Telemetry
) -> None:
    with (
        cwdb.connect(target, migrate=False, max_connections=1) as db,
        cwdb.connect(target, migrate=False, max_connections=4) as other,
    ):
        db.initiatives.find_all()
        with db.transaction():
            db.initiatives.find_all()
            assert _connections(otel.metrics, db.path) == {"idle": 0, "used": 1, "max": 1}
        assert _connections(otel.metrics, db.path) == {"idle": 1, "used": 0, "max": 1}
        # Two pools on one URL: the second is told apart by a number.
        assert _connections(otel.metrics, f"{other.path} #2")["max"] == 4
    assert _connections(otel.metrics, db.path) == {}


def test_a_url_password_is_not_in_the_pool_name(
    request: pytest.FixtureRequest, otel: Telemetry
) -> None:
    url = request.getfixturevalue("pg_suite").url
    with_password = url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@")
    assert PASSWORD in with_password
    with cwdb.connect(with_password, migrate=False, max_connections=1) as db:
        db.initiatives.find_all()
        assert _connections(otel.metrics, db.path)["max"] == 1
        data = otel.metrics.get_metrics_data()
        assert data is not None
        assert PASSWORD not in data.to_json()
