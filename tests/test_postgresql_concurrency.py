"""Every atomic promise of docs/reference.md §4/§7 holds for 8 processes racing on PostgreSQL.

The README's "PostgreSQL: when one machine is not enough" promises them for
any number of processes: strict rotation of ``find_next_available``, one
root page, acyclic dependencies, one winner of ``conversations.answer``,
exact ``increment_retry_count``, one active chat session per target,
all-or-nothing batches and ``transaction()`` blocks. Each test hands one job
to each of 8 processes (tests/support/pg_workers.py: each process has its
own ``cwdb.connect(url)`` and all of them start at once, released by a
barrier); the jobs return what they saw, the expected refusals included, and
the test checks every result and the database against the promise.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import cwdb
from tests.support import postgres_server
from tests.support.pg_workers import WorkerPool

pytest.importorskip("psycopg", reason="psycopg is in the test extra")

PROCESSES = 8
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def url(pg_server: postgres_server.PostgresServer) -> str:
    made = pg_server.create_database("concurrency")
    cwdb.ensure_schema(made)
    return made


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    workers = WorkerPool(PROCESSES)
    try:
        yield workers
    finally:
        workers.close()


@pytest.fixture
def db(url: str) -> Iterator[cwdb.Database]:
    with cwdb.connect(url, migrate=False) as database:
        yield database


def outcome(error: cwdb.Error) -> str:
    """An expected refusal, by class, for the parent to count."""
    return type(error).__name__


def ms(value: datetime) -> int:
    """Milliseconds since 1970, exactly (no float on the way)."""
    return (value - EPOCH) // timedelta(milliseconds=1)


# -- accounts.find_next_available ------------------------------------------------


def _pick(db: cwdb.Database, index: int, provider: str, picks: int) -> list[tuple[str, int]]:
    picked = []
    for _ in range(picks):
        account = db.accounts.find_next_available(provider)
        assert account is not None
        assert account.last_used_at is not None
        picked.append((account.id, ms(account.last_used_at)))
    return picked


@pytest.mark.parametrize("accounts", [5, 3])
def test_find_next_available_rotates_strictly_across_processes(
    pool: WorkerPool, url: str, db: cwdb.Database, accounts: int
) -> None:
    provider = f"rotation-{accounts}"
    past = datetime.now(UTC) - timedelta(hours=1)
    made = [
        # Created in one order, ranked by sort_order in another: the first
        # round of picks must follow sort_order.
        db.accounts.create(email=f"a{n}@example.com", provider=provider, sort_order=accounts - n)
        for n in range(accounts - 1)
    ]
    # Exhausted until an hour ago: available, and its first pick clears it.
    expired = db.accounts.create(
        email="expired@example.com",
        provider=provider,
        sort_order=accounts,
        is_exhausted=True,
        exhausted_until=past,
    )
    made.append(expired)
    # Exhausted with no end: never picked.
    held = db.accounts.create(
        email="held@example.com", provider=provider, is_exhausted=True, sort_order=-1
    )
    per_process = 20
    picks = pool.run(url, _pick, [(provider, per_process)] * PROCESSES)

    every = [pick for process in picks for pick in process]
    assert len(every) == PROCESSES * per_process
    stamps = [stamp for _, stamp in every]
    assert len(set(stamps)) == len(stamps), "two picks share a last_used_at"
    for process in picks:
        own = [stamp for _, stamp in process]
        assert own == sorted(own), "a process saw time go back"
        assert len(set(own)) == len(own)
    in_order = [account for account, _ in sorted(every, key=lambda pick: pick[1])]
    first_round = [a.id for a in sorted(made, key=lambda a: a.sort_order)]
    assert in_order[:accounts] == first_round
    # Strict rotation: each pick is the account picked one round before.
    broken = [i for i in range(accounts, len(in_order)) if in_order[i] != in_order[i - accounts]]
    assert broken == [], f"rotation broken at picks {broken[:5]}"
    counts = Counter(in_order)
    assert max(counts.values()) - min(counts.values()) <= 1
    assert set(counts) == {a.id for a in made}

    last = {account: max(s for a, s in every if a == account) for account in counts}
    for account in db.accounts.find_all():
        if account.provider != provider:
            continue
        if account.id == held.id:
            assert account.last_used_at is None
            assert account.is_exhausted
        else:
            assert account.last_used_at is not None
            assert ms(account.last_used_at) == last[account.id]
            assert not account.is_exhausted
            assert account.exhausted_until is None


# -- pages.get_or_create_root_page -------------------------------------------------


def _root_pages(db: cwdb.Database, index: int, initiative_ids: list[str]) -> list[str]:
    return [db.pages.get_or_create_root_page(i).id for i in initiative_ids]


def test_get_or_create_root_page_makes_one_root_for_every_racer(
    pool: WorkerPool, url: str, db: cwdb.Database
) -> None:
    initiatives = [db.initiatives.create(name=f"root-{n}").id for n in range(25)]
    results = pool.run(url, _root_pages, [(initiatives,)] * PROCESSES)
    for n, initiative_id in enumerate(initiatives):
        ids = {result[n] for result in results}
        assert len(ids) == 1, f"{initiative_id}: {len(ids)} different roots returned"
        roots = [
            p for p in db.pages.find_by_initiative_id(initiative_id) if p.parent_page_id is None
        ]
        assert [p.id for p in roots] == list(ids)
        assert roots[0].title == f"root-{n}"


# -- tasks/phases.create_dependency ------------------------------------------------


def _link(db: cwdb.Database, index: int, noun: str, edges: list[tuple[str, str]]) -> list[str]:
    repository = db.tasks if noun == "task" else db.phases
    seen = []
    for node, depends_on in edges:
        try:
            repository.create_dependency(node, depends_on)
            seen.append("ok")
        except cwdb.ValidationError as error:
            seen.append(outcome(error) if "cycle" in str(error) else str(error))
    return seen


@pytest.mark.parametrize("noun", ["task", "phase"])
def test_concurrent_opposite_dependencies_never_both_succeed(
    pool: WorkerPool, url: str, db: cwdb.Database, noun: str
) -> None:
    initiative = db.initiatives.create(name=f"dependencies-{noun}")
    phase = db.phases.create(initiative_id=initiative.id, name="p")

    def node(n: int) -> str:
        if noun == "task":
            return db.tasks.create(phase_id=phase.id, name=f"t{n}").id
        return db.phases.create(initiative_id=initiative.id, name=f"p{n}").id

    # 20 pairs raced both ways (even processes A->B, odd B->A), then 10
    # triangles whose three edges are raced (process i adds edge i % 3).
    pairs = [(node(2 * n), node(2 * n + 1)) for n in range(20)]
    triangles = [(node(100 + 3 * n), node(101 + 3 * n), node(102 + 3 * n)) for n in range(10)]

    def edges_of(index: int) -> list[tuple[str, str]]:
        own = [(a, b) if index % 2 == 0 else (b, a) for a, b in pairs]
        for triangle in triangles:
            k = index % 3
            own.append((triangle[k], triangle[(k + 1) % 3]))
        return own

    plans = [edges_of(index) for index in range(PROCESSES)]
    results = pool.run(url, _link, [(noun, plan) for plan in plans])
    repository = db.tasks if noun == "task" else db.phases

    def stored(nodes: tuple[str, ...]) -> set[tuple[str, str]]:
        return {(n, d) for n in nodes for d in repository.get_dependencies(n)}

    refused = 0
    for round_number, nodes in enumerate([*pairs, *triangles]):
        won = {plans[i][round_number] for i in range(PROCESSES) if results[i][round_number] == "ok"}
        lost = {
            plans[i][round_number] for i in range(PROCESSES) if results[i][round_number] != "ok"
        }
        refused += sum(results[i][round_number] != "ok" for i in range(PROCESSES))
        assert not won & lost, f"{nodes}: one edge both made and refused"
        assert stored(nodes) == won
        # A pair keeps one edge of two, a triangle two of three: never a cycle.
        assert len(won) == len(nodes) - 1, f"{nodes}: edges {won}"
    assert refused > 0


# -- conversations.answer ----------------------------------------------------------


def _answer(db: cwdb.Database, index: int, conversation_ids: list[str]) -> list[str]:
    seen = []
    for conversation_id in conversation_ids:
        try:
            answered = db.conversations.answer(conversation_id, f"from {index}")
            assert answered.answer == f"from {index}"
            seen.append("ok")
        except cwdb.ConflictError as error:
            seen.append(outcome(error))
    return seen


def test_each_conversation_is_answered_by_exactly_one_process(
    pool: WorkerPool, url: str, db: cwdb.Database
) -> None:
    asker = db.agents.create(name="asker", worktree_id="w1")
    answerer = db.agents.create(name="answerer", worktree_id="w2")
    ids = [db.conversations.create(asker.id, answerer.id, f"q{n}").id for n in range(30)]
    results = pool.run(url, _answer, [(ids,)] * PROCESSES)
    for n, conversation_id in enumerate(ids):
        column = [results[i][n] for i in range(PROCESSES)]
        winners = [i for i in range(PROCESSES) if column[i] == "ok"]
        assert len(winners) == 1, f"{conversation_id}: {column}"
        assert Counter(column)["ConflictError"] == PROCESSES - 1
        stored = db.conversations.find_by_id(conversation_id)
        assert stored is not None
        assert (stored.status, stored.answer) == ("answered", f"from {winners[0]}")


# -- tasks.increment_retry_count -----------------------------------------------------


def _increment(db: cwdb.Database, index: int, task_ids: list[str], times: int) -> list[int]:
    return [
        db.tasks.increment_retry_count(task_ids[n % len(task_ids)]).retry_count
        for n in range(times * len(task_ids))
    ]


def test_increment_retry_count_loses_no_increment(
    pool: WorkerPool, url: str, db: cwdb.Database
) -> None:
    initiative = db.initiatives.create(name="increments")
    phase = db.phases.create(initiative_id=initiative.id, name="p")
    tasks = [db.tasks.create(phase_id=phase.id, name=f"counter-{n}").id for n in range(3)]
    times = 25
    results = pool.run(url, _increment, [(tasks, times)] * PROCESSES)
    for k, task_id in enumerate(tasks):
        returned = sorted(v for result in results for v in result[k :: len(tasks)])
        # Every increment saw a count no other saw: 1..N, each once.
        assert returned == list(range(1, PROCESSES * times + 1))
        stored = db.tasks.find_by_id(task_id)
        assert stored is not None
        assert stored.retry_count == PROCESSES * times


# -- chat_sessions.create_session ----------------------------------------------------


def _open_sessions(
    db: cwdb.Database, index: int, initiative_id: str, targets: list[str]
) -> list[str]:
    seen = []
    for target in targets:
        try:
            seen.append(db.chat_sessions.create_session("task", target, initiative_id).id)
        except cwdb.ConflictError as error:
            seen.append(outcome(error))
    return seen


def test_one_active_chat_session_per_target_however_many_create_it(
    pool: WorkerPool, url: str, db: cwdb.Database
) -> None:
    initiative = db.initiatives.create(name="chats")
    targets = [f"target-{n}" for n in range(30)]
    results = pool.run(url, _open_sessions, [(initiative.id, targets)] * PROCESSES)
    for n, target in enumerate(targets):
        column = [results[i][n] for i in range(PROCESSES)]
        made = [c for c in column if c != "ConflictError"]
        assert len(made) == 1, f"{target}: {column}"
        active = db.chat_sessions.find_active_session("task", target)
        assert active is not None
        assert active.id == made[0]


# -- write_batch / insert_chunks and transaction() blocks ----------------------------

WRITERS = 6
ROUNDS = 12
CHUNKS = 20


def poisoned(round_number: int) -> bool:
    """Every third round fails in the database part-way (and must leave nothing)."""
    return round_number % 3 == 2


class DeliberateError(Exception):
    """Raised inside a block after its writes, to roll it back."""


def _write_batches(
    db: cwdb.Database, index: int, agent_id: str, counter_id: str, phase_id: str
) -> list[str]:
    seen = []
    for round_number in range(ROUNDS):
        tag = f"{index}:{round_number}"
        chunks: list[dict[str, Any]] = [
            {"agent_id": agent_id, "agent_name": "a", "content": f"{tag}:{n}"}
            for n in range(CHUNKS)
        ]
        if poisoned(round_number):
            # Refused by the database's CHECK (session_number >= 0), last in the batch.
            chunks[-1]["session_number"] = -1
        try:
            assert db.log_chunks.insert_chunks(chunks) == CHUNKS
            seen.append("chunks ok")
        except cwdb.IntegrityError as error:
            seen.append(f"chunks {outcome(error)}")

        def block(tag: str, round_number: int) -> None:
            made = db.initiatives.create(name=f"tx-{tag}")
            db.phases.create(initiative_id=made.id, name=f"tx-{tag}")
            db.tasks.increment_retry_count(counter_id)
            db.tasks.create(phase_id=phase_id, name=f"tx-{tag}")
            if poisoned(round_number):
                if index % 2:
                    raise DeliberateError
                # A refused write, left to propagate: the block rolls back.
                db.tasks.create(phase_id="no-such-phase", name=f"tx-{tag}")

        try:
            # Every block bumps the one counter: serializable blocks conflict,
            # and run_transaction replays the one the server refused.
            db.run_transaction(block, tag, round_number)
            seen.append("block ok")
        except (DeliberateError, cwdb.IntegrityError) as error:
            seen.append(f"block {type(error).__name__}")
    return seen


def _check_whole(db: cwdb.Database, index: int, agent_ids: list[str], counter_id: str) -> int:
    """A reader: until every commit is in, each read sees whole batches and blocks."""
    committed = WRITERS * sum(not poisoned(r) for r in range(ROUNDS))
    reads = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reads += 1
        batches = Counter(
            c.content.rsplit(":", 1)[0] for c in db.log_chunks.find_by_agent_ids(agent_ids)
        )
        assert all(n == CHUNKS for n in batches.values()), f"a partial batch: {batches}"
        assert not any(poisoned(int(tag.split(":")[1])) for tag in batches)
        counter_before = db.tasks.find_by_id(counter_id)
        names = {i.id: i.name for i in db.initiatives.find_all() if i.name.startswith("tx-")}
        phases = {
            (p.initiative_id, p.name) for p in db.phases.find_all() if p.name.startswith("tx-")
        }
        counter_after = db.tasks.find_by_id(counter_id)
        assert counter_before is not None
        assert counter_after is not None
        # Blocks commit whole: a block's initiative seen means its phase is
        # there a moment later, and the counter counts exactly the blocks.
        assert all((id, name) in phases for id, name in names.items()), "half a block"
        assert counter_before.retry_count <= len(names) <= counter_after.retry_count
        assert not any(poisoned(int(name.split(":")[1])) for name in names.values())
        if len(batches) == committed and counter_after.retry_count == committed:
            return reads
    raise AssertionError("the writers' commits never all showed up")


def test_batches_and_blocks_are_all_or_nothing_under_concurrency(
    pool: WorkerPool, url: str, db: cwdb.Database
) -> None:
    initiative = db.initiatives.create(name="batches")
    phase = db.phases.create(initiative_id=initiative.id, name="p")
    counter = db.tasks.create(phase_id=phase.id, name="blocks")
    agents = [db.agents.create(name=f"writer-{n}", worktree_id=f"w{n}").id for n in range(WRITERS)]
    args: list[tuple[Any, ...]] = [(agents[n], counter.id, phase.id) for n in range(WRITERS)]
    args += [(agents, counter.id)] * (PROCESSES - WRITERS)
    started = time.perf_counter()
    jobs = pool.run(url, _writer_or_reader, [(n, *a) for n, a in enumerate(args)])
    elapsed = time.perf_counter() - started

    committed = {f"{w}:{r}" for w in range(WRITERS) for r in range(ROUNDS) if not poisoned(r)}
    for writer in range(WRITERS):
        expected = []
        for r in range(ROUNDS):
            if poisoned(r):
                block = "DeliberateError" if writer % 2 else "IntegrityError"
                expected += ["chunks IntegrityError", f"block {block}"]
            else:
                expected += ["chunks ok", "block ok"]
        assert jobs[writer] == expected
    chunks = db.log_chunks.find_by_agent_ids(agents)
    batches = Counter(c.content.rsplit(":", 1)[0] for c in chunks)
    assert batches == dict.fromkeys(committed, CHUNKS)
    names = {i.name for i in db.initiatives.find_all() if i.name.startswith("tx-")}
    assert names == {f"tx-{tag}" for tag in committed}
    tasks = {t.name for t in db.tasks.find_by_phase_id(phase.id)} - {"blocks"}
    assert tasks == names
    stored = db.tasks.find_by_id(counter.id)
    assert stored is not None
    assert stored.retry_count == len(committed)
    reads = sum(jobs[WRITERS:])
    assert reads > 0
    print(
        f"\n{WRITERS} writers x {ROUNDS} rounds ({len(committed)} batches and blocks "
        f"committed, {WRITERS * ROUNDS - len(committed)} of each refused whole), "
        f"{reads} consistent reads by {PROCESSES - WRITERS} readers, {elapsed:.2f} s"
    )


def _writer_or_reader(db: cwdb.Database, index: int, role: int, *args: Any) -> Any:
    if role < WRITERS:
        return _write_batches(db, index, *args)
    return _check_whole(db, index, *args)
