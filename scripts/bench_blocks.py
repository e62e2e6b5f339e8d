"""How transaction() blocks scale with writer processes on PostgreSQL, and with a global lock.

Usage: python scripts/bench_blocks.py [--seconds 3] [--processes 1,2,4,8,16]
           [--database URL | --pg-server [--pg-durable]]

Each writer process opens its own ``cwdb.connect()`` and repeats, until the
time is up, one block through ``db.run_transaction``: read a task, wait
2 ms (a round trip, an agent's decision), write the task's counter (its
name) + 1. The task is the process's own, or, for a share of the blocks, one
task all processes share:

* ``disjoint``: every block on the process's own task;
* ``25% shared``: one block in four on the shared task;
* ``100% shared``: every block on the shared task.

``serializable`` is cwdb's blocks (issue 20): ``BEGIN ISOLATION LEVEL
SERIALIZABLE``, replayed by ``run_transaction`` when the server refuses one
for a conflict. ``global lock`` is the design before it, for comparison:
each block begins at READ COMMITTED and first takes the one database-wide
advisory lock (``sql/postgresql/_transactions.sql`` ``lock_writers``, which
only this bench still runs), so blocks run one at a time.

The table gives blocks/s of all processes together, p50/p99 latency of a
block (first attempt to commit, replays included) and the retry rate
(replays per committed block). Every row is checked: each task's counter
equals the blocks committed on it, so no update was lost, and the attempts
counted equal the commits plus the replays.
"""

from __future__ import annotations

import multiprocessing
import random
import statistics
import sys
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from typing import Any

from bench_workload import header, parser, pg_databases, server_arguments

import cwdb
from cwdb.adapters.statements import Queries

PAUSE = 0.002
SHARES = {"disjoint": 0.0, "25% shared": 0.25, "100% shared": 1.0}
MODES = ("serializable", "global lock")


@dataclass(frozen=True)
class Job:
    """What one writer process runs: the mode, the shared task and its share of blocks."""

    target: str
    mode: str
    share: float
    shared: str
    seconds: float


@dataclass(frozen=True)
class Done:
    """One writer's blocks: committed per task, attempts, and each block's latency."""

    committed: dict[str, int]
    attempts: int
    latencies: list[float]
    ended: float


def writer(job: Job, number: int, barrier: Barrier, results: Any) -> None:
    """One process: blocks for ``job.seconds`` after the barrier; what it committed."""
    mode, share, shared, seconds = job.mode, job.share, job.shared, job.seconds
    rng = random.Random(number)
    with cwdb.connect(job.target, migrate=False, max_connections=2) as db:
        initiative = db.initiatives.create(name=f"writer {number}")
        phase = db.phases.create(initiative_id=initiative.id, name="p")
        own = db.tasks.create(phase_id=phase.id, name="0").id
        # The old design's lock and READ COMMITTED begin: reachable from the bench only.
        runner: Any = db._runner  # type: ignore[attr-defined]  # noqa: SLF001
        lock_writers = Queries(db.dialect.query_file("_transactions")).write("lock_writers")
        attempts = 0

        def block(task_id: str) -> None:
            nonlocal attempts
            attempts += 1
            if mode == "global lock":
                runner.write(lock_writers, {})
            found = db.tasks.find_by_id(task_id)
            assert found is not None
            time.sleep(PAUSE)
            db.tasks.update(task_id, name=str(int(found.name) + 1))

        committed = {own: 0, shared: 0}
        latencies = []
        barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            task = shared if rng.random() < share else own
            began = time.perf_counter()
            if mode == "global lock":
                runner.replay(lambda task=task: block(task), own_locks=True)
            else:
                db.run_transaction(block, task)
            latencies.append(time.perf_counter() - began)
            committed[task] += 1
        results.put(Done(committed, attempts, latencies, time.perf_counter()))


@dataclass(frozen=True)
class Row:
    mode: str
    workload: str
    processes: int
    per_second: float
    p50_ms: float
    p99_ms: float
    retry_rate: float


def measure(target: str, mode: str, workload: str, processes: int, seconds: float) -> Row:
    with cwdb.connect(target, migrate=False) as db:
        initiative = db.initiatives.create(name="shared")
        phase = db.phases.create(initiative_id=initiative.id, name="p")
        shared = db.tasks.create(phase_id=phase.id, name="0").id
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    job = Job(target, mode, SHARES[workload], shared, seconds)
    workers = [
        context.Process(target=writer, args=(job, n, barrier, results)) for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)
    started = time.perf_counter()
    done = [results.get(timeout=seconds + 120) for _ in workers]
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"a writer failed (exit code {worker.exitcode})")
    took = max(d.ended for d in done) - started
    blocks = check(target, done)
    attempts = sum(d.attempts for d in done)
    latencies = sorted(x for d in done for x in d.latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Row(
        mode,
        workload,
        processes,
        blocks / took,
        statistics.median(latencies) * 1000,
        p99 * 1000,
        (attempts - blocks) / blocks,
    )


def check(target: str, done: list[Done]) -> int:
    """Every task's counter is the blocks committed on it: no update lost. The blocks."""
    expected: dict[str, int] = {}
    for d in done:
        for task, count in d.committed.items():
            expected[task] = expected.get(task, 0) + count
    with cwdb.connect(target, migrate=False) as db:
        for task, count in expected.items():
            found = db.tasks.find_by_id(task)
            assert found is not None
            assert int(found.name) == count, (task, found.name, count)
    return sum(sum(d.committed.values()) for d in done)


def main(argv: list[str]) -> int:
    arguments = parser(__doc__)
    arguments.add_argument("--seconds", type=float, default=3.0, help="how long each row runs")
    arguments.add_argument("--processes", default="1,2,4,8,16", help="writer processes per row")
    server_arguments(arguments, "a PostgreSQL server's URL", "a throwaway server (default)")
    args = arguments.parse_args(argv)
    counts = [int(n) for n in args.processes.split(",")]
    if min(counts) < 1 or args.seconds <= 0:
        arguments.error("--processes takes positive counts, --seconds a positive time")
    rows = []
    with pg_databases(args.database, durable=args.pg_durable) as databases:
        described = databases.describe()
        for mode in MODES:
            for workload in SHARES:
                for n in counts:
                    target = databases.fresh(n)
                    rows.append(measure(target, mode, workload, n, args.seconds))
                    databases.drop(target)
    print(
        f"{header(described)}; {args.seconds:g} s per row, a block = read a task, "
        f"{PAUSE * 1000:g} ms pause, write it + 1 (run_transaction)"
    )
    print(
        f"{'mode':13} {'workload':12} {'procs':>5} {'blocks/s':>9} {'x of 1':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'retries':>8}"
    )
    base: dict[tuple[str, str], float] = {}
    for row in rows:
        first = base.setdefault((row.mode, row.workload), row.per_second)
        print(
            f"{row.mode:13} {row.workload:12} {row.processes:5} {row.per_second:9,.0f} "
            f"{row.per_second / first:7.2f} {row.p50_ms:7.1f} {row.p99_ms:7.1f} "
            f"{row.retry_rate:8.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
