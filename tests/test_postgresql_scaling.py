"""PostgreSQL without a database-wide lock: serializable blocks, run_transaction, the pool.

docs/reference.md §9 (issue 20): blocks on different rows run at the same
time; a conflicting block fails whole with ``SerializationError`` and
``run_transaction`` replays it, so no update is ever lost; a ``Database``
opens at most ``max_connections`` server connections, shared by its threads
and blocks. Each test runs twice: on the server directly (``[direct]``) and
through PgBouncer in transaction-pooling mode (``[pgbouncer]``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

import cwdb
from tests.support import pgbouncer, postgres_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")

THREADS = 8


@pytest.fixture(scope="module")
def direct_url(pg_server: postgres_server.PostgresServer) -> str:
    made = pg_server.create_database("scaling")
    cwdb.ensure_schema(made)
    return made


@pytest.fixture(params=["direct", "pgbouncer"])
def url(request: pytest.FixtureRequest, direct_url: str) -> str:
    if request.param == "direct":
        return direct_url
    bouncer: pgbouncer.PgBouncer = request.getfixturevalue("pg_bouncer")
    return bouncer.url(direct_url)


@pytest.fixture
def db(url: str) -> Iterator[cwdb.Database]:
    with cwdb.connect(url, migrate=False) as database:
        yield database


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(n)`` on ``count`` threads at once; their results, or the first exception."""
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            results[n] = work(n)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def tasks(db: cwdb.Database, count: int, name: str = "0") -> list[str]:
    initiative = db.initiatives.create(name="scaling")
    phase = db.phases.create(initiative_id=initiative.id, name="p")
    return [db.tasks.create(phase_id=phase.id, name=name).id for _ in range(count)]


def test_blocks_on_different_rows_overlap(db: cwdb.Database) -> None:
    """8 threads' blocks, each on its own task with a pause inside, all open at once.

    A barrier inside the block that all 8 must reach before any may commit
    proves the overlap without timing thresholds: with one block at a time
    (the old database-wide lock), the barrier would time out.
    """
    ids = tasks(db, THREADS)
    rounds = 5
    barrier = threading.Barrier(THREADS, timeout=30)
    inside = 0
    most = 0
    counting = threading.Lock()
    open_for = [0.0] * THREADS

    def blocks(n: int) -> None:
        nonlocal inside, most
        for round_number in range(rounds):
            began = time.perf_counter()
            with db.transaction():
                db.tasks.update(ids[n], name=f"round {round_number}")
                with counting:
                    inside += 1
                    most = max(most, inside)
                barrier.wait()  # every other block is open too
                time.sleep(0.02)  # a round trip, an agent's decision
                with counting:
                    inside -= 1
            open_for[n] += time.perf_counter() - began

    started = time.perf_counter()
    in_threads(THREADS, blocks)
    elapsed = time.perf_counter() - started
    assert most == THREADS
    # How many blocks were open on average: 8 would be all of them all the time.
    overlap = sum(open_for) / elapsed
    assert overlap >= 5
    names = [t.name for t in map(db.tasks.find_by_id, ids) if t is not None]
    assert names == [f"round {rounds - 1}"] * THREADS
    one_at_a_time = THREADS * rounds * 0.02
    print(
        f"\n{THREADS} threads x {rounds} blocks of 20 ms: {elapsed:.2f} s, "
        f"{one_at_a_time / elapsed:.1f}x of one at a time, {most} open at once, "
        f"{overlap:.1f} open on average"
    )


def test_run_transaction_loses_no_read_modify_write(db: cwdb.Database) -> None:
    """8 threads x 15 run_transaction calls, each reading a counter and writing it + 1."""
    (counter,) = tasks(db, 1)
    calls = 15
    attempts = [0] * THREADS

    def bump(n: int) -> int:
        attempts[n] += 1
        found = db.tasks.find_by_id(counter)
        assert found is not None
        value = int(found.name) + 1
        db.tasks.update(counter, name=str(value))
        return value

    def bumps(n: int) -> list[int]:
        return [db.run_transaction(bump, n) for _ in range(calls)]

    seen = in_threads(THREADS, bumps)
    final = db.tasks.find_by_id(counter)
    assert final is not None
    assert final.name == str(THREADS * calls) == "120"
    # Each value was written by exactly one committed call.
    assert sorted(v for values in seen for v in values) == list(range(1, 121))
    print(f"\n120 bumps committed in {sum(attempts)} attempts ({sum(attempts) - 120} replays)")


