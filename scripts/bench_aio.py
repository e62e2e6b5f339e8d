"""W1-W7 through ``AsyncDatabase``: what ``scripts/bench.py --async`` runs.

The workloads, their sizes and checks are bench_workload.py's ``w1`` ... ``w7``;
an :class:`AsyncStack` runs each one's whole loop in its own event loop (one
``asyncio.Runner`` per stack, entered once per workload, so the timing adds
nothing per call). The stacks:

* ``async`` (``cwdb``, ``cwdb-prep``): the library through ``connect_async``;
  ``cwdb-prep`` with ``prepare_threshold=5``.
* ``raw`` (``raw``, ``raw-prep``): raw psycopg ``AsyncConnection`` running
  cwdb's own SQL from ``sql/postgresql/`` with the parameters the library
  binds, as ``bench_pg.py``'s ``RawStack`` does synchronously: autocommit, a
  binary cursor, one ``BEGIN``/``COMMIT`` around a batch, tuples out.
  ``raw`` never prepares (``prepare_threshold=None``, cwdb's default, which
  PgBouncer before 1.21 needs); ``raw-prep`` is psycopg's default (prepared
  from a query's 5th run on a connection). Each cwdb stack is compared with
  the raw one that prepares as it does.

What ``bench.py --async`` reports, all in one run:

* PostgreSQL: cwdb/raw and cwdb-prep/raw-prep per workload and geomean
  (the target: geomean >= 0.9, each >= 0.75);
* SQLite (files, WAL): the same workloads through ``AsyncDatabase`` against
  the sync API (``bench.py``'s ``CwdbStack``), as microseconds added per call;
* 100 asyncio tasks doing ``tasks.find_by_id`` through the pool against 100
  threads on the sync API, calls per second (both pools: 10 connections).
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

import psycopg
from bench_workload import (
    Rates,
    Sizes,
    StackFactory,
    cwdb_json,
    geomean,
    initiative_params,
    now_time,
    ops,
    pg_chunk_params,
    pg_params,
    phase_params,
    ratio,
    same_sql,
    task_params,
    workload_calls,
)

import cwdb

T = TypeVar("T")
#: The PostgreSQL stacks, each with the raw stack it is compared with.
PAIRS = (("cwdb", "raw"), ("cwdb-prep", "raw-prep"))
#: What ``prepare_threshold`` each PostgreSQL stack runs with.
PREPARE = {"cwdb": None, "raw": None, "cwdb-prep": 5, "raw-prep": 5}
#: The issue's target for cwdb/raw on PostgreSQL.
TARGET_GEOMEAN, TARGET_EACH = 0.9, 0.75


class AsyncStack:
    """The workloads' loops, awaited in a loop of the stack's own; the calls are a subclass's."""

    new_status = "completed"
    strict_rotation = True

    def __init__(self) -> None:
        self.runner = asyncio.Runner()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(work)

    # -- one call each: what a subclass runs --------------------------------------

    def key(self, item: Any) -> str:
        return str(item[0])

    async def initiative(self, i: int) -> str:
        """A new initiative's id."""
        raise NotImplementedError

    async def phase(self, initiative_id: str, j: int) -> str:
        raise NotImplementedError

    async def task(self, phase_id: str, k: int) -> None:
        raise NotImplementedError

    async def find(self, task_id: str) -> Any:
        raise NotImplementedError

    async def phase_tasks(self, phase_id: str) -> list[Any]:
        raise NotImplementedError

    async def set_status(self, task_id: str, status: str) -> None:
        raise NotImplementedError

    async def chunks(self, batch: list[dict[str, Any]]) -> int:
        """One batch in one transaction; how many were written."""
        raise NotImplementedError

    async def agent_chunks(self, agents: list[str]) -> list[Any]:
        raise NotImplementedError

    async def pick(self) -> Any:
        raise NotImplementedError

    async def aclose(self) -> None:
        raise NotImplementedError

    # -- the Stack protocol: each workload's whole loop -----------------------------

    def seed(self, sizes: Sizes) -> int:
        return self.run(self._seed(sizes))

    async def _seed(self, sizes: Sizes) -> int:
        rows = 0
        for i in range(sizes.initiatives):
            initiative = await self.initiative(i)
            rows += 1
            for j in range(sizes.phases):
                phase = await self.phase(initiative, j)
                rows += 1
                for k in range(sizes.tasks):
                    await self.task(phase, k)
                    rows += 1
        return rows

    def find_tasks(self, ids: list[str]) -> list[Any]:
        return self.run(_each(self.find, ids))

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        return self.run(_count(self.phase_tasks, phase_ids))

    def update_tasks(self, ids: list[str], status: str) -> None:
        self.run(_each(partial(_swapped, self.set_status, status), ids))

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        return sum(self.run(_each(self.chunks, batches)))

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        return self.run(_count(self.agent_chunks, groups))

    def pick_accounts(self, count: int) -> list[Any]:
        return self.run(_each(lambda _: self.pick(), range(count)))

    def close(self) -> None:
        self.run(self.aclose())
        self.runner.close()


