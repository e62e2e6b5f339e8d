"""cwdb against raw APSW (or raw psycopg) and a naive mapper on the orchestrator's workload.

Usage: python scripts/bench.py [--runs 3] [--scale 1.0] [--only W2,W6] [--peers | --semantics]
       python scripts/bench.py --database postgresql://... | --pg-server [--pg-durable] [...]
       python scripts/bench.py --async [--database postgresql://...] [...]

W1-W7, their sizes and checks are defined once, in scripts/bench_workload.py.
Each workload runs on a fresh migrated database per stack, all stacks in the
same run, and every ratio is cwdb's throughput over another stack's measured
in that run (median of --runs runs). Every run checks its results, so a fast
wrong answer fails. The stacks:

* ``cwdb``: the library, through its public API (below).
* ``raw`` (same SQL, below): raw APSW executing the SAME SQL text as cwdb
  (from sql/: the statement cwdb picks for each call) with the same
  parameters and the same BEGIN IMMEDIATE / COMMIT per write, returning
  plain tuples: no records, no validation, no datetimes. cwdb/raw is the
  library's own Python overhead.
* ``hand`` and ``naive`` (scripts/bench_hand.py): raw APSW running the SQL
  an engineer writes by hand, tuples out; and the same with rows mapped
  naively to cwdb's records. cwdb/hand is what the library costs, SQL
  included, against doing it yourself.

On PostgreSQL (``--database URL``: a server you run, where the URL's user
may CREATE DATABASE; or ``--pg-server``: a throwaway server started for the
run as the tests start theirs, with fsync off unless ``--pg-durable``), the
stacks are ``cwdb``, ``raw`` and ``hand`` of scripts/bench_pg.py (raw
psycopg on cwdb's SQL from sql/postgresql/, and on hand-written SQL), each
on a fresh database of its own, and the table gives cwdb/raw and cwdb/hand.

--scale shrinks the counts (initiatives, lookups, insert calls, read calls,
picks) for a quick run, keeping every check exact. --peers also runs the
stacks of scripts/bench_peers.py (stdlib sqlite3, naive APSW mapping by
name, aiosql, SQLAlchemy ORM; needs `pip install -e '.[bench]'`) and prints
every stack as a ratio to the same-SQL and to the hand-written raw APSW
measured in the same run. --semantics runs W7 only, against hand-written
picks with and without the contract's semantics (scripts/bench_hand.py).

--async runs the workloads through ``cwdb.connect_async`` (scripts/bench_aio.py),
in one run: on PostgreSQL (``--database``, else a throwaway server) against raw
psycopg ``AsyncConnection`` on the same SQL, unprepared and prepared alike; on
SQLite files against the sync API, as microseconds added per call; and 100
asyncio tasks against 100 threads doing ``tasks.find_by_id``, calls per second.
"""

from __future__ import annotations

import json
import sys
import tempfile
from typing import Any

import apsw
from bench_workload import (
    WORKLOADS,
    Rates,
    Raw,
    Sizes,
    SqliteFiles,
    StackFactory,
    Targets,
    chunk_rows,
    header,
    initiative_params,
    ops,
    parser,
    pg_databases,
    phase_params,
    pick_params,
    print_ratios,
    print_table,
    ratio,
    run_once,
    same_sql,
    server_arguments,
    status_change,
    task_params,
)

import cwdb

PEERS_MISSING = (
    "--peers needs the optional extra 'bench' (sqlalchemy, aiosql): pip install -e '.[bench]'"
)


# -- the stacks bench.py adds: the library itself, and raw APSW on its SQL --------


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
    """Raw APSW on cwdb's own SQL and parameters (``SAME_SQL``), tuples out."""

    new_status = "completed"
    strict_rotation = True

    def __init__(self, path: str, db: cwdb.Database) -> None:
        self.raw = Raw(path)
        same_sql(self)

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


def main(argv: list[str]) -> int:
    arguments = parser(__doc__)
    arguments.add_argument("--runs", type=int, default=3)
    arguments.add_argument(
        "--scale", type=float, default=1.0, help="workload size factor (0.02: quick)"
    )
    arguments.add_argument(
        "--only", default=",".join(WORKLOADS), help="workloads to report, e.g. W2,W6"
    )
    arguments.add_argument("--peers", action="store_true", help="also run scripts/bench_peers.py")
    arguments.add_argument(
        "--semantics",
        action="store_true",
        help="W7 only: cwdb against hand-written picks with and without the contract's semantics",
    )
    arguments.add_argument(
        "--async",
        dest="asyncio",
        action="store_true",
        help="through connect_async: PostgreSQL against raw psycopg AsyncConnection, "
        "SQLite against the sync API, 100 tasks against 100 threads (bench_aio.py)",
    )
    server_arguments(
        arguments,
        database="run on PostgreSQL: a postgresql:// URL whose user may CREATE DATABASE",
        pg_server="run on PostgreSQL: a throwaway server started for the run (fsync off)",
    )
    args = arguments.parse_args(argv)
    only = [w for w in WORKLOADS if w in args.only.upper().split(",")]
    if not only or args.scale <= 0 or args.runs < 1:
        arguments.error(
            f"--only takes some of {','.join(WORKLOADS)}; --scale and --runs must be > 0"
        )
    if args.pg_durable and not (args.pg_server or args.asyncio):
        arguments.error("--pg-durable goes with --pg-server")
    if args.asyncio:
        if args.peers or args.semantics:
            arguments.error("--peers and --semantics do not go with --async")
        return asyncio_api(args, only)
    if args.database or args.pg_server:
        if args.peers or args.semantics:
            arguments.error("--peers and --semantics run on SQLite only")
        return postgresql(args, only)
    return sqlite(args, only)


