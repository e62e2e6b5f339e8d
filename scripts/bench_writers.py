"""Aggregate write throughput of 1, 2, 4 and 8 writer processes, on SQLite and PostgreSQL.

Usage: python scripts/bench_writers.py [--seconds 5] [--processes 1,2,4,8]
           [--backend sqlite,postgresql] [--database URL | --pg-server [--pg-durable]]

Each writer process opens its own ``cwdb.connect()``, makes an initiative
and a phase of its own, waits for the others, then repeats until the time
is up: ``tasks.create`` (one row), ``tasks.update(id, status=...)`` of that
task, and ``log_chunks.insert_chunks`` of 10 chunks of ~300 bytes (one
transaction): three writes, each a transaction of its own. The table gives
the writes per second of all the processes together (and the log chunks
that came with them), for each number of processes, on:

* SQLite: a fresh file per row, in WAL mode with ``synchronous=NORMAL``
  (cwdb's settings: a commit waits for no fsync);
* PostgreSQL: a fresh database per row (``CREATE DATABASE``) on the server
  of ``--database``, or on a throwaway server (``--pg-server``), with fsync
  off as the tests run it, or with PostgreSQL's durable defaults
  (``--pg-durable``: fsync and synchronous_commit on, every commit waits for
  its WAL flush).

Every run checks its result: the rows in the database are exactly the writes
the processes counted, so a fast wrong answer fails.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from typing import Any

import apsw
from bench_workload import CHUNK_TEXT, SqliteFiles, header, parser, pg_databases, server_arguments

import cwdb

#: Log chunks per insert_chunks call.
PER_CALL = 10


@dataclass(frozen=True)
class Done:
    """What one writer did: its writes (each a transaction), chunks, and when it stopped."""

    writes: int
    chunks: int
    tasks: int
    ended: float


def writer(target: str, number: int, seconds: float, barrier: Barrier, results: Any) -> None:
    """One process: create, update and ingest in a loop for ``seconds`` after the barrier."""
    with cwdb.connect(target, migrate=False) as db:
        initiative = db.initiatives.create(name=f"writer {number}")
        phase = db.phases.create(initiative_id=initiative.id, name="phase")
        agent = f"writer-{number}"
        chunks = [
            {"agent_id": agent, "agent_name": "builder", "content": CHUNK_TEXT, "session_number": 1}
        ] * PER_CALL
        create, update, ingest = db.tasks.create, db.tasks.update, db.log_chunks.insert_chunks
        barrier.wait()
        deadline = time.perf_counter() + seconds
        tasks = written = 0
        while time.perf_counter() < deadline:
            task = create(phase_id=phase.id, name=f"task {tasks}", order=tasks)
            update(task.id, status="in_progress")
            written += ingest(chunks)
            tasks += 1
        results.put(Done(3 * tasks, written, tasks, time.perf_counter()))


@dataclass(frozen=True)
class Row:
    backend: str
    processes: int
    writes_per_second: float
    chunks_per_second: float


def measure(backend: str, target: str, processes: int, seconds: float) -> Row:
    """``processes`` writers on ``target`` (migrated, empty) for ``seconds``; checked."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [
        context.Process(target=writer, args=(target, n, seconds, barrier, results))
        for n in range(processes)
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
    check(target, processes, done)
    writes = sum(d.writes for d in done)
    chunks = sum(d.chunks for d in done)
    return Row(backend, processes, writes / took, chunks / took)


def check(target: str, processes: int, done: list[Done]) -> None:
    """The database holds exactly what the writers said they wrote."""
    with cwdb.connect(target, migrate=False) as db:
        tasks = [t for i in db.initiatives.find_all() for p in db.phases.find_by_initiative_id(i.id)
                 for t in db.tasks.find_by_phase_id(p.id)]  # fmt: skip
        assert len(tasks) == sum(d.tasks for d in done), (len(tasks), done)
        assert all(t.status == "in_progress" for t in tasks)
        chunks = sum(len(db.log_chunks.find_by_agent_id(f"writer-{n}")) for n in range(processes))
        assert chunks == sum(d.chunks for d in done) == PER_CALL * sum(d.tasks for d in done)


def sqlite_rows(counts: list[int], seconds: float) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        files = SqliteFiles(tmp)
        return [measure("SQLite (WAL)", files.fresh(n), n, seconds) for n in counts]


def postgresql_rows(
    url: str | None, durable: bool, counts: list[int], seconds: float
) -> tuple[list[Row], str]:
    with pg_databases(url, durable=durable) as databases:
        rows = []
        for n in counts:
            target = databases.fresh(n)
            rows.append(measure("PostgreSQL", target, n, seconds))
            databases.drop(target)
        return rows, databases.describe()


def main(argv: list[str]) -> int:
    arguments = parser(__doc__)
    arguments.add_argument("--seconds", type=float, default=5.0, help="how long each row writes")
    arguments.add_argument("--processes", default="1,2,4,8", help="writer processes per row")
    arguments.add_argument(
        "--backend", default="sqlite,postgresql", help="sqlite, postgresql or both"
    )
    server_arguments(arguments, "a PostgreSQL server's URL", "a throwaway server (default)")
    args = arguments.parse_args(argv)
    counts = [int(n) for n in args.processes.split(",")]
    backends = set(args.backend.lower().split(","))
    if min(counts) < 1 or args.seconds <= 0 or not backends <= {"sqlite", "postgresql"}:
        arguments.error("--processes takes positive counts, --backend sqlite and/or postgresql")
    rows: list[Row] = []
    described = []
    if "sqlite" in backends:
        rows += sqlite_rows(counts, args.seconds)
        described.append(f"SQLite {apsw.sqlite_lib_version()} (WAL, synchronous=NORMAL)")
    if "postgresql" in backends:
        found, server = postgresql_rows(args.database, args.pg_durable, counts, args.seconds)
        rows += found
        described.append(server)
    print(
        f"{header(*described)}; {args.seconds:g} s per row, "
        f"writes = tasks.create + tasks.update + insert_chunks({PER_CALL})"
    )
    print(f"{'backend':14} {'processes':>9} {'writes/s':>10} {'x of 1':>7} {'chunks/s':>10}")
    base: dict[str, float] = {}
    for row in rows:
        first = base.setdefault(row.backend, row.writes_per_second)
        print(
            f"{row.backend:14} {row.processes:9} {row.writes_per_second:10,.0f} "
            f"{row.writes_per_second / first:7.2f} {row.chunks_per_second:10,.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
