"""W1-W7 and what every bench script shares: sizes, databases, timing, tables.

The workloads are the functions ``w1`` ... ``w7`` below, each saying in one
line which cwdb call it measures and what the hand-written baseline runs
instead; :class:`Sizes` holds how much each does, :class:`Stack` what a way
of running them must provide. ``run_once`` runs them for a set of stacks,
each on a fresh migrated database of its own (:class:`SqliteFiles`, or
:class:`PgDatabases` on a server of yours or a throwaway one), so that every
ratio compares two stacks measured in the same run.

The cwdb internals the scripts need are imported here and nowhere else:
``new_id``/``new_ids`` (the raw baselines make ids as cwdb does),
``open_file`` (raw APSW with cwdb's connection settings), ``query_file``
(the SQL text cwdb runs for a call), ``time_from_ms`` (the datetimes cwdb
binds on PostgreSQL) and ``copy_database`` (what ``cwdb copy`` runs, for
bench_copy.py).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import itertools
import json
import math
import multiprocessing
import os
import random
import re
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import cwdb
from cwdb._ids import new_id, new_ids
from cwdb.adapters.apsw.connection import open_file
from cwdb.adapters.sqlfiles import query_file
from cwdb.records._codec import time_from_ms

WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7")
#: What each workload needs run before it (its data).
NEEDS = {"W2": "W1", "W3": "W1", "W4": "W1", "W6": "W5"}
#: A ~300-byte log chunk (W5, and bench_writers.py's ingest).
CHUNK_TEXT = ("log line: compiling module and running tests ... ok\n" * 6)[:300]


@dataclass(frozen=True)
class Sizes:
    """How much each workload does; the defaults are the documented workload."""

    initiatives: int = 50
    phases: int = 5  # per initiative
    tasks: int = 20  # per phase
    lookups: int = 10_000  # W2
    passes: int = 3  # W3
    agents: int = 50  # W5: each call writes 100 // 50 = 2 chunks per agent
    calls: int = 500  # W5 insert_chunks calls
    per_call: int = 100
    groups: int = 100  # W6 find_by_agent_ids calls
    group: int = 10  # agents per W6 call
    accounts: int = 20
    rounds: int = 500  # W7: picks = accounts x rounds

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        """The counts of initiatives, lookups, insert and read calls, picks, times ``scale``."""
        base = cls()

        def shrink(n: int) -> int:
            return max(1, round(n * scale))

        return cls(
            initiatives=shrink(base.initiatives),
            lookups=shrink(base.lookups),
            calls=shrink(base.calls),
            groups=shrink(base.groups),
            rounds=shrink(base.rounds),
        )

    @property
    def seeded(self) -> tuple[int, int, int]:
        """W1's rows per table: initiatives, phases, tasks."""
        phases = self.initiatives * self.phases
        return self.initiatives, phases, phases * self.tasks

    @property
    def chunks(self) -> int:
        return self.calls * self.per_call

    @property
    def picks(self) -> int:
        return self.accounts * self.rounds


class Stack(Protocol):
    """One way of running the workloads on one database.

    Each method runs one workload's whole loop (so that timing it adds no
    call per operation); ``w1`` ... ``w7`` time and check it.
    """

    #: The status W4 gives every task.
    new_status: str
    #: Whether its account pick keeps the strict rotation of docs/reference.md §7 (W7 checks it).
    strict_rotation: bool

    def key(self, item: Any) -> str:
        """The id of a task or account as this stack returns it."""
        ...

    def seed(self, sizes: Sizes) -> int:
        """W1: every initiative, phase and task, one transaction each; rows made."""
        ...

    def find_tasks(self, ids: list[str]) -> list[Any]:
        """W2: each task by id, in order."""
        ...

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        """W3: the tasks of each phase; how many rows came back."""
        ...

    def update_tasks(self, ids: list[str], status: str) -> None:
        """W4: set each task's status, one transaction each."""
        ...

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        """W5: each batch of chunks in one transaction; chunks written."""
        ...

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        """W6: the chunks of each group of agents; how many rows came back."""
        ...

    def pick_accounts(self, count: int) -> list[Any]:
        """W7: ``count`` x find_next_available, one transaction each."""
        ...

    def close(self) -> None: ...


#: Builds a stack on a migrated database (path or URL); ``db`` is cwdb connected to it.
StackFactory = Callable[[str, cwdb.Database], Stack]


# -- the same SQL as cwdb, with the parameters cwdb binds ---------------------

