"""The asyncio API's cost: per call against the sync API (SQLite) and raw psycopg (PostgreSQL).

    .venv/bin/python -m scripts.bench_async [--database postgresql://...]

Without ``--database`` a throwaway PostgreSQL server is started (as the
tests do). Prints microseconds per call (best of five runs):

* SQLite file (WAL): ``tasks.find_by_id`` and ``initiatives.create`` through
  ``connect`` and through ``connect_async`` (one thread hop per call);
* PostgreSQL: the same two calls through ``connect_async`` against raw
  psycopg ``AsyncConnection`` running the same SQL from ``sql/postgresql/``,
  and their ratio (raw / cwdb, 1.0 = no overhead);
* 100 asyncio tasks doing ``find_by_id`` through the pool against 100 threads
  on the sync API: calls per second.

Not yet here: W1-W7 of ``bench_workload.py`` through ``AsyncDatabase``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psycopg

import cwdb
from cwdb.adapters.psycopg.connection import ADAPTERS, session_settings
from cwdb.adapters.sqlfiles import query_file

RUNS = 5


async def best_async(call: Callable[[], Awaitable[Any]], number: int) -> float:
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        for _ in range(number):
            await call()
        best = min(best, (time.perf_counter() - started) / number)
    return best * 1e6


def best_sync(call: Callable[[], Any], number: int) -> float:
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        for _ in range(number):
            call()
        best = min(best, (time.perf_counter() - started) / number)
    return best * 1e6


async def sqlite(folder: Path) -> None:
    path = str(folder / "cw.db")
    with cwdb.connect(path) as db:
        made = db.tasks.create(name="t")
        sync_find = best_sync(lambda: db.tasks.find_by_id(made.id), 5000)
        sync_create = best_sync(lambda: db.initiatives.create(name="i"), 500)
    async with cwdb.connect_async(path) as adb:
        async_find = await best_async(lambda: adb.tasks.find_by_id(made.id), 5000)
        async_create = await best_async(lambda: adb.initiatives.create(name="i"), 500)
    print("SQLite (file, WAL)        sync us  async us  overhead us")
    print(
        f"  tasks.find_by_id        {sync_find:7.1f}  {async_find:8.1f}  "
        f"{async_find - sync_find:8.1f}"
    )
    print(
        f"  initiatives.create      {sync_create:7.1f}  {async_create:8.1f}  "
        f"{async_create - sync_create:8.1f}"
    )


async def postgresql(url: str) -> None:
    tasks_sql = query_file("tasks", "postgresql")
    find_sql = tasks_sql["find_by_id"].sql
    async with cwdb.connect_async(url) as adb:
        made = await adb.tasks.create(name="t")
        raw = await psycopg.AsyncConnection.connect(url, autocommit=True, context=ADAPTERS)
        await raw.execute(session_settings(5000))

        async def raw_find() -> Any:
            cursor = raw.cursor(binary=True)
            await cursor.execute(find_sql, {"id": made.id})
            return await cursor.fetchone()

        ours = await best_async(lambda: adb.tasks.find_by_id(made.id), 2000)
        theirs = await best_async(raw_find, 2000)
        await raw.close()
        print("PostgreSQL                raw us  cwdb us  raw/cwdb")
        print(f"  tasks.find_by_id        {theirs:6.1f}  {ours:7.1f}  {theirs / ours:8.2f}")

        async def many_tasks() -> float:
            count = 0
            deadline = time.perf_counter() + 2

            async def worker() -> None:
                nonlocal count
                while time.perf_counter() < deadline:
                    await adb.tasks.find_by_id(made.id)
                    count += 1

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(100)))
            return count / (time.perf_counter() - started)

        tasks_rate = await many_tasks()
    with cwdb.connect(url) as db:
        count = 0
        lock = threading.Lock()
        deadline = time.perf_counter() + 2

        def thread() -> None:
            nonlocal count
            done = 0
            while time.perf_counter() < deadline:
                db.tasks.find_by_id(made.id)
                done += 1
            with lock:
                count += done

        threads = [threading.Thread(target=thread) for _ in range(100)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        threads_rate = count / (time.perf_counter() - started)
    print("100 concurrent find_by_id, calls/s")
    print(f"  100 tasks, AsyncDatabase (pool of 10)  {tasks_rate:8.0f}")
    print(f"  100 threads, Database (100 connections) {threads_rate:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (default: a throwaway server)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(sqlite(Path(folder)))
    if args.database:
        asyncio.run(postgresql(args.database))
        return
    from tests.support import postgres_server

    server = postgres_server.start_or_skip()
    try:
        asyncio.run(postgresql(server.create_database("bench_async")))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
