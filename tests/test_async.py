"""The asyncio API's own promises (docs/reference.md §10), on both backends.

The repository behaviour runs through ``connect_async`` in the repository
tests' ``[sqlite-async]``/``[postgresql-async]`` cases; here: opening, task
ownership of blocks, cancellation at every await, pool exhaustion, shutdown
without ``aclose()``, and the event loop's lag while 100 tasks write.
SQLite runs on a file (WAL), as an application's would.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

import cwdb
from tests.support import helpers, pg_tracer

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def adb(target: str) -> AsyncIterator[cwdb.AsyncDatabase]:
    async with cwdb.connect_async(target, busy_timeout_ms=2000) as database:
        yield database


async def names(db: cwdb.AsyncDatabase) -> list[str]:
    return sorted(i.name for i in await db.initiatives.find_all())


# -- opening ---------------------------------------------------------------------------


async def test_connect_async_is_awaitable_and_closes(target: str) -> None:
    db = await cwdb.connect_async(target)
    made = await db.initiatives.create(name="x")
    assert await db.initiatives.find_by_id(made.id) == made
    assert await db.schema_version() is not None
    await db.aclose()
    await db.aclose()  # idempotent
    with pytest.raises(cwdb.Error, match="closed"):
        await db.initiatives.find_all()


async def test_the_api_md_example_runs(adb: cwdb.AsyncDatabase) -> None:
    initiative = await adb.initiatives.create(name="i")
    stage = await adb.phases.create(initiative_id=initiative.id, name="p")
    task = await adb.tasks.create(phase_id=stage.id, name="Toggle")
    async with adb.transaction():
        await adb.tasks.update(task.id, status="in_progress")
        await adb.agents.create(name="builder-1", worktree_id="wt-1", task_id=task.id)

    async def reassign(task_id: str) -> cwdb.Task:
        return await adb.tasks.update(task_id, status="pending")

    assert (await adb.run_transaction(reassign, task.id)).status == "pending"
    assert (await adb.agents.find_by_task_id(task.id)) is not None


async def test_iter_by_agent_id_is_an_async_iterator(adb: cwdb.AsyncDatabase) -> None:
    chunks = [{"agent_id": "a", "agent_name": "n", "content": str(n)} for n in range(5)]
    assert await adb.log_chunks.insert_chunks(chunks) == 5
    got = [c.content async for c in adb.log_chunks.iter_by_agent_id("a", batch_size=2)]
    assert got == ["0", "1", "2", "3", "4"]


# -- blocks belong to tasks ------------------------------------------------------------


async def test_two_tasks_blocks_never_merge(adb: cwdb.AsyncDatabase) -> None:
    """Issue 19's two coroutines, on the async API: B's block waits for A's, apart from it."""
    inside, b_started = asyncio.Event(), asyncio.Event()

    async def a() -> None:
        with pytest.raises(RuntimeError):
            async with adb.transaction():
                await adb.initiatives.create(name="A")
                inside.set()
                await b_started.wait()
                await asyncio.sleep(0.05)  # B is waiting for the lock, or running
                raise RuntimeError("A changed its mind")

    async def b() -> None:
        await inside.wait()
        b_started.set()
        async with adb.transaction():
            await adb.initiatives.create(name="B1")
            await adb.initiatives.create(name="B2")

    await asyncio.gather(a(), b())
    assert await names(adb) == ["B1", "B2"]


async def test_a_child_task_does_not_join_its_parents_block(adb: cwdb.AsyncDatabase) -> None:
    async with adb.transaction():
        made = await adb.initiatives.create(name="uncommitted")
        seen_by_child = await asyncio.create_task(adb.initiatives.find_by_id(made.id))
        assert await adb.initiatives.find_by_id(made.id) == made
    assert seen_by_child is None


async def test_nested_blocks_are_savepoints(adb: cwdb.AsyncDatabase) -> None:
    async with adb.transaction():
        await adb.initiatives.create(name="outer")
        with pytest.raises(RuntimeError):
            async with adb.transaction():
                await adb.initiatives.create(name="inner")
                raise RuntimeError
        await adb.initiatives.create(name="after")
    assert await names(adb) == ["after", "outer"]


# -- cancellation ------------------------------------------------------------------------


async def _cancel_after(steps: int, work: Callable[[], Awaitable[None]]) -> bool:
    """Run ``work``, cancel it after ``steps`` loop iterations; whether it finished first."""
    task = asyncio.create_task(work())
    for _ in range(steps):
        if task.done():
            break
        await asyncio.sleep(0)
    finished = task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return finished and not task.cancelled()


async def test_a_block_cancelled_at_any_await_writes_all_or_nothing(
    adb: cwdb.AsyncDatabase,
) -> None:
    rounds = 0

    async def block() -> None:
        async with adb.transaction():
            for name in ("a", "b", "c"):
                await adb.initiatives.create(name=name)

    for steps in range(5000):
        rounds += 1
        finished = await _cancel_after(steps, block)
        count = len(await adb.initiatives.find_all())
        assert count % 3 == 0, f"cancelled after {steps} loop iterations: {count} rows"
        if finished:
            break
    else:
        pytest.fail("the block never finished")
    assert rounds > 3
    # Nothing was left holding the write lock or a connection: a block still commits.
    async with adb.transaction():
        await adb.initiatives.create(name="last")
    assert len(await adb.initiatives.find_all()) % 3 == 1