#: The statement cwdb runs for ``tasks.update(id, status=...)``.
STATUS_UPDATE = ("tasks", "update__status")
#: The statement cwdb runs for ``accounts.find_next_available()`` when no
#: account's exhaustion has to be cleared (W7 never exhausts one).
PICK = ("accounts", "find_next_available_unexpired")
#: Per workload call, the statement of ``sql/`` cwdb picks for it.
SAME_SQL = {
    "create_initiative": ("initiatives", "create"),
    "create_phase": ("phases", "create"),
    "create_task": ("tasks", "create"),
    "find_task": ("tasks", "find_by_id"),
    "find_phase_tasks": ("tasks", "find_by_phase_id"),
    "update_task": STATUS_UPDATE,
    "insert_chunk": ("log_chunks", "insert_chunks"),
    "find_agent_chunks": ("log_chunks", "find_by_agent_ids"),
    "next_account": PICK,
}


def same_sql(
    stack: object, dialect: str = "sqlite", load: Callable[[str, str], Any] | None = None
) -> None:
    """Set each :data:`SAME_SQL` statement on ``stack`` as an attribute of that name.

    ``load(file, name)`` turns a statement into what the stack runs; by
    default its SQL text in ``dialect``.
    """
    for attribute, (file, name) in SAME_SQL.items():
        setattr(stack, attribute, load(file, name) if load else sql_text(file, name, dialect))


def sql_text(file: str, name: str, dialect: str = "sqlite") -> str:
    """The SQL text of query ``name`` in ``sql/<file>.sql`` (``sql/postgresql/`` for PostgreSQL)."""
    return str(sql_file(file, dialect)[name].sql)


def sql_file(file: str, dialect: str = "sqlite") -> Any:
    """cwdb's own reading of ``sql/<file>.sql``: its ``.path``, each query's ``.sql``."""
    return query_file(file, dialect)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def now_time() -> Any:
    """cwdb's "now" on PostgreSQL: the current millisecond as an aware datetime."""
    return time_from_ms(now_ms())


def initiative_params(i: int) -> dict[str, Any]:
    return {"id": new_id(), "name": f"initiative {i}", "status": "active",
            "execution_mode": "review_per_phase", "quality_review": 0, "branch": None,
            "now": now_ms()}  # fmt: skip


def phase_params(initiative_id: str, j: int) -> dict[str, Any]:
    return {"id": new_id(), "initiative_id": initiative_id, "name": f"phase {j}",
            "content": None, "status": "pending", "merge_base": None, "now": now_ms()}  # fmt: skip


def task_params(phase_id: str, k: int) -> dict[str, Any]:
    return {"id": new_id(), "phase_id": phase_id, "initiative_id": None,
            "parent_task_id": None, "name": f"task {k}", "description": None, "type": "auto",
            "category": "execute", "priority": "medium", "status": "pending", "order": k,
            "summary": None, "retry_count": 0, "now": now_ms()}  # fmt: skip


def pg_params(params: dict[str, Any]) -> dict[str, Any]:
    """A parameter set above as cwdb binds it on PostgreSQL (datetimes, booleans)."""
    params["now"] = now_time()
    if "quality_review" in params:
        params["quality_review"] = bool(params["quality_review"])
    return params


def status_change(task_id: str, status: str) -> dict[str, Any]:
    """Parameters of ``STATUS_UPDATE``."""
    return {"status": status, "id": task_id, "now": now_ms()}


