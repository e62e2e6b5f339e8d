"""cwdb against raw APSW (or raw psycopg) and a naive mapper on the orchestrator's workload.

Usage: python scripts/bench.py [--runs 3] [--scale 1.0] [--only W2,W6] [--peers]
       python scripts/bench.py --database postgresql://... | --pg-server [--pg-durable] [...]

Each workload runs on a fresh WAL database file per stack, all stacks in the
same run, and every ratio is cwdb's throughput over another stack's measured
in that run (median of --runs runs). Every run checks its results, so a fast
wrong answer fails. The stacks:

* ``cwdb``: the library, through its public API.
* ``raw`` (same SQL): raw APSW executing the SAME SQL text as cwdb (loaded
  from sql/: the statement cwdb picks for each call) with the same
  parameters and the same BEGIN IMMEDIATE / COMMIT per write, returning
  plain tuples: no records, no validation, no datetimes. cwdb/raw is the
  library's own Python overhead.
* ``hand`` (hand-written raw, scripts/bench_hand.py): raw APSW on the same
  schema running the SQL an engineer writes by hand for each call (a narrow
  ``UPDATE ... SET status = ?``, an ``IN (?, ...)`` list, a plain
  least-recently-used pick), positional parameters, tuples out. cwdb/hand is
  what the library costs, SQL included, against doing it yourself.
* ``naive`` (scripts/bench_hand.py): the hand-written SQL with rows mapped
  to cwdb's attrs records naively, ``Record(*converted values)``.

On PostgreSQL (``--database URL``: a server you run, where the URL's user
may CREATE DATABASE; or ``--pg-server``: a throwaway server started for the
run as the tests start theirs, with fsync off unless ``--pg-durable``), the
stacks are ``cwdb``, ``raw`` (raw psycopg on cwdb's SQL from
sql/postgresql/) and ``hand`` (raw psycopg on hand-written SQL), each on a
fresh database of its own made by CREATE DATABASE on that server (see
scripts/bench_pg.py), and the table gives cwdb/raw and cwdb/hand.

| id | work | unit |
|----|------|------|
| W1 | 50 initiatives x 5 phases x 20 tasks, each create its own transaction | rows |
| W2 | 10,000 tasks.find_by_id by random id | lookups |
| W3 | tasks.find_by_phase_id for every phase, 3 passes (20 rows each) | calls |
| W4 | tasks.update(id, status=...) for every task, shuffled | updates |
| W5 | 50,000 ~300-byte log chunks via insert_chunks, 100 per call, 50 agents | rows |
| W6 | 100 x log_chunks.find_by_agent_ids for 10 agents (~10,000 rows per call) | rows |
| W7 | 20 accounts; 10,000 x accounts.find_next_available() | picks |

--scale shrinks the counts (initiatives, lookups, insert calls, read calls,
picks) for a quick run, keeping every check exact. --peers also runs the
other stacks of scripts/bench_peers.py (stdlib sqlite3, naive APSW mapping
by name, aiosql, SQLAlchemy ORM; needs `pip install -e '.[bench]'`) and
prints every stack as a ratio to the same-SQL and to the hand-written raw
APSW measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import apsw
from bench_workload import (
    PICK,
    STATUS_UPDATE,
    Raw,
    Sizes,
    Stack,
    StackFactory,
    chunk_rows,
    initiative_params,
    phase_params,
    pick_params,
    status_change,
    task_params,
)

import cwdb

CHUNK_TEXT = ("log line: compiling module and running tests ... ok\n" * 6)[:300]
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7")
#: What each workload needs run before it (its data).
NEEDS = {"W2": "W1", "W3": "W1", "W4": "W1", "W6": "W5"}
PEERS_MISSING = (
    "--peers needs the optional extra 'bench' (sqlalchemy, aiosql): pip install -e '.[bench]'"
)


# -- the stacks measured by default ------------------------------------------


class CwdbStack:
    """The library, through its public API."""

    new_status = "in_progress"
    strict_rotation = True

    def __init__(self, path: str, db: cwdb.Database) -> None:
        self.db = db

    def key(self, item: Any) -> str:
        return str(item.id)

    def seed(self, sizes: Sizes) -> int:
        db, rows = self.db, 0
        for i in range(sizes.initiatives):
            initiative = db.initiatives.create(name=f"initiative {i}")
            rows += 1
            for j in range(sizes.phases):
                phase = db.phases.create(initiative_id=initiative.id, name=f"phase {j}")
                rows += 1
                for k in range(sizes.tasks):
                    db.tasks.create(phase_id=phase.id, name=f"task {k}", order=k)
                    rows += 1
        return rows

    def find_tasks(self, ids: list[str]) -> list[Any]:
        find = self.db.tasks.find_by_id
        return [find(i) for i in ids]

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        find = self.db.tasks.find_by_phase_id
        return sum(len(find(phase_id)) for phase_id in phase_ids)

    def update_tasks(self, ids: list[str], status: str) -> None:
        update = self.db.tasks.update
        for task_id in ids:
            update(task_id, status=status)

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        insert = self.db.log_chunks.insert_chunks
        return sum(insert(batch) for batch in batches)

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        find = self.db.log_chunks.find_by_agent_ids
        return sum(len(find(group)) for group in groups)

    def pick_accounts(self, count: int) -> list[Any]:
        pick = self.db.accounts.find_next_available
        return [pick() for _ in range(count)]

    def close(self) -> None:
        """The harness closes ``db``."""


class RawStack:
    """Raw APSW on cwdb's own SQL (see ``Raw``): the library-overhead baseline."""

    new_status = "completed"
    strict_rotation = True

    def __init__(self, path: str, db: cwdb.Database) -> None:
        self.raw = raw = Raw(path)
        self.create_initiative = raw.sql("initiatives", "create")
        self.create_phase = raw.sql("phases", "create")
        self.create_task = raw.sql("tasks", "create")
        self.find_task = raw.sql("tasks", "find_by_id")
        self.find_phase_tasks = raw.sql("tasks", "find_by_phase_id")
        self.update_task = raw.sql(*STATUS_UPDATE)
        self.insert_chunk = raw.sql("log_chunks", "insert_chunks")
        self.find_agent_chunks = raw.sql("log_chunks", "find_by_agent_ids")
        self.next_account = raw.sql(*PICK)

    def key(self, item: Any) -> str:
        return str(item[0])

    def seed(self, sizes: Sizes) -> int:
        raw, rows = self.raw, 0
        for i in range(sizes.initiatives):
            iid = raw.write(self.create_initiative, initiative_params(i))[0][0]
            rows += 1
            for j in range(sizes.phases):
                pid = raw.write(self.create_phase, phase_params(iid, j))[0][0]
                rows += 1
                for k in range(sizes.tasks):
                    raw.write(self.create_task, task_params(pid, k))
                    rows += 1
        return rows

    def find_tasks(self, ids: list[str]) -> list[Any]:
        cur, sql = self.raw.cur, self.find_task
        return [cur.execute(sql, {"id": i}).fetchall()[0] for i in ids]

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        cur, sql = self.raw.cur, self.find_phase_tasks
        return sum(len(cur.execute(sql, {"phase_id": p}).fetchall()) for p in phase_ids)

    def update_tasks(self, ids: list[str], status: str) -> None:
        raw, sql = self.raw, self.update_task
        for task_id in ids:
            raw.write(sql, status_change(task_id, status))

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        cur, sql, written = self.raw.cur, self.insert_chunk, 0
        for batch in batches:
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(sql, chunk_rows(batch))
            cur.execute("COMMIT")
            written += len(batch)
        return written

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        cur, sql = self.raw.cur, self.find_agent_chunks
        return sum(len(cur.execute(sql, {"agent_ids": json.dumps(g)}).fetchall()) for g in groups)

    def pick_accounts(self, count: int) -> list[Any]:
        raw, sql = self.raw, self.next_account
        return [raw.write(sql, pick_params())[0] for _ in range(count)]

    def close(self) -> None:
        self.raw.conn.close()