async def _each(call: Callable[[Any], Awaitable[T]], items: Any) -> list[T]:
    """``call`` awaited on each item in turn: the results."""
    return [await call(item) for item in items]


async def _count(call: Callable[[Any], Awaitable[list[Any]]], items: Any) -> int:
    """``call`` awaited on each item in turn: how many rows came back.

    Each result is dropped once counted, as the sync stacks do: W6 kept whole
    would hold a million records alive, and the collector's full passes
    over them, not the calls, would be what the run times.
    """
    found = 0
    for item in items:
        found += len(await call(item))
    return found


async def _swapped(call: Callable[[str, str], Awaitable[None]], status: str, task_id: str) -> None:
    await call(task_id, status)


class CwdbAsync(AsyncStack):
    """The library through ``connect_async`` (``options`` as ``connect_async`` takes them)."""

    new_status = "in_progress"

    def __init__(self, target: str, db: cwdb.Database, **options: Any) -> None:
        super().__init__()
        self.db: cwdb.AsyncDatabase = self.run(_opened(target, options))

    def key(self, item: Any) -> str:
        return str(item.id)

    async def initiative(self, i: int) -> str:
        return (await self.db.initiatives.create(name=f"initiative {i}")).id

    async def phase(self, initiative_id: str, j: int) -> str:
        return (await self.db.phases.create(initiative_id=initiative_id, name=f"phase {j}")).id

    async def task(self, phase_id: str, k: int) -> None:
        await self.db.tasks.create(phase_id=phase_id, name=f"task {k}", order=k)

    async def find(self, task_id: str) -> Any:
        return await self.db.tasks.find_by_id(task_id)

    async def phase_tasks(self, phase_id: str) -> list[Any]:
        return await self.db.tasks.find_by_phase_id(phase_id)

    async def set_status(self, task_id: str, status: str) -> None:
        await self.db.tasks.update(task_id, status=status)

    async def chunks(self, batch: list[dict[str, Any]]) -> int:
        return await self.db.log_chunks.insert_chunks(batch)

    async def agent_chunks(self, agents: list[str]) -> list[Any]:
        return await self.db.log_chunks.find_by_agent_ids(agents)

    async def pick(self) -> Any:
        return await self.db.accounts.find_next_available()

    async def aclose(self) -> None:
        await self.db.aclose()


async def _opened(target: str, options: dict[str, Any]) -> cwdb.AsyncDatabase:
    return await cwdb.connect_async(target, **options)


class RawAsync(AsyncStack):
    """Raw psycopg ``AsyncConnection`` on cwdb's own SQL and parameters (``SAME_SQL``)."""

    def __init__(self, url: str, db: cwdb.Database, prepare_threshold: int | None) -> None:
        super().__init__()
        same_sql(self, "postgresql")
        self.conn = self.run(_raw(url, prepare_threshold))
        self.cur = self.conn.cursor(binary=True)

    async def _rows(self, sql: str, params: Any) -> list[Any]:
        cur = self.cur
        await cur.execute(sql, params)
        return await cur.fetchall()

    async def initiative(self, i: int) -> str:
        rows = await self._rows(self.create_initiative, pg_params(initiative_params(i)))
        return str(rows[0][0])

    async def phase(self, initiative_id: str, j: int) -> str:
        rows = await self._rows(self.create_phase, pg_params(phase_params(initiative_id, j)))
        return str(rows[0][0])

    async def task(self, phase_id: str, k: int) -> None:
        await self._rows(self.create_task, pg_params(task_params(phase_id, k)))

    async def find(self, task_id: str) -> Any:
        return (await self._rows(self.find_task, {"id": task_id}))[0]

    async def phase_tasks(self, phase_id: str) -> list[Any]:
        return await self._rows(self.find_phase_tasks, {"phase_id": phase_id})

    async def set_status(self, task_id: str, status: str) -> None:
        params = {"status": status, "id": task_id, "now": now_time()}
        await self._rows(self.update_task, params)

    async def chunks(self, batch: list[dict[str, Any]]) -> int:
        async with self.conn.transaction():
            await self.cur.executemany(self.insert_chunk, pg_chunk_params(batch))
        return len(batch)

    async def agent_chunks(self, agents: list[str]) -> list[Any]:
        return await self._rows(self.find_agent_chunks, {"agent_ids": cwdb_json(agents)})

    async def pick(self) -> Any:
        params = {"provider": "claude", "now": now_time()}
        return (await self._rows(self.next_account, params))[0]

    async def aclose(self) -> None:
        await self.conn.close()

    # Set by ``same_sql``: the SQL text of each call.
    create_initiative: str
    create_phase: str
    create_task: str
    find_task: str
    find_phase_tasks: str
    update_task: str
    insert_chunk: str
    find_agent_chunks: str
    next_account: str