async def test_a_single_call_cancelled_at_any_await_commits_whole_or_not(
    adb: cwdb.AsyncDatabase,
) -> None:
    owner = await adb.initiatives.create(name="o")
    chunks = [{"agent_id": "a", "agent_name": "n", "content": "x"}] * 50

    async def call() -> None:
        await adb.log_chunks.insert_chunks(chunks)

    for steps in range(5000):
        finished = await _cancel_after(steps, call)
        count = len(await adb.log_chunks.find_by_agent_id("a"))
        assert count % 50 == 0, f"cancelled after {steps} loop iterations: {count} chunks"
        if finished:
            break
    assert await adb.initiatives.find_by_id(owner.id) == owner


async def test_a_timeout_inside_a_block_rolls_it_back(adb: cwdb.AsyncDatabase) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05), adb.transaction():
            await adb.initiatives.create(name="never")
            await asyncio.sleep(1)
    assert await names(adb) == []
    await adb.initiatives.create(name="later")
    assert await names(adb) == ["later"]


# -- pool exhaustion and shutdown --------------------------------------------------------


@pytest.fixture
def pg_target(request: pytest.FixtureRequest) -> str:
    """The session's PostgreSQL database emptied: the pool and server connections are its own."""
    from tests import conftest

    if "postgresql" not in request.config.stash[conftest._SELECTED]:
        pytest.skip("--backend excludes postgresql")
    suite: helpers.PostgresSuite = request.getfixturevalue("pg_suite")
    suite.connection.execute(suite._empty)
    return suite.url


async def held_block(
    db: cwdb.AsyncDatabase,
    inside: Callable[[], Awaitable[Any]] | None = None,
    after: Callable[[], None] | None = None,
) -> tuple[asyncio.Task[None], asyncio.Event]:
    """A task holding a block (and its connection) until the event is set.

    Then it awaits ``inside()`` in the block, and calls ``after()`` once the
    block has ended, before the task yields again.
    """
    holding, done = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with db.transaction():
            holding.set()
            await done.wait()
            if inside is not None:
                await inside()
        if after is not None:
            after()

    holder = asyncio.create_task(hold())
    await holding.wait()
    return holder, done


async def queued(db: cwdb.AsyncDatabase) -> None:
    """Until a call waits in the line for a connection that another call gives back."""
    runner: Any = db._runner  # type: ignore[attr-defined]
    while not runner.lender._queue:
        await asyncio.sleep(0)


async def test_an_exhausted_pool_is_a_busy_error_not_a_hang(pg_target: str) -> None:
    async with cwdb.connect_async(pg_target, busy_timeout_ms=200, max_connections=1) as db:
        holder, done = await held_block(db)
        started = time.monotonic()
        with pytest.raises(cwdb.BusyError, match="all 1 of the pool"):
            await db.initiatives.find_all()
        assert time.monotonic() - started < 2
        done.set()
        await holder
        assert await db.initiatives.find_all() == []


async def test_a_connection_freed_while_a_call_waits_goes_to_that_call(pg_target: str) -> None:
    async with cwdb.connect_async(pg_target, busy_timeout_ms=5000, max_connections=1) as db:
        holder, done = await held_block(db, inside=lambda: db.initiatives.create(name="held"))
        waiter = asyncio.create_task(db.initiatives.find_all())
        await queued(db)
        started = time.monotonic()
        done.set()
        await holder
        assert [i.name for i in await waiter] == ["held"]
        assert time.monotonic() - started < 1, "the waiter did not get the freed connection"


@pytest.mark.parametrize("given", [False, True], ids=["waiting", "just-given"])
async def test_a_call_cancelled_while_it_waits_for_a_connection_takes_none(
    pg_target: str, given: bool
) -> None:
    """Cancelled in the line, or after a connection was handed to it but before it ran."""
    async with cwdb.connect_async(pg_target, busy_timeout_ms=300, max_connections=1) as db:
        waiters: list[asyncio.Task[Any]] = []

        def cancel_waiter() -> None:
            """When given: the block's end handed it the connection, and it has not run yet."""
            waiters[0].cancel()

        holder, done = await held_block(db, after=cancel_waiter)
        waiter = asyncio.create_task(db.initiatives.create(name="never"))
        waiters.append(waiter)
        await queued(db)
        if not given:
            waiter.cancel()
        done.set()
        await holder
        with pytest.raises(asyncio.CancelledError):
            await waiter
        # The one connection is free: a leak would make these BusyErrors after 300 ms.
        for n in range(3):
            await db.initiatives.create(name=f"after {n}")
        assert await names(db) == ["after 0", "after 1", "after 2"]


