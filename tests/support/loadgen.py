"""A mixed write load from many processes on one database file.

Shared by ``tests/test_load.py`` (a fixed number of transactions per process,
every count asserted) and ``scripts/soak_load.py`` (a duration, throughput
and latency reported). Each worker process opens its own ``Database`` and
runs a shuffled mix of five kinds of write transaction:

- ``create``: ``tasks.create`` in the load phase;
- ``update``: ``tasks.update`` of the worker's own task (``order`` = the
  transaction's number, so the last one written must be the one stored);
- ``increment``: ``tasks.increment_retry_count`` of one of a few tasks that
  every worker shares (the lost-update trap);
- ``chunks``: ``log_chunks.insert_chunks`` of a few chunks of its own agent;
- ``pair``: a ``db.transaction()`` spanning two repositories: a task, and a
  log chunk naming that task (both or neither).

Reader threads in the parent read the same rows meanwhile and check that
what they see only grows. :func:`verify` then compares the database with
what every worker reports it committed: nothing lost, nothing half done.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import attrs

import cwdb

KINDS = ("create", "update", "increment", "chunks", "pair")
CHUNKS_PER_CALL = 5
SHARED_TASKS = 4


@attrs.frozen
class Setup:
    """The rows the load works on (plain ids, so it pickles to a spawned child)."""

    path: str
    setup_phase_id: str
    load_phase_id: str
    shared_task_ids: tuple[str, ...]
    own_task_ids: tuple[str, ...]
    agent_ids: tuple[str, ...]


@attrs.frozen
class Outcome:
    """What one worker committed, as it saw it."""

    index: int
    counts: dict[str, int]
    increments: dict[str, int]
    last_order: int | None
    latencies: list[float]
    errors: list[str]


def prepare(path: str, workers: int) -> Setup:
    """Create the parents: one phase to load, shared tasks, one task and agent per worker."""
    with cwdb.connect(path) as db:
        initiative = db.initiatives.create(name="load")
        setup_phase = db.phases.create(initiative_id=initiative.id, name="setup")
        load_phase = db.phases.create(initiative_id=initiative.id, name="load")
        shared = tuple(
            db.tasks.create(phase_id=setup_phase.id, name=f"shared-{n}").id
            for n in range(SHARED_TASKS)
        )
        own = tuple(
            db.tasks.create(phase_id=setup_phase.id, name=f"own-{n}").id for n in range(workers)
        )
        agents = tuple(
            db.agents.create(name=f"load-agent-{n}", worktree_id=f"wt-{n}").id
            for n in range(workers)
        )
    return Setup(path, setup_phase.id, load_phase.id, shared, own, agents)


def plan(rng: random.Random, transactions: int) -> list[str]:
    """An even, shuffled mix of the five kinds (exact counts for the test)."""
    kinds = [KINDS[n % len(KINDS)] for n in range(transactions)]
    rng.shuffle(kinds)
    return kinds


class Worker:
    """One process's share of the load, on its own ``Database``."""

    def __init__(self, db: cwdb.Database, setup: Setup, index: int, seed: int) -> None:
        self.db = db
        self.setup = setup
        self.index = index
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.increments: Counter[str] = Counter()
        self.last_order: int | None = None
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self._ops: dict[str, Callable[[int], None]] = {
            "create": self.create,
            "update": self.update,
            "increment": self.increment,
            "chunks": self.chunks,
            "pair": self.pair,
        }

    def create(self, n: int) -> None:
        self.db.tasks.create(phase_id=self.setup.load_phase_id, name=f"w{self.index}-c{n}")

    def update(self, n: int) -> None:
        own = self.setup.own_task_ids[self.index]
        self.db.tasks.update(own, order=n, description=f"w{self.index}-u{n}")
        self.last_order = n

    def increment(self, n: int) -> None:
        target = self.rng.choice(self.setup.shared_task_ids)
        self.db.tasks.increment_retry_count(target)
        self.increments[target] += 1

    def chunks(self, n: int) -> None:
        agent = self.setup.agent_ids[self.index]
        batch = [
            {"agent_id": agent, "agent_name": f"w{self.index}", "content": f"w{self.index}-{n}-{j}"}
            for j in range(CHUNKS_PER_CALL)
        ]
        assert self.db.log_chunks.insert_chunks(batch) == CHUNKS_PER_CALL

    def pair(self, n: int) -> None:
        agent = self.setup.agent_ids[self.index]
        with self.db.transaction():
            made = self.db.tasks.create(
                phase_id=self.setup.load_phase_id, name=f"w{self.index}-p{n}"
            )
            self.db.log_chunks.insert_chunk(agent, f"w{self.index}", f"pair:{made.id}")

    def run(self, kind: str, n: int) -> None:
        """One transaction, timed; a cwdb error is recorded, not raised."""
        started = time.perf_counter()
        try:
            self._ops[kind](n)
        except cwdb.Error as error:
            self.errors.append(f"{kind} #{n}: {type(error).__name__}: {error}")
        else:
            self.counts[kind] += 1
        self.latencies.append(time.perf_counter() - started)

    def outcome(self) -> Outcome:
        return Outcome(
            self.index,
            dict(self.counts),
            dict(self.increments),
            self.last_order,
            self.latencies,
            self.errors,
        )