async def _raw(url: str, prepare_threshold: int | None) -> psycopg.AsyncConnection[Any]:
    return await psycopg.AsyncConnection.connect(
        url, autocommit=True, prepare_threshold=prepare_threshold
    )


def pg_stacks() -> dict[str, StackFactory]:
    """The four PostgreSQL stacks, each with its ``prepare_threshold``."""
    stacks: dict[str, StackFactory] = {}
    for cwdb_name, raw_name in PAIRS:
        stacks[cwdb_name] = partial(CwdbAsync, prepare_threshold=PREPARE[cwdb_name])
        stacks[raw_name] = partial(RawAsync, prepare_threshold=PREPARE[raw_name])
    return stacks


# -- what --async prints ------------------------------------------------------------


def print_pg(runs: list[Rates]) -> bool:
    """Every stack's ops/s and each cwdb stack over its raw one; whether the target is met."""
    names = [name for pair in PAIRS for name in pair]
    print(f"{'':8}" + "".join(f"{name + ' ops/s':>16}" for name in names)
          + "".join(f"{c + '/' + r:>20}" for c, r in PAIRS))  # fmt: skip
    columns: dict[tuple[str, str], list[float]] = {pair: [] for pair in PAIRS}
    for workload in runs[0]:
        for pair in PAIRS:
            columns[pair].append(ratio(runs, workload, *pair))
        cells = "".join(f"{ops(runs, workload, name):16,.0f}" for name in names)
        print(f"{workload:8}{cells}" + "".join(f"{columns[p][-1]:20.2f}" for p in PAIRS))
    means = {pair: geomean(values) for pair, values in columns.items()}
    print(f"{'geomean':8}{'':{16 * len(names)}}" + "".join(f"{means[p]:20.2f}" for p in PAIRS))
    met = {
        pair: means[pair] >= TARGET_GEOMEAN and min(columns[pair]) >= TARGET_EACH for pair in PAIRS
    }
    for (name, raw_name), ok in met.items():
        print(
            f"target {name}/{raw_name} (geomean >= {TARGET_GEOMEAN}, each >= {TARGET_EACH}): "
            + ("met" if ok else "NOT met")
        )
    return all(met.values())


def print_sqlite(runs: list[Rates], sizes: Sizes) -> None:
    """Per workload: sync and async µs per call, and what the thread hop adds."""
    print(f"{'':8}{'sync us/call':>14}{'async us/call':>15}{'added us':>10}")
    for workload in runs[0]:
        calls, units = workload_calls(workload, sizes)
        per_call = {
            name: units / ops(runs, workload, name) / calls * 1e6 for name in ("sync", "async")
        }
        added = statistics.median(
            units / calls * 1e6 * (1 / r[workload]["async"] - 1 / r[workload]["sync"]) for r in runs
        )
        print(f"{workload:8}{per_call['sync']:14.1f}{per_call['async']:15.1f}{added:10.1f}")


# -- 100 tasks against 100 threads -----------------------------------------------------

#: (calls/s, this process's CPU µs per call) of a concurrency run.
Concurrency = tuple[float, float]


def concurrency(url: str, seconds: float) -> tuple[Concurrency, Concurrency]:
    """``find_by_id`` from 100 asyncio tasks, then from 100 threads (the slow-query log off).

    Besides calls per second, the CPU this process spent per call: on a
    shared machine the rate follows whatever else runs, the CPU much less.
    """
    with cwdb.connect(url, slow_query_ms=None) as db:
        task_id = db.tasks.create(name="t").id
        tasks = _measured(lambda: asyncio.run(_tasks(url, task_id, seconds)))
        return tasks, _measured(lambda: _threads(db, task_id, seconds))


def _measured(run: Callable[[], int]) -> Concurrency:
    cpu, started = time.process_time(), time.perf_counter()
    calls = run()
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    return calls / wall, used / calls * 1e6


async def _tasks(url: str, task_id: str, seconds: float) -> int:
    async with cwdb.connect_async(url, slow_query_ms=None) as adb:
        await adb.tasks.find_by_id(task_id)  # the pool's first connection is open
        counts: list[int] = []
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            done = 0
            while time.perf_counter() < deadline:
                assert await adb.tasks.find_by_id(task_id) is not None
                done += 1
            counts.append(done)

        await asyncio.gather(*(worker() for _ in range(100)))
        return sum(counts)


def _threads(db: cwdb.Database, task_id: str, seconds: float) -> int:
    counts: list[int] = []
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        done = 0
        while time.perf_counter() < deadline:
            assert db.tasks.find_by_id(task_id) is not None
            done += 1
        counts.append(done)

    threads = [threading.Thread(target=worker) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(counts) == len(threads), "a thread failed"
    return sum(counts)