def test_plain_blocks_commit_as_if_alone_or_raise_serialization_error(
    db: cwdb.Database,
) -> None:
    """Two blocks read the same counter, then both write it + 1: one commits, one is refused."""
    (counter,) = tasks(db, 1)
    both_read = threading.Barrier(2, timeout=30)
    tag = f"written {counter} by"

    def block(n: int) -> str:
        try:
            with db.transaction():
                found = db.tasks.find_by_id(counter)
                assert found is not None
                both_read.wait()
                db.tasks.update(counter, name=str(int(found.name) + 1))
                db.initiatives.create(name=f"{tag} {n}")
        except cwdb.SerializationError as error:
            refusals.append(error)
            return "refused"
        return "committed"

    refusals: list[cwdb.SerializationError] = []
    outcomes = in_threads(2, block)
    assert all(isinstance(e, cwdb.BusyError) for e in refusals)
    assert all("nothing of it was written" in str(e) for e in refusals)
    assert sorted(outcomes) == ["committed", "refused"]
    final = db.tasks.find_by_id(counter)
    assert final is not None
    assert final.name == "1"
    winner = outcomes.index("committed")
    assert [i.name for i in db.initiatives.find_all() if i.name.startswith(tag)] == [
        f"{tag} {winner}"
    ]


def test_run_transaction_returns_fn_s_result_and_runs_inside_a_block(db: cwdb.Database) -> None:
    def make(name: str, *, phase: str) -> tuple[str, bool]:
        made = db.initiatives.create(name=name)
        db.phases.create(initiative_id=made.id, name=phase)
        return made.id, db._runner.in_transaction()  # type: ignore[attr-defined]

    made, inside = db.run_transaction(make, "i", phase="p")
    assert inside
    assert [p.name for p in db.phases.find_by_initiative_id(made)] == ["p"]


def test_32_threads_use_at_most_10_server_connections(url: str, direct_url: str) -> None:
    """Counted on the server: cwdb's backends of this database that the test did not find
    there when it began (through PgBouncer, its idle server connections from earlier tests
    stay), and those busy at once, whoever opened them."""
    name = urlsplit(direct_url).path.lstrip("/")
    db = cwdb.connect(url, migrate=False)
    (task,) = tasks(db, 1)
    stop = threading.Event()
    most = busy = 0
    backends = (
        "SELECT pid, state FROM pg_stat_activity WHERE datname = %s AND application_name = 'cwdb'"
    )
    with psycopg.connect(direct_url.replace(f"/{name}", "/postgres"), autocommit=True) as admin:
        before = {pid for pid, _ in admin.execute(backends, (name,))}

        def count() -> None:
            nonlocal most, busy
            while not stop.is_set():
                found = admin.execute(backends, (name,)).fetchall()
                most = max(most, len({pid for pid, _ in found} - before))
                busy = max(busy, sum(state != "idle" for _, state in found))
                time.sleep(0.005)

        counter = threading.Thread(target=count)
        counter.start()

        def work(n: int) -> None:
            for _ in range(10):
                with db.transaction():
                    db.tasks.find_by_id(task)
                    time.sleep(0.005)
                db.initiatives.find_all()

        try:
            in_threads(32, work)
        finally:
            stop.set()
            counter.join()
    db.close()
    assert most <= 10
    assert 1 <= busy <= 10
    print(f"\n32 threads: at most {most} new server connections, {busy} busy at once")


def test_a_pool_with_none_free_within_the_busy_timeout_is_a_busy_error_naming_its_size(
    url: str,
) -> None:
    db = cwdb.connect(url, migrate=False, max_connections=2, busy_timeout_ms=200)
    holding = threading.Barrier(3, timeout=30)
    release = threading.Event()

    def hold(_: int) -> None:
        with db.transaction():
            db.initiatives.find_all()
            holding.wait()
            release.wait(30)

    holders = [threading.Thread(target=hold, args=(n,)) for n in range(2)]
    for holder in holders:
        holder.start()
    holding.wait()
    try:
        with pytest.raises(cwdb.BusyError) as raised:
            db.initiatives.find_all()
    finally:
        release.set()
        for holder in holders:
            holder.join()
    assert "max_connections=2" in str(raised.value)
    assert "200 ms" in str(raised.value)
    db.initiatives.find_all()  # a connection is free again
    db.close()


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True, None])
def test_max_connections_is_a_whole_number_of_one_or_more(direct_url: str, bad: object) -> None:
    with pytest.raises(cwdb.ValidationError, match="max_connections"):
        cwdb.connect(direct_url, migrate=False, max_connections=bad)


def test_prepare_threshold_is_passed_to_psycopg(direct_url: str) -> None:
    with cwdb.connect(direct_url, migrate=False, prepare_threshold=0) as db:
        db.initiatives.find_all()
        runner: Any = db._runner  # type: ignore[attr-defined]
        with runner.held_connection() as connection:
            assert connection.prepare_threshold == 0
    with pytest.raises(cwdb.ValidationError, match="prepare_threshold"):
        cwdb.connect(direct_url, migrate=False, prepare_threshold=-1)