def chunk_rows(batch: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """``insert_chunks`` parameter sets as tuples, in the order its SQL names them
    (id, agent_id, agent_name, content, session_number, now), ids from one call."""
    now = now_ms()
    ids = new_ids(len(batch))
    return [
        (ids[21 * n : 21 * n + 21], c["agent_id"], c["agent_name"], c["content"],
         c["session_number"], now)
        for n, c in enumerate(batch)
    ]  # fmt: skip


def chunk_params(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``insert_chunks`` parameter sets: a new id each, one :now for the call."""
    now = now_ms()
    return [{**chunk, "id": new_id(), "now": now} for chunk in batch]


def pg_chunk_params(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``insert_chunks`` parameter sets as cwdb binds them on PostgreSQL: ids from one
    call, one :now (a datetime) for the call."""
    now = now_time()
    ids = new_ids(len(batch))
    return [{**chunk, "id": ids[21 * n : 21 * n + 21], "now": now} for n, chunk in enumerate(batch)]


def pick_params() -> dict[str, Any]:
    return {"provider": "claude", "now": now_ms()}


class Raw:
    """Raw APSW with cwdb's connection settings: ``write`` wraps BEGIN IMMEDIATE / COMMIT."""

    def __init__(self, path: str) -> None:
        self.conn = open_file(path, busy_timeout_ms=5000, create=False)
        self.cur = self.conn.cursor()

    def write(self, sql: str, params: Any) -> list[tuple[Any, ...]]:
        cur = self.cur
        cur.execute("BEGIN IMMEDIATE")
        rows = cur.execute(sql, params).fetchall()
        cur.execute("COMMIT")
        return rows

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.cur.execute(sql, params).fetchall()

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.rows(sql, params)[0][0]

    def close(self) -> None:
        self.conn.close()


# -- where the stacks run: SQLite files, or databases on a PostgreSQL server --


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


class SqliteFiles:
    """A migrated WAL file per stack in ``folder``, made anew each run."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

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


def postgres_server() -> ModuleType:
    """tests/support/postgres_server.py, loaded from its file (scripts/ is not a package)."""
    path = Path(__file__).resolve().parent.parent / "tests" / "support" / "postgres_server.py"
    spec = importlib.util.spec_from_file_location("cwdb_bench_postgres_server", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: The settings of ``--pg-server``: the tests' server (no fsync, the data is
#: thrown away), or with ``--pg-durable`` PostgreSQL's defaults.
FAST = {"fsync": "off", "full_page_writes": "off"}
DURABLE = {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"}
#: Reported in the header: what decides what a commit costs.
SHOWN = ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers")


def bench_server(settings: dict[str, str]) -> Any:
    """The tests' throwaway server, to ``start()`` with ``settings``; ``stop()`` removes it."""
    support = postgres_server()
    bin_dir = support.server_bin()
    if bin_dir is None:
        raise SystemExit("--pg-server needs PostgreSQL's server programs (initdb, pg_ctl)")

    class BenchServer(support.PostgresServer):
        """The tests' server with ``settings`` on pg_ctl's command line instead of theirs."""

        def _pg_ctl(self, command: str, *args: str) -> None:
            options = f"-c listen_addresses= -k {self.folder} " + " ".join(
                f"-c {name}={value}" for name, value in settings.items()
            )
            self._run(
                str(self.bin_dir / "pg_ctl"),
                *("-D", str(self.data), "-l", str(self.folder / "server.log")),
                *("-o", options, "-w", *args, command),
            )

    return BenchServer(bin_dir)


def with_database(url: str, name: str) -> str:
    """``url`` naming database ``name`` instead (host, user and query kept)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


class PgDatabases:
    """Fresh migrated databases on the server of ``url``, dropped by ``close()``.

    Autovacuum is off on their tables: the server's autovacuum wakes once a
    minute, so it would clean up in one stack's workload and not in another's
    (W7's 10,000 updates of 20 rows leave as many dead row versions, and the
    account pick's index scan slows down with them, for every stack alike).
    """

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.admin = psycopg.connect(url, autocommit=True)
        self.names: list[str] = []
        self._count = itertools.count(1)
        self._template: str | None = None

    def fresh(self, n: int) -> str:
        """The URL of a new database holding cwdb's schema (a copy of one migrated once)."""
        if self._template is None:
            self._template = self._create(None)
            template = with_database(self.url, self._template)
            cwdb.ensure_schema(template)
            check = PgCheck(template)
            tables = check.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            for (table,) in tables:
                check.rows(f'ALTER TABLE "{table}" SET (autovacuum_enabled = off)')
            check.close()
        return with_database(self.url, self._create(self._template))

    def _create(self, template: str | None) -> str:
        name = f"cwdb_bench_{os.getpid()}_{next(self._count)}"
        copy = f' TEMPLATE "{template}"' if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{copy}')  # bench-only: names are ours
        self.names.append(name)
        return name

    def check(self, url: str) -> Check:
        return PgCheck(url)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.names.remove(name)

    def describe(self) -> str:
        """The server's version and the settings that decide what a commit costs."""
        cur = self.admin.cursor()
        version = cur.execute("SHOW server_version").fetchall()[0][0]
        shown = [f"{name}={cur.execute(f'SHOW {name}').fetchall()[0][0]}" for name in SHOWN]
        return f"PostgreSQL {version.split()[0]} ({', '.join(shown)})"

    def close(self) -> None:
        for name in self.names[:]:
            self.drop(with_database(self.url, name))
        self.admin.close()


@contextlib.contextmanager
def pg_databases(url: str | None, *, durable: bool) -> Iterator[PgDatabases]:
    """:class:`PgDatabases` on ``url``, or on a throwaway server when None; all gone at the end."""
    with contextlib.ExitStack() as cleanup:
        if url is None:
            server = bench_server(DURABLE if durable else FAST)
            cleanup.callback(server.stop)
            server.start()
            url = server.url()
        databases = PgDatabases(url)
        cleanup.callback(databases.close)
        yield databases


class PgCheck:
    """Raw psycopg on a stack's database; the harness's ``?`` placeholders become ``%s``."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(re.sub(r"\?", "%s", sql), params)
        return cur.fetchall() if cur.pgresult and cur.pgresult.ntuples else []

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.rows(sql, params)[0][0]

    def close(self) -> None:
        self.conn.close()


# -- W1-W7: each times its stack's loop, checks the result, returns (units, s) --


@dataclass
class Bench:
    """One stack on its own database, with what the workloads pass between them."""

    name: str
    stack: Stack
    db: cwdb.Database  # cwdb on the same database: seeds W7's accounts
    check: Check  # a raw connection to the same database: reads the results back
    target: str
    phases: list[str]
    tasks: list[str]


def timed(run: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """``run(*args)`` and the seconds it took."""
    started = time.perf_counter()
    result = run(*args)
    return result, time.perf_counter() - started


def w1(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    """W1: ``create`` of 50 initiatives x 5 phases x 20 tasks, a transaction each.

    Hand-written: INSERTs naming only the columns they set, RETURNING the row.
    """
    rows, took = timed(bench.stack.seed, sizes)
    assert rows == sum(sizes.seeded)
    tables = ("initiatives", "phases", "tasks")
    counts = tuple(bench.check.value(f"SELECT count(*) FROM {table}") for table in tables)
    assert counts == sizes.seeded, counts
    bench.phases = [r[0] for r in bench.check.rows("SELECT id FROM phases")]
    bench.tasks = [r[0] for r in bench.check.rows("SELECT id FROM tasks")]
    return rows, took


def w2(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    """W2: ``tasks.find_by_id`` of 10,000 random ids.

    Hand-written: ``SELECT ... FROM tasks WHERE id = ?``.
    """
    picks = random.Random(2).choices(bench.tasks, k=sizes.lookups)
    found, took = timed(bench.stack.find_tasks, picks)
    key = bench.stack.key
    assert all(key(t) == i for t, i in zip(found, picks, strict=True))
    return len(picks), took


def w3(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    """W3: ``tasks.find_by_phase_id`` of every phase, 3 passes (20 rows each).

    Hand-written: ``SELECT ... WHERE phase_id = ? ORDER BY "order", created_at``.
    """
    calls = bench.phases * sizes.passes
    total, took = timed(bench.stack.count_phase_tasks, calls)
    assert total == len(calls) * sizes.tasks
    return len(calls), took


def w4(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    """W4: ``tasks.update(id, status=...)`` of every task, shuffled, a transaction each.

    Hand-written: ``UPDATE tasks SET status = ?, updated_at = ? WHERE id = ?``.
    """
    order = bench.tasks[:]
    random.Random(4).shuffle(order)
    status = bench.stack.new_status
    _, took = timed(bench.stack.update_tasks, order, status)
    updated = bench.check.value("SELECT count(*) FROM tasks WHERE status = ?", (status,))
    assert updated == len(order)
    return len(order), took


def agents_of(sizes: Sizes) -> list[str]:
    return [f"r-agent-{i}" for i in range(sizes.agents)]


def w5(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    """W5: ``log_chunks.insert_chunks`` of 50,000 ~300-byte chunks, 100 a call, 50 agents.

    Hand-written: ``executemany`` of a plain INSERT, one transaction a call.
    """
    agents = agents_of(sizes)
    batches = [
        [
            {"agent_id": agents[(call + n) % sizes.agents], "agent_name": "builder",
             "content": CHUNK_TEXT, "session_number": 1}
            for n in range(sizes.per_call)
        ]
        for call in range(sizes.calls)
    ]  # fmt: skip
    written, took = timed(bench.stack.insert_chunks, batches)
    assert written == sizes.chunks
    assert bench.check.value("SELECT count(*) FROM agent_log_chunks") == sizes.chunks
    return written, took


def w6(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    """W6: 100 x ``log_chunks.find_by_agent_ids`` of 10 agents (~10,000 rows a call).

    Hand-written: ``agent_id IN (?, ...)`` (PostgreSQL: ``= ANY(%s)``), rowid order.
    """
    agents = agents_of(sizes)
    n = sizes.group
    starts = [(i * n) % sizes.agents for i in range(sizes.groups)]
    groups = [agents[start : start + n] for start in starts]
    rows, took = timed(bench.stack.count_agent_chunks, groups)
    assert rows == sizes.groups * n * (sizes.chunks // sizes.agents)
    return rows, took


def w7(bench: Bench, sizes: Sizes) -> tuple[int, float]:
    """W7: 10,000 x ``accounts.find_next_available()`` over 20 accounts, a transaction each.

    Hand-written: a plain least-recently-used ``UPDATE ... WHERE id = (SELECT ... LIMIT 1)``
    (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so no strict rotation.
    """
    bench.check.rows("DELETE FROM accounts")
    for i in range(sizes.accounts):
        bench.db.accounts.create(email=f"user{i}@example.com", sort_order=i)
    picked, took = timed(bench.stack.pick_accounts, sizes.picks)
    assert len(picked) == sizes.picks
    if getattr(bench.stack, "strict_rotation", True):
        counts = Counter(bench.stack.key(account) for account in picked)
        assert sorted(counts.values()) == [sizes.rounds] * sizes.accounts
    return len(picked), took


RUN = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7}


def workload_calls(workload: str, sizes: Sizes) -> tuple[int, int]:
    """How many library calls a workload makes, and how many units its ``w`` function counts
    (rows for W1 and W6, chunks for W5, calls for the others)."""
    initiatives, phases, tasks = sizes.seeded
    rows_per_read = sizes.group * (sizes.chunks // sizes.agents)
    return {
        "W1": (initiatives + phases + tasks, initiatives + phases + tasks),
        "W2": (sizes.lookups, sizes.lookups),
        "W3": (phases * sizes.passes, phases * sizes.passes),
        "W4": (tasks, tasks),
        "W5": (sizes.calls, sizes.chunks),
        "W6": (sizes.groups, sizes.groups * rows_per_read),
        "W7": (sizes.picks, sizes.picks),
    }[workload]


#: {workload: {stack: ops/s}} of one run.
Rates = dict[str, dict[str, float]]


def run_once(
    targets: Targets, stacks: dict[str, StackFactory], sizes: Sizes, only: list[str], turn: int
) -> Rates:
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
        benches.append(Bench(name, factory(target, db), db, targets.check(target), target, [], []))
    results: Rates = {}
    try:
        for index, workload in enumerate(WORKLOADS):
            if workload in needed:
                first = (turn + index) % len(benches)
                order = benches[first:] + benches[:first]
                rates = {b.name: rate(RUN[workload](b, sizes)) for b in order}
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


def ratio(runs: list[Rates], workload: str, name: str, base: str) -> float:
    """Median over the runs of ``name``'s ops/s over ``base``'s, each in its own run."""
    return statistics.median(r[workload][name] / r[workload][base] for r in runs)


def ops(runs: list[Rates], workload: str, name: str) -> float:
    """Median over the runs of ``name``'s ops/s."""
    return statistics.median(r[workload][name] for r in runs)


# -- what the scripts print -------------------------------------------------------


def header(*parts: str) -> str:
    """The first line of a report: cwdb's version, ``parts``, Python's and the cores."""
    return (
        f"cwdb {cwdb.__version__}, {', '.join(parts)}, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )


def print_table(runs: list[Rates], names: tuple[str, ...], baselines: tuple[str, ...]) -> None:
    """Every stack's ops/s, then cwdb's ratio to each baseline, per workload and geomean."""
    rates = [f"{name} ops/s" for name in names]
    ratios = [f"cwdb/{base}" for base in baselines]
    head = " ".join(f"{h:>12}" for h in rates) + " " + " ".join(f"{h:>10}" for h in ratios)
    print(f"{'':7} {head}")
    columns: dict[str, list[float]] = {base: [] for base in baselines}
    for workload in runs[0]:
        for base in baselines:
            columns[base].append(ratio(runs, workload, "cwdb", base))
        cells = " ".join(f"{ops(runs, workload, name):12,.0f}" for name in names)
        print(f"{workload:7} {cells} " + " ".join(f"{columns[b][-1]:10.2f}" for b in baselines))
    means = " ".join(f"{geomean(columns[b]):10.2f}" for b in baselines)
    print(f"{'geomean':7} {'':>{13 * len(names) - 1}} {means}")


def print_ratios(runs: list[Rates], names: list[str], baselines: tuple[str, ...]) -> None:
    """Every stack as a ratio to each baseline in the same run; then everyone's ops/s."""

    def row(label: str, cells: list[str], columns: list[str]) -> None:
        widths = [max(10, len(name)) for name in columns]
        print(f"{label:8} " + " ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))

    for base in baselines:
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
        row(workload, [f"{ops(runs, workload, name):,.0f}" for name in names], names)


# -- command lines ----------------------------------------------------------------


def parser(doc: str) -> argparse.ArgumentParser:
    """A script's parser, its help the script's docstring."""
    return argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def server_arguments(parser: argparse.ArgumentParser, database: str, pg_server: str) -> None:
    """``--database URL`` or ``--pg-server``, and ``--pg-durable``."""
    server = parser.add_mutually_exclusive_group()
    server.add_argument("--database", metavar="URL", help=database)
    server.add_argument("--pg-server", action="store_true", help=pg_server)
    parser.add_argument(
        "--pg-durable",
        action="store_true",
        help="--pg-server with PostgreSQL's durable defaults (fsync, synchronous_commit on)",
    )


def quick(parser: argparse.ArgumentParser, argv: list[str], **small: Any) -> argparse.Namespace:
    """``--quick`` (what the tests run) sets ``small``'s options; the parsed arguments."""
    shown = ", ".join(f"{name.replace('_', '-')} {value:,}" for name, value in small.items())
    parser.add_argument("--quick", action="store_true", help=shown)
    args = parser.parse_args(argv)
    if args.quick:
        vars(args).update(small)
    return args


# -- log chunks in bulk, and a writer beside an operation ----------------------------


def fill_chunks(
    db: cwdb.Database, count: int, agents: list[str], content: Callable[[int], str]
) -> None:
    """``count`` chunks over ``agents`` (``content(i)`` the ith's), inserted 10,000 at a time."""
    for start in range(0, count, 10_000):
        db.log_chunks.insert_chunks(
            {"agent_id": agents[i % len(agents)], "agent_name": agents[i % len(agents)],
             "content": content(i)}
            for i in range(start, min(start + 10_000, count))
        )  # fmt: skip


#: (monotonic start, latency s) of each ``insert_chunk`` call of a live writer.
Calls = list[tuple[float, float]]


def write_until(db: cwdb.Database, started: Any, stop: Any) -> Calls:
    """Single ``insert_chunk`` calls until ``stop``; ``started`` set after the first."""
    calls: Calls = []
    while not stop.is_set():
        begin = time.monotonic()
        db.log_chunks.insert_chunk("live", "live", "live output line")
        calls.append((begin, time.monotonic() - begin))
        if len(calls) == 1:
            started.set()
    return calls


def write_in_process(path: str, started: Any, stop: Any, results: Any) -> None:
    """The writer as another process (spawned): sends its calls back at the end."""
    with cwdb.connect(path) as db:
        results.put(write_until(db, started, stop))


@contextlib.contextmanager
def live_writer(db: cwdb.Database, path: str, kind: str = "process") -> Iterator[Calls]:
    """A writer (a thread on ``db``, or a process on ``path``) busy during the block.

    The block starts after the writer's first commit; the list it gets is
    filled with the writer's calls when the block ends.
    """
    calls: Calls = []
    if kind == "thread":
        started: Any = threading.Event()
        stop: Any = threading.Event()
        worker: Any = threading.Thread(target=lambda: calls.extend(write_until(db, started, stop)))
    else:
        context = multiprocessing.get_context("spawn")
        started, stop, results = context.Event(), context.Event(), context.Queue()
        worker = context.Process(target=write_in_process, args=(path, started, stop, results))
    worker.start()
    try:
        if not started.wait(60):
            raise RuntimeError("the writer did not start")
        yield calls
    finally:
        stop.set()
        if kind != "thread":
            calls.extend(results.get(timeout=120))
        worker.join(60)
    assert getattr(worker, "exitcode", 0) == 0, f"the writer exited with {worker.exitcode}"


def cwdb_json(ids: list[str]) -> str:
    """The one JSON text parameter cwdb binds for a list of ids."""
    return json.dumps(ids)


def copy_database(source: str, dest: str, batch: int) -> Any:
    """What ``python -m cwdb copy`` runs, in this process; its report (``.rows``, ``.seconds``)."""
    from cwdb.ops.copy import copy_database

    return copy_database(source, dest, batch_size=batch)