@attrs.frozen
class Job:
    """One worker's orders: a number of transactions, or a duration in seconds."""

    setup: Setup
    index: int
    transactions: int | None
    seconds: float | None
    seed: int


def work(job: Job, start: Any, results: Any) -> None:
    """A worker process: its transactions (a count, or until a deadline), then its outcome.

    Module-level so that a spawned child can import it. Anything unexpected
    is reported back as an error instead of dying silently.
    """
    setup, index, transactions, seconds = job.setup, job.index, job.transactions, job.seconds
    try:
        with cwdb.connect(setup.path) as db:
            worker = Worker(db, setup, index, job.seed)
            start.wait(timeout=120)
            if transactions is not None:
                for n, kind in enumerate(plan(worker.rng, transactions)):
                    worker.run(kind, n)
            else:
                assert seconds is not None
                deadline = time.monotonic() + seconds
                n = 0
                while time.monotonic() < deadline:
                    worker.run(worker.rng.choice(KINDS), n)
                    n += 1
            results.put(worker.outcome())
    except BaseException as error:
        results.put(Outcome(index, {}, {}, None, [], [f"worker {index} died: {error!r}"]))


class Readers:
    """Threads in the parent that read the loaded rows until stopped.

    Every read is bounded (the work does not grow with the load): the
    shared tasks' retry counts, whose total a reader must never see go
    down; the own tasks, each of whose ``order`` must never go down either
    (a worker writes increasing numbers); and each agent's session count.
    """

    def __init__(self, db: cwdb.Database, setup: Setup, count: int) -> None:
        self.db = db
        self.setup = setup
        self.stop = threading.Event()
        self.reads = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._read, daemon=True) for _ in range(count)]

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _read(self) -> None:
        db, setup = self.db, self.setup
        retries_seen = 0
        order_seen: dict[str, int] = {}
        reads = 0
        try:
            while not self.stop.is_set():
                retries = 0
                for task_id in setup.shared_task_ids:
                    found = db.tasks.find_by_id(task_id)
                    retries += found.retry_count if found is not None else -1
                if retries < retries_seen:
                    self.errors.append(f"reader saw retry total {retries} after {retries_seen}")
                retries_seen = retries
                for task in db.tasks.find_by_phase_id(setup.setup_phase_id):
                    if task.order < order_seen.get(task.id, 0):
                        self.errors.append(f"reader saw {task.name} order go back")
                    order_seen[task.id] = task.order
                for agent_id in setup.agent_ids:
                    if db.log_chunks.get_session_count(agent_id) not in {0, 1}:
                        self.errors.append(f"reader saw a wrong session count for {agent_id}")
                reads += 1
        except BaseException as error:
            self.errors.append(f"reader: {error!r}")
        with self._lock:
            self.reads += reads