# -- where the stacks run: files, or databases on a server -------------------


class Check(Protocol):
    """A raw connection to a stack's database reading results back (``?`` parameters)."""

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def close(self) -> None: ...


class Targets(Protocol):
    """Fresh, migrated databases for the stacks of a run."""

    def fresh(self, n: int) -> str:
        """A new database for the ``n``th stack: its path or URL."""
        ...

    def check(self, target: str) -> Check: ...

    def drop(self, target: str) -> None:
        """Done with ``target`` (a run's end)."""
        ...


class Files:
    """A WAL file per stack in ``folder``, made anew each run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def fresh(self, n: int) -> str:
        path = str(self.folder / f"stack{n}.db")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        cwdb.ensure_schema(path)
        return path

    def check(self, target: str) -> Check:
        return Raw(target)

    def drop(self, target: str) -> None:
        """The next run's ``fresh`` replaces the file."""


# -- workloads: each returns (units, seconds) and checks its result ----------


@dataclass
class Bench:
    """One stack on its own database, with what the workloads pass between them."""

    name: str
    stack: Stack
    db: cwdb.Database  # cwdb on the same database: seeds W7's accounts
    check: Check  # a raw connection to the same database: reads the results back
    phases: list[str]
    tasks: list[str]
    target: str


def w1(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    started = time.perf_counter()
    rows = bench.stack.seed(sizes)
    took = time.perf_counter() - started
    assert rows == sum(sizes.seeded)
    tables = ("initiatives", "phases", "tasks")
    counts = tuple(bench.check.value(f"SELECT count(*) FROM {table}") for table in tables)
    assert counts == sizes.seeded, counts
    bench.phases = [r[0] for r in bench.check.rows("SELECT id FROM phases")]
    bench.tasks = [r[0] for r in bench.check.rows("SELECT id FROM tasks")]
    return rows, took


def w2(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    picks = random.Random(2).choices(bench.tasks, k=sizes.lookups)
    started = time.perf_counter()
    found = bench.stack.find_tasks(picks)
    took = time.perf_counter() - started
    key = bench.stack.key
    assert all(key(t) == i for t, i in zip(found, picks, strict=True))
    return len(picks), took


def w3(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    calls = bench.phases * sizes.passes
    started = time.perf_counter()
    total = bench.stack.count_phase_tasks(calls)
    took = time.perf_counter() - started
    assert total == len(calls) * sizes.tasks
    return len(calls), took


def w4(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    order = bench.tasks[:]
    random.Random(4).shuffle(order)
    status = bench.stack.new_status
    started = time.perf_counter()
    bench.stack.update_tasks(order, status)
    took = time.perf_counter() - started
    updated = bench.check.value("SELECT count(*) FROM tasks WHERE status = ?", (status,))
    assert updated == len(order)
    return len(order), took


def agents_of(run: str, sizes: Sizes) -> list[str]:
    return [f"{run}-agent-{i}" for i in range(sizes.agents)]


def w5(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    agents = agents_of("r", sizes)
    batches = [
        [
            {"agent_id": agents[(call + n) % sizes.agents], "agent_name": "builder",
             "content": CHUNK_TEXT, "session_number": 1}
            for n in range(sizes.per_call)
        ]
        for call in range(sizes.calls)
    ]  # fmt: skip
    started = time.perf_counter()
    written = bench.stack.insert_chunks(batches)
    took = time.perf_counter() - started
    assert written == sizes.chunks
    assert bench.check.value("SELECT count(*) FROM agent_log_chunks") == sizes.chunks
    return written, took


def w6(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    agents = agents_of("r", sizes)
    n = sizes.group
    starts = [(i * n) % sizes.agents for i in range(sizes.groups)]
    groups = [agents[start : start + n] for start in starts]
    started = time.perf_counter()
    rows = bench.stack.count_agent_chunks(groups)
    took = time.perf_counter() - started
    assert rows == sizes.groups * n * (sizes.chunks // sizes.agents)
    return rows, took


def w7(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    bench.check.rows("DELETE FROM accounts")
    for i in range(sizes.accounts):
        bench.db.accounts.create(email=f"user{i}@example.com", sort_order=i)
    started = time.perf_counter()
    picked = bench.stack.pick_accounts(sizes.picks)
    took = time.perf_counter() - started
    assert len(picked) == sizes.picks
    if getattr(bench.stack, "strict_rotation", True):
        counts = Counter(bench.stack.key(account) for account in picked)
        assert sorted(counts.values()) == [sizes.rounds] * sizes.accounts
    return len(picked), took


RUN = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7}


def run_once(
    targets: Targets, stacks: dict[str, StackFactory], sizes: Sizes, only: list[str], turn: int
) -> dict[str, dict[str, float]]:
    """One run of the workloads: {workload: {stack: ops/s}}, stacks in turn.

    Each stack gets its own fresh, migrated database. Workloads that ``only``
    needs for their data run too, but are not reported. Which stack goes
    first rotates with the workload and with ``turn`` (the run's number), so
    that no stack always pays for going first or last on a busy machine.
    """
    needed = set(only) | {NEEDS[w] for w in only if w in NEEDS}
    benches: list[Bench] = []
    for n, (name, factory) in enumerate(stacks.items()):
        target = targets.fresh(n)
        db = cwdb.connect(target)
        benches.append(Bench(name, factory(target, db), db, targets.check(target), [], [], target))
    results: dict[str, dict[str, float]] = {}
    try:
        for index, workload in enumerate(WORKLOADS):
            if workload in needed:
                first = (turn + index) % len(benches)
                rates = {b.name: rate(RUN[workload](b, sizes)) for b in benches[first:]}
                rates.update((b.name, rate(RUN[workload](b, sizes))) for b in benches[:first])
                if workload in only:
                    results[workload] = rates
    finally:
        for bench in benches:
            bench.stack.close()
            bench.check.close()
            bench.db.close()
            targets.drop(bench.target)
    return results


def rate(result: tuple[int, float]) -> float:
    units, seconds = result
    return units / seconds


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


#: The default stacks, in the order of the table's columns.
DEFAULT = ("cwdb", "raw", "hand", "naive")
#: What cwdb is divided by in each ratio column of the default table.
BASELINES = ("raw", "hand", "naive")


def ratio(runs: list[dict[str, dict[str, float]]], workload: str, name: str, base: str) -> float:
    """Median over the runs of ``name``'s ops/s over ``base``'s, each in its own run."""
    return statistics.median(r[workload][name] / r[workload][base] for r in runs)


def print_default(
    runs: list[dict[str, dict[str, float]]],
    names: tuple[str, ...] = DEFAULT,
    baselines: tuple[str, ...] = BASELINES,
) -> None:
    """Every default stack's ops/s, then cwdb's ratio to each of the others."""
    rates = [f"{name} ops/s" for name in names]
    ratios = [f"cwdb/{base}" for base in baselines]
    header = " ".join(f"{h:>12}" for h in rates) + " " + " ".join(f"{h:>10}" for h in ratios)
    print(f"{'':7} {header}")
    columns: dict[str, list[float]] = {base: [] for base in baselines}
    for workload in runs[0]:
        ops = [statistics.median(r[workload][name] for r in runs) for name in names]
        for base in baselines:
            columns[base].append(ratio(runs, workload, "cwdb", base))
        cells = " ".join(f"{v:12,.0f}" for v in ops)
        print(f"{workload:7} {cells} " + " ".join(f"{columns[b][-1]:10.2f}" for b in baselines))
    means = " ".join(f"{geomean(columns[b]):10.2f}" for b in baselines)
    print(f"{'geomean':7} {'':>{13 * len(names) - 1}} {means}")


def print_ratios(runs: list[dict[str, dict[str, float]]], names: list[str]) -> None:
    """Every stack as a ratio to each raw baseline in the same run; then everyone's ops/s."""

    def row(label: str, cells: list[str], columns: list[str]) -> None:
        widths = [max(10, len(name)) for name in columns]
        print(f"{label:8} " + " ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))

    for base in ("raw", "hand"):
        shown = [name for name in names if name != base]
        print(f"ratio to {base}")
        row("", shown, shown)
        ratios: dict[str, list[float]] = {name: [] for name in shown}
        for workload in runs[0]:
            for name in shown:
                ratios[name].append(ratio(runs, workload, name, base))
            row(workload, [f"{ratios[name][-1]:.2f}" for name in shown], shown)
        row("geomean", [f"{geomean(ratios[name]):.2f}" for name in shown], shown)
        print()
    row("ops/s", names, names)
    for workload in runs[0]:
        rates = [statistics.median(r[workload][name] for r in runs) for name in names]
        row(workload, [f"{rate:,.0f}" for rate in rates], names)


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="workload size factor (0.02: quick)"
    )
    parser.add_argument(
        "--only", default=",".join(WORKLOADS), help="workloads to report, e.g. W2,W6"
    )
    parser.add_argument("--peers", action="store_true", help="also run scripts/bench_peers.py")
    parser.add_argument(
        "--semantics",
        action="store_true",
        help="W7 only: cwdb against hand-written picks with and without the contract's semantics",
    )
    server = parser.add_mutually_exclusive_group()
    server.add_argument(
        "--database",
        metavar="URL",
        help="run on PostgreSQL: a postgresql:// URL whose user may CREATE DATABASE",
    )
    server.add_argument(
        "--pg-server",
        action="store_true",
        help="run on PostgreSQL: a throwaway server started for the run (fsync off)",
    )
    parser.add_argument(
        "--pg-durable",
        action="store_true",
        help="--pg-server with PostgreSQL's durable defaults (fsync, synchronous_commit on)",
    )
    return parser


def main(argv: list[str]) -> int:
    parser = arguments()
    args = parser.parse_args(argv)
    only = [w for w in WORKLOADS if w in args.only.upper().split(",")]
    if not only or args.scale <= 0 or args.runs < 1:
        parser.error(f"--only takes some of {','.join(WORKLOADS)}; --scale and --runs must be > 0")
    if args.pg_durable and not args.pg_server:
        parser.error("--pg-durable goes with --pg-server")
    if args.database or args.pg_server:
        if args.peers or args.semantics:
            parser.error("--peers and --semantics run on SQLite only")
        return postgresql(args.database, args.pg_durable, args.runs, args.scale, only)
    return sqlite(args, only)


def sqlite(args: argparse.Namespace, only: list[str]) -> int:
    """W1-W7 on SQLite files: cwdb, raw and hand (and the peers, or --semantics)."""
    import bench_hand

    stacks: dict[str, StackFactory] = {"cwdb": CwdbStack, "raw": RawStack, **bench_hand.STACKS}
    if args.semantics:
        stacks = {"cwdb": CwdbStack, **bench_hand.SEMANTICS}
        only = ["W7"]
    versions = ""
    if args.peers:
        try:
            import bench_peers
        except ModuleNotFoundError as error:
            if error.name not in ("sqlalchemy", "aiosql"):
                raise
            print(PEERS_MISSING, file=sys.stderr)
            return 1
        stacks.update(bench_peers.STACKS)
        versions = f", {bench_peers.versions()}"
    sizes = Sizes.scaled(args.scale)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for turn in range(args.runs):
            runs.append(run_once(Files(Path(tmp)), stacks, sizes, only, turn))
    scaled = "" if args.scale == 1 else f" at scale {args.scale:g}"
    print(
        f"cwdb {cwdb.__version__}, apsw {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}, "
        f"Python {sys.version.split()[0]}{versions}, {os.cpu_count()} cores; "
        f"median of {args.runs} runs{scaled}"
    )
    if args.semantics:
        for name in stacks:
            ops = statistics.median(r["W7"][name] for r in runs)
            share = ratio(runs, "W7", "cwdb", name)
            print(f"W7 {name:14} {ops:10,.0f} picks/s   cwdb/{name} {share:.2f}")
    elif args.peers:
        print_ratios(runs, list(stacks))
    else:
        print_default(runs)
    return 0


def postgresql(url: str | None, durable: bool, runs: int, scale: float, only: list[str]) -> int:
    """W1-W7 on PostgreSQL: cwdb, raw and hand, a fresh database each (scripts/bench_pg.py)."""
    import bench_pg

    stacks: dict[str, StackFactory] = {"cwdb": CwdbStack, **bench_pg.STACKS}
    sizes = Sizes.scaled(scale)
    results = []
    with bench_pg.bench_databases(url, durable=durable) as databases:
        for turn in range(runs):
            results.append(run_once(databases, stacks, sizes, only, turn))
        described = databases.describe()
    scaled = "" if scale == 1 else f" at scale {scale:g}"
    print(
        f"cwdb {cwdb.__version__}, {bench_pg.versions()}, {described}, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {runs} runs{scaled}"
    )
    print_default(results, ("cwdb", "raw", "hand"), ("raw", "hand"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