async def test_many_tasks_share_max_connections_and_all_finish(pg_target: str) -> None:
    async with cwdb.connect_async(pg_target, max_connections=3) as db:
        pool: Any = db._runner.pool  # type: ignore[attr-defined]
        sizes: list[int] = []

        async def calls(n: int) -> None:
            for k in range(10):
                await db.initiatives.create(name=f"t{n}-{k}")
                sizes.append(pool.get_stats()["pool_size"])

        await asyncio.gather(*(calls(n) for n in range(50)))
        assert len(await db.initiatives.find_all()) == 500
        assert max(sizes) <= 3, max(sizes)


async def test_a_connection_the_server_closed_while_idle_is_replaced(pg_target: str) -> None:
    import psycopg

    async with cwdb.connect_async(pg_target, max_connections=1) as db:
        await db.initiatives.create(name="before")
        runner: Any = db._runner  # type: ignore[attr-defined]
        (idle,) = runner.lender._idle
        killed = idle.info.backend_pid
        async with await psycopg.AsyncConnection.connect(pg_target, autocommit=True) as admin:
            # The timeout argument waits for the backend to exit (PostgreSQL 14+).
            cursor = await admin.execute("SELECT pg_terminate_backend(%s, 5000)", (killed,))
            assert await cursor.fetchone() == (True,)
        assert [i.name for i in await db.initiatives.find_all()] == ["before"]
        (replacement,) = runner.lender._idle
        assert replacement.info.backend_pid != killed


async def test_a_connection_past_the_pools_max_lifetime_goes_back_to_it(pg_target: str) -> None:
    async with cwdb.connect_async(pg_target) as db:
        runner: Any = db._runner  # type: ignore[attr-defined]
        await db.initiatives.find_all()
        (connection,) = runner.lender._idle
        connection.opened -= runner.pool.max_lifetime
        await db.initiatives.find_all()
        assert runner.lender._idle == []  # the pool has it, to close and replace


async def test_the_longest_idle_connection_goes_back_to_the_pool_after_max_idle(
    pg_target: str,
) -> None:
    async with cwdb.connect_async(pg_target) as db:
        runner: Any = db._runner  # type: ignore[attr-defined]
        holder, done = await held_block(db)
        await db.initiatives.find_all()  # on a second connection: the block holds the first
        done.set()
        await holder
        first, second = runner.lender._idle
        first.idle_since -= runner.pool.max_idle + 1
        await db.initiatives.find_all()  # takes second, then gives it back
        assert runner.lender._idle == [second]


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True, None])
async def test_max_connections_is_a_whole_number_of_one_or_more(
    pg_target: str, bad: object
) -> None:
    with pytest.raises(cwdb.ValidationError, match="max_connections"):
        await cwdb.connect_async(pg_target, migrate=False, max_connections=bad)


async def test_prepare_threshold_reaches_psycopg_and_prepares_on_the_server(
    pg_target: str,
) -> None:
    with pytest.raises(cwdb.ValidationError, match="prepare_threshold"):
        await cwdb.connect_async(pg_target, migrate=False, prepare_threshold=-1)
    for threshold, prepared in ((0, True), (None, False)):
        options: dict[str, Any] = {"max_connections": 1, "prepare_threshold": threshold}
        async with cwdb.connect_async(pg_target, **options) as db:
            await db.initiatives.find_all()
            count = "SELECT count(*) FROM pg_prepared_statements"
            pg_tracer.allow(count)  # the test's own look at cwdb's connection
            runner: Any = db._runner  # type: ignore[attr-defined]
            async with db.transaction():
                connection = runner._blocks[asyncio.current_task()].connection
                assert connection.prepare_threshold == threshold
                rows = await (await connection.execute(count)).fetchall()
            assert (rows[0][0] > 0) is prepared, rows


async def test_a_program_that_never_calls_aclose_exits(target: str, tmp_path: Path) -> None:
    program = textwrap.dedent(
        """
        import asyncio, sys, cwdb

        async def main():
            db = await cwdb.connect_async(sys.argv[1])
            await db.initiatives.create(name="x")
            asyncio.get_running_loop().create_task(db.initiatives.find_all())

        asyncio.run(main())
        print("done")
        """
    )
    script = tmp_path / "no_aclose.py"
    script.write_text(program)
    finished = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(script), target],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(cwdb.__file__).parent.parent)},
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "done\n"


# -- the event loop is never blocked -----------------------------------------------------


async def test_the_loop_never_waits_long_while_100_tasks_write(adb: cwdb.AsyncDatabase) -> None:
    stop = asyncio.Event()
    gaps: list[float] = []

    async def probe() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async def writer(n: int) -> None:
        for k in range(5):
            await adb.initiatives.create(name=f"w{n}-{k}")

    probing = asyncio.create_task(probe())
    await asyncio.gather(*(writer(n) for n in range(100)))
    stop.set()
    await probing
    assert len(await adb.initiatives.find_all()) == 500
    worst = max(gaps) * 1000
    print(f"event loop: worst gap {worst:.1f} ms over {len(gaps)} probes")
    assert worst < 20, f"the event loop waited {worst:.1f} ms"