def run_load(
    setup: Setup,
    *,
    processes: int,
    transactions: int | None = None,
    seconds: float | None = None,
    readers: int = 2,
    seed: int = 0,
) -> tuple[list[Outcome], Readers, float]:
    """Start the workers together, read meanwhile; their outcomes, the readers, wall time."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes + 1)
    results = context.Queue()
    children = [
        context.Process(
            target=work,
            args=(Job(setup, index, transactions, seconds, seed * 1000 + index), start, results),
        )
        for index in range(processes)
    ]
    for child in children:
        child.start()
    with cwdb.connect(setup.path) as db, Readers(db, setup, readers) as reading:
        try:
            start.wait(timeout=120)
            began = time.perf_counter()
            outcomes = _collect(children, results)
            elapsed = time.perf_counter() - began
        finally:
            for child in children:
                child.join(timeout=60)
                if child.is_alive():
                    child.kill()
                    child.join()
    exit_codes = [child.exitcode for child in children]
    if exit_codes != [0] * processes:
        raise AssertionError(f"worker exit codes {exit_codes}: {outcomes}")
    return sorted(outcomes, key=lambda o: o.index), reading, elapsed


def _collect(children: list[Any], results: Any) -> list[Outcome]:
    """One outcome per child; fails instead of hanging when a child died without one."""
    outcomes: list[Outcome] = []
    while len(outcomes) < len(children):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if not any(child.is_alive() for child in children):
                got = len(outcomes)
                raise AssertionError(f"{len(children) - got} workers died silently") from None
    return outcomes


def verify(setup: Setup, outcomes: list[Outcome]) -> list[str]:
    """Every way the database differs from what the workers committed (empty: none)."""
    problems = [error for outcome in outcomes for error in outcome.errors]
    total: Counter[str] = Counter()
    increments: Counter[str] = Counter()
    for outcome in outcomes:
        total.update(outcome.counts)
        increments.update(outcome.increments)
    with cwdb.connect(setup.path) as db:
        problems += _check_tasks(db, setup, total)
        problems += _check_retries(db, setup, increments)
        problems += _check_chunks(db, setup, outcomes)
        problems += _check_own_tasks(db, setup, outcomes)
        problems += check_database(db)
    return problems


def _check_tasks(db: cwdb.Database, setup: Setup, total: Counter[str]) -> list[str]:
    tasks = db.tasks.find_by_phase_id(setup.load_phase_id)
    expected = total["create"] + total["pair"]
    if len(tasks) != expected:
        return [f"{len(tasks)} tasks created, {expected} acknowledged"]
    return []


def _check_retries(db: cwdb.Database, setup: Setup, increments: Counter[str]) -> list[str]:
    problems = []
    for task_id in setup.shared_task_ids:
        found = db.tasks.find_by_id(task_id)
        stored = found.retry_count if found is not None else None
        if stored != increments[task_id]:
            problems.append(f"task {task_id}: retry_count {stored}, {increments[task_id]} done")
    return problems


def _check_chunks(db: cwdb.Database, setup: Setup, outcomes: list[Outcome]) -> list[str]:
    problems = []
    for outcome in outcomes:
        agent = setup.agent_ids[outcome.index]
        chunks = db.log_chunks.find_by_agent_id(agent)
        expected = outcome.counts.get("chunks", 0) * CHUNKS_PER_CALL + outcome.counts.get("pair", 0)
        if len(chunks) != expected:
            problems.append(f"worker {outcome.index}: {len(chunks)} chunks, {expected} inserted")
    tasks = {t.id for t in db.tasks.find_by_phase_id(setup.load_phase_id) if "-p" in t.name}
    pairs = {
        c.content.removeprefix("pair:")
        for c in db.log_chunks.find_by_agent_ids(setup.agent_ids)
        if c.content.startswith("pair:")
    }
    if tasks != pairs:
        problems.append(f"half-done pairs: {len(tasks ^ pairs)}")
    return problems


def _check_own_tasks(db: cwdb.Database, setup: Setup, outcomes: list[Outcome]) -> list[str]:
    problems = []
    for outcome in outcomes:
        found = db.tasks.find_by_id(setup.own_task_ids[outcome.index])
        stored = found.order if found is not None else None
        expected = outcome.last_order if outcome.last_order is not None else 0
        if stored != expected:
            problems.append(f"worker {outcome.index}: order {stored}, last written {expected}")
    return problems


def check_database(db: cwdb.Database) -> list[str]:
    """SQLite's own verdict on the file: integrity and foreign keys."""
    connection = db._runner._open_connection()
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchall()
        foreign = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    problems = []
    if integrity != [("ok",)]:
        problems.append(f"integrity_check: {integrity}")
    if foreign:
        problems.append(f"foreign_key_check: {foreign}")
    return problems


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[rank]