def measure(
    targets: Targets, stacks: dict[str, StackFactory], args: Any, only: list[str]
) -> list[Rates]:
    """--runs runs of ``only`` by ``stacks``, each on fresh databases of ``targets``."""
    sizes = Sizes.scaled(args.scale)
    return [run_once(targets, stacks, sizes, only, turn) for turn in range(args.runs)]


def of_runs(args: Any) -> str:
    scaled = "" if args.scale == 1 else f" at scale {args.scale:g}"
    return f"median of {args.runs} runs{scaled}"


def sqlite(args: Any, only: list[str]) -> int:
    """W1-W7 on SQLite files: cwdb, raw and hand (and the peers, or --semantics)."""
    import bench_hand

    stacks: dict[str, StackFactory] = {"cwdb": CwdbStack, "raw": RawStack, **bench_hand.STACKS}
    if args.semantics:
        stacks = {"cwdb": CwdbStack, **bench_hand.SEMANTICS}
        only = ["W7"]
    versions = [f"apsw {apsw.apsw_version()}", f"SQLite {apsw.sqlite_lib_version()}"]
    if args.peers:
        try:
            import bench_peers
        except ModuleNotFoundError as error:
            if error.name not in ("sqlalchemy", "aiosql"):
                raise
            print(PEERS_MISSING, file=sys.stderr)
            return 1
        stacks.update(bench_peers.STACKS)
    with tempfile.TemporaryDirectory() as tmp:
        runs = measure(SqliteFiles(tmp), stacks, args, only)
    if args.peers:
        versions.append(bench_peers.versions())
    print(f"{header(*versions)}; {of_runs(args)}")
    if args.semantics:
        for name in stacks:
            share = ratio(runs, "W7", "cwdb", name)
            print(f"W7 {name:14} {ops(runs, 'W7', name):10,.0f} picks/s   cwdb/{name} {share:.2f}")
    elif args.peers:
        print_ratios(runs, list(stacks), ("raw", "hand"))
    else:
        print_table(runs, ("cwdb", "raw", "hand", "naive"), ("raw", "hand", "naive"))
    return 0


def postgresql(args: Any, only: list[str]) -> int:
    """W1-W7 on PostgreSQL: cwdb, raw and hand, a fresh database each (scripts/bench_pg.py)."""
    import bench_pg

    stacks: dict[str, StackFactory] = {"cwdb": CwdbStack, **bench_pg.STACKS}
    with pg_databases(args.database, durable=args.pg_durable) as databases:
        runs = measure(databases, stacks, args, only)
        described = databases.describe()
    print(f"{header(bench_pg.versions(), described)}; {of_runs(args)}")
    print_table(runs, ("cwdb", "raw", "hand"), ("raw", "hand"))
    return 0


def asyncio_api(args: Any, only: list[str]) -> int:
    """W1-W7 through connect_async on PostgreSQL and SQLite, and 100 tasks vs 100 threads."""
    import bench_aio
    import bench_pg

    sync_async: dict[str, StackFactory] = {"sync": CwdbStack, "async": bench_aio.CwdbAsync}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_runs = measure(SqliteFiles(tmp), sync_async, args, only)
    with pg_databases(args.database, durable=args.pg_durable) as databases:
        pg_runs = measure(databases, bench_aio.pg_stacks(), args, only)
        seconds = 2.0 if args.scale >= 1 else 0.5
        tasks, threads = bench_aio.concurrency(databases.fresh(0), seconds)
        described = databases.describe()
    versions = (bench_pg.versions(), described, f"SQLite {apsw.sqlite_lib_version()}")
    print(f"{header(*versions)}; {of_runs(args)}")
    print("PostgreSQL: AsyncDatabase against raw psycopg AsyncConnection, the same SQL")
    bench_aio.print_pg(pg_runs)
    print("SQLite (file, WAL): AsyncDatabase against the sync Database")
    bench_aio.print_sqlite(sqlite_runs, Sizes.scaled(args.scale))
    print(f"PostgreSQL, 100 concurrent tasks.find_by_id for {seconds:g} s (pools of 10)")
    for name, (rate, cpu) in (
        ("asyncio tasks, AsyncDatabase", tasks),
        ("threads, Database", threads),
    ):
        print(f"  100 {name:28} {rate:8,.0f} calls/s {cpu:8.1f} CPU us/call")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
