"""Faults under cwdb on PostgreSQL: restarts, killed backends, timeouts, killed migrations.

The promise (docs/reference.md §1, on PostgreSQL): a dropped connection or
a restarted server fails at most the calls in flight, each with a
``cwdb.Error``; the next call reconnects; nothing acknowledged is lost; the
password never shows. Each test injects its faults into a real server (its
own, since one of them restarts it), then checks that every failure was a
``cwdb.Error``, that every acknowledged write is stored, that nothing is half
applied, and that the same ``Database`` object keeps working; the tests
print how many faults they injected and what the callers saw.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import cwdb
from tests.support import postgres_server
from tests.support.crash import acknowledged, committed_pairs, write_pairs
from tests.support.pg_faults import (
    Admin,
    Writer,
    kill,
    start_child,
    start_migrator,
    verify_writes,
    wait_until,
)

psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")

IDS = ["0001_initial_schema", "0002_log_chunks_agent_order", "0003_seed_schema"]
SECRET = "s3cret-Pa55"  # noqa: S105 -- a throwaway test server's password, the one to hide
#: A role that logs in with a password (SCRAM), on the server of this module.
ROLE = "cw_secret"
#: The writers' key of sql/postgresql/_transactions.sql and the migrators' of _migrations.sql.
WRITERS_KEY = 1668768866
MIGRATION_KEY = 27997295726127463


@pytest.fixture(scope="module")
def server() -> Iterator[postgres_server.PostgresServer]:
    """A server of this module's own: one test restarts and kills it.

    The role ``cw_secret`` must give its password (SCRAM), so the URLs of
    these tests carry a password that the server really checks.
    """
    started = postgres_server.start_or_skip()
    try:
        with psycopg.connect(started.url(), autocommit=True) as admin:
            admin.execute("SET password_encryption = 'scram-sha-256'")
            admin.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{SECRET}'")
        hba = started.data / "pg_hba.conf"
        hba.write_text(f"local all {ROLE} scram-sha-256\n" + hba.read_text())
        with psycopg.connect(started.url(), autocommit=True) as admin:
            admin.execute("SELECT pg_reload_conf()")
        yield started
    finally:
        started.stop()


def new_database(server: postgres_server.PostgresServer, *, migrated: bool = True) -> str:
    """A new database owned by cw_secret; its URL, with the password."""
    made = server.create_database("faults")
    name = database_name(made)
    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" OWNER TO {ROLE}')
        with psycopg.connect(made, autocommit=True) as inside:
            inside.execute(f"ALTER SCHEMA public OWNER TO {ROLE}")
    url = made.replace("postgres@", f"{ROLE}:{SECRET}@", 1)
    if migrated:
        cwdb.ensure_schema(url)
    return url


def superuser(url: str) -> str:
    """The same database as the superuser (trust): for the test's own look and faults."""
    return url.replace(f"{ROLE}:{SECRET}@", "postgres@", 1)


@pytest.fixture
def url(server: postgres_server.PostgresServer) -> str:
    return new_database(server)


@pytest.fixture
def admin(url: str) -> Iterator[Admin]:
    watcher = Admin(superuser(url))
    try:
        yield watcher
    finally:
        watcher.close()


def no_secret(text: str) -> None:
    assert SECRET not in text


def full_text(error: BaseException) -> str:
    """The error as a log would show it: its traceback and every chained cause."""
    return "".join(traceback.format_exception(error))


def in_background(call: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``call`` on a thread; the dict gets its ``result`` or ``error``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as error:  # handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


# -- a server restarted under load -----------------------------------------------------

WRITERS = 4


def test_a_restarted_or_killed_server_fails_only_calls_and_loses_nothing_acknowledged(
    server: postgres_server.PostgresServer, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.perf_counter()
    db = cwdb.connect(url)
    initiative = db.initiatives.create(name="restarts")
    phase = db.phases.create(initiative_id=initiative.id, name="p")
    counter = db.tasks.create(phase_id=phase.id, name="blocks")
    writers = [Writer(db, n, counter.id, phase.id) for n in range(WRITERS)]
    # A second Database in the same process, idle during the faults.
    idle = cwdb.connect(url, migrate=False)
    idle.initiatives.find_all()
    for writer in writers:
        writer.start()

    def progressed(by: int) -> Callable[[], bool]:
        marks = [w.acknowledged for w in writers]
        return lambda: all(w.acknowledged >= m + by for w, m in zip(writers, marks, strict=True))

    faults: Counter[str] = Counter()
    failed_by_fault: Counter[str] = Counter()
    try:
        wait_until(progressed(30), "the writers to get going")
        for fault in ("pg_ctl restart -m immediate", "SIGKILL of the postmaster") * 2:
            before = sum(w.failures for w in writers)
            if fault.startswith("SIGKILL"):
                server.kill_postmaster()
            else:
                server.restart("immediate")
            faults[fault] += 1
            # Every writer thread's calls succeed again, on the same Database.
            wait_until(progressed(30), f"the writers to recover from {fault}", timeout=60)
            failed_by_fault[fault] += sum(w.failures for w in writers) - before
    finally:
        for writer in writers:
            writer.stopping.set()
        for writer in writers:
            writer.join(timeout=60)
    assert [w.foreign for w in writers] == [[]] * WRITERS, "a raw exception reached a caller"
    assert not any(w.is_alive() for w in writers)
    assert verify_writes(db, writers, counter.id) == []
    failures = sum(w.failures for w in writers)
    assert failures > 0, "the faults were never felt"
    for writer in writers:
        for text in writer.texts:
            no_secret(text)
    no_secret(caplog.text)
    kinds = Counter[str]()
    for writer in writers:
        kinds.update(writer.messages)
    # Each failure names the database, through its URL without the password.
    assert all("<url>" in message for message in kinds), kinds
    # Both Database objects are usable again, the idle one included.
    assert idle.initiatives.find_by_id(initiative.id) == initiative
    assert db.initiatives.find_by_id(initiative.id) == initiative
    idle.close()
    db.close()

    acked = sum(w.acknowledged for w in writers)
    print(
        f"\n{sum(faults.values())} server faults ({dict(faults)}) under {WRITERS} writer threads "
        f"in {time.perf_counter() - started:.1f} s: {acked} changes acknowledged, none lost, "
        f"none half applied; {failures} calls failed with cwdb.Error, per fault "
        f"{dict(failed_by_fault)}:"
    )
    for message, count in kinds.most_common():
        print(f"  {count:5d}  {message}")


# -- a writer process killed ------------------------------------------------------------

WRITER_KILLS = 5


def test_a_killed_writer_process_loses_nothing_acknowledged_and_holds_up_no_one(
    server: postgres_server.PostgresServer, tmp_path: Path
) -> None:
    """tests/test_crash.py on PostgreSQL: two writer processes, SIGKILLed one after the other.

    Each writes pairs (an initiative and its phase, +1 on a counter) in
    ``transaction()`` blocks and acknowledges each after it returned. The
    first is killed at a random moment, perhaps holding the writers' lock
    and row locks; the second must go on committing, then is killed too.
    """
    rng = random.Random(20261206)
    url = new_database(server)
    db = cwdb.connect(url, migrate=False)
    counter = make_task(db)
    acks = [tmp_path / "acks-0", tmp_path / "acks-1"]
    kills = 0
    admin = Admin(superuser(url))
    own = set(admin.backends())  # the test's own connection
    for round_number in range(WRITER_KILLS):
        first = start_child(write_pairs, url, str(acks[0]), 2 * round_number * 10**6, counter)
        second = start_child(
            write_pairs, url, str(acks[1]), (2 * round_number + 1) * 10**6, counter
        )
        time.sleep(rng.uniform(0, 0.05))  # the kill point is what varies
        kill(first)
        mark = len(acknowledged(acks[1]))
        wait_until(lambda mark=mark: len(acknowledged(acks[1])) >= mark + 10, "the other writer")
        kill(second)
        kills += 2
        wait_until(lambda: set(admin.backends()) <= own, "the killed writers' backends to exit")
        acked = acknowledged(acks[0]) | acknowledged(acks[1])
        initiatives, phases = committed_pairs(db)
        assert initiatives == phases, "a transaction is half there"
        assert acked <= initiatives, f"lost: {sorted(acked - initiatives)[:5]}"
        # At most the transaction in flight at each kill is unacknowledged.
        assert len(initiatives - acked) <= kills
        assert retry_count(db, counter) == len(initiatives)
    admin.close()
    db.close()
    print(
        f"\n{kills} writer processes killed: {len(acked)} transactions acknowledged, none lost, "
        f"{len(initiatives - acked)} committed unacknowledged (in flight at a kill)"
    )


# -- a backend terminated ------------------------------------------------------------


def test_a_backend_terminated_inside_a_transaction_fails_the_block_and_commits_nothing(
    url: str, admin: Admin
) -> None:
    db = cwdb.connect(url)
    with pytest.raises(cwdb.Error) as raised, db.transaction():
        db.initiatives.create(name="doomed")
        (pid,) = admin.backends(state="idle in transaction")
        admin.terminate(pid)
        # The caller may swallow the failures: every call fails until the block ends.
        for call in (
            lambda: db.initiatives.create(name="after the kill"),
            db.initiatives.find_all,
            lambda: db.tasks.increment_retry_count("x"),
        ):
            with pytest.raises(cwdb.Error) as inside:
                call()
            assert not isinstance(inside.value, psycopg.Error)
            no_secret(full_text(inside.value))
    assert "rolled back" in str(raised.value)
    no_secret(full_text(raised.value))
    # The next call, on the same Database, reconnects; nothing of the block is there.
    assert db.initiatives.find_all() == []
    assert admin.backends() != [pid]
    db.close()


def test_a_backend_terminated_mid_statement_inside_a_block_fails_it_whole(
    url: str, admin: Admin
) -> None:
    db = cwdb.connect(url, busy_timeout_ms=30_000)
    task = make_task(db)
    holder = psycopg.connect(superuser(url))  # not autocommit: holds its row lock
    holder.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task,))

    def block() -> None:
        with db.transaction():
            db.initiatives.create(name="half")
            db.tasks.increment_retry_count(task)  # waits for the holder

    thread, outcome = in_background(block)
    (pid,) = wait_until(lambda: admin.backends(waiting=True), "the block to wait for the lock")
    admin.terminate(pid)
    thread.join(timeout=30)
    holder.rollback()
    holder.close()
    assert isinstance(outcome.get("error"), cwdb.Error), outcome
    no_secret(full_text(outcome["error"]))
    assert [i.name for i in db.initiatives.find_all()] == ["tasks"]
    assert retry_count(db, task) == 0
    db.close()


def test_an_idle_connection_the_server_closed_is_replaced_before_the_next_call(
    url: str, admin: Admin
) -> None:
    db = cwdb.connect(url)
    made = db.initiatives.create(name="kept")
    killed = set(admin.backends())  # the pool's idle connections (one, or more as it grew)
    assert killed
    for pid in killed:
        admin.terminate(pid)
    # Not even the next call fails: the dead idle connection is noticed first.
    assert db.initiatives.find_by_id(made.id) == made
    assert admin.backends()
    assert not set(admin.backends()) & killed
    db.close()


def test_a_backend_terminated_during_a_call_fails_that_call_only(url: str, admin: Admin) -> None:
    db = cwdb.connect(url, busy_timeout_ms=30_000)
    task = make_task(db)
    holder = psycopg.connect(superuser(url))
    holder.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task,))
    thread, outcome = in_background(lambda: db.tasks.increment_retry_count(task))
    (pid,) = wait_until(lambda: admin.backends(waiting=True), "the call to wait for the lock")
    admin.terminate(pid)
    thread.join(timeout=30)
    holder.rollback()
    holder.close()
    error = outcome.get("error")
    assert isinstance(error, cwdb.Error), outcome
    assert "connection" in str(error)
    no_secret(full_text(error))
    assert retry_count(db, task) == 0
    assert db.tasks.increment_retry_count(task).retry_count == 1
    db.close()


def test_the_errors_that_end_a_session_are_told_from_the_others() -> None:
    """A FATAL reply (terminate, shutdown) means the connection is gone, EOF seen or not."""
    from psycopg import errors as pg

    from cwdb.adapters.psycopg.translate import session_ended

    ended = [
        pg.AdminShutdown("terminating connection due to administrator command"),
        pg.CrashShutdown("terminating connection because of crash of another server process"),
        pg.CannotConnectNow("the database system is starting up"),
        pg.ConnectionFailure("connection failure"),
        psycopg.OperationalError("consuming input failed: server closed the connection"),
    ]
    going_on = [
        pg.QueryCanceled("canceling statement due to statement timeout"),
        pg.LockNotAvailable("canceling statement due to lock timeout"),
        pg.DeadlockDetected("deadlock detected"),
        pg.DiskFull("could not extend file"),
        pg.UniqueViolation("duplicate key value"),
    ]
    assert [session_ended(error) for error in ended] == [True] * len(ended)
    assert [session_ended(error) for error in going_on] == [False] * len(going_on)


def make_task(db: cwdb.Database) -> str:
    initiative = db.initiatives.create(name="tasks")
    phase = db.phases.create(initiative_id=initiative.id, name="p")
    return db.tasks.create(phase_id=phase.id, name="t").id


def retry_count(db: cwdb.Database, task_id: str) -> int:
    stored = db.tasks.find_by_id(task_id)
    assert stored is not None
    return stored.retry_count


# -- lock and statement timeouts -------------------------------------------------------


def test_lock_timeouts_are_busy_errors_and_change_nothing(url: str, admin: Admin) -> None:
    db = cwdb.connect(url, busy_timeout_ms=150)
    task = make_task(db)
    initiative = db.initiatives.find_all()[0]
    before = snapshot(db)
    holder = psycopg.connect(superuser(url))
    holder.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task,))
    busy: list[cwdb.BusyError] = []
    for call in (
        lambda: db.tasks.update(task, name="renamed"),
        lambda: db.tasks.increment_retry_count(task),
        lambda: db.tasks.delete(task),
    ):
        with pytest.raises(cwdb.BusyError) as raised:
            call()
        busy.append(raised.value)
    with pytest.raises(cwdb.BusyError) as raised, db.transaction():
        db.initiatives.create(name="rolled back")
        db.tasks.update(task, name="renamed")
    busy.append(raised.value)
    holder.rollback()
    # The lock of the phases' dependency graph (sql/postgresql/phases.sql
    # lock_graph), held by another session: create_dependency waits for it.
    phases = [db.phases.create(initiative_id=initiative.id, name=f"p{n}").id for n in range(2)]
    before = snapshot(db)
    holder.execute("SELECT pg_advisory_xact_lock(%s, 1)", (WRITERS_KEY,))
    with pytest.raises(cwdb.BusyError) as raised:
        db.phases.create_dependency(*phases)  # a block of the library's own
    busy.append(raised.value)
    holder.rollback()
    holder.close()
    for error in busy:
        assert "150 ms" in str(error)
        no_secret(full_text(error))
    assert snapshot(db) == before
    assert db.tasks.increment_retry_count(task).retry_count == 1
    print(f"\n{len(busy)} lock timeouts hit, each a BusyError, nothing changed")
    db.close()


def test_a_statement_timeout_set_by_the_dba_is_a_busy_error_and_changes_nothing(
    url: str, admin: Admin
) -> None:
    admin.query(f"ALTER DATABASE {database_name(url)} SET statement_timeout = '250ms'")
    db = cwdb.connect(url, busy_timeout_ms=30_000)
    task = make_task(db)
    before = snapshot(db)
    holder = psycopg.connect(superuser(url))
    holder.execute("SET statement_timeout = 0")
    # A long statement in a transaction holding the row: the DBA's pg_sleep, say.
    holder.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task,))
    with pytest.raises(cwdb.BusyError) as single:
        db.tasks.increment_retry_count(task)
    with pytest.raises(cwdb.BusyError) as blocked, db.transaction():
        db.initiatives.create(name="rolled back")
        db.tasks.update(task, name="renamed")
    holder.rollback()
    holder.close()
    for error in (single.value, blocked.value):
        assert "statement timeout" in str(error)
        # It was the server's limit, not the library's busy timeout, that gave up.
        assert "30000 ms" not in str(error)
    assert snapshot(db) == before
    db.close()


def test_a_deadlock_of_a_single_statement_is_retried_inside_the_library(
    server: postgres_server.PostgresServer, url: str, admin: Admin
) -> None:
    """find_next_available locks the accounts in id order; a session taking them the
    other way round deadlocks with it, and the server aborts cwdb's statement (it has
    the shorter deadlock_timeout): the library runs it again and the call succeeds."""
    admin.query(f"ALTER DATABASE {database_name(url)} SET deadlock_timeout = '300ms'")
    db = cwdb.connect(url, busy_timeout_ms=30_000)
    made = [db.accounts.create(email=f"{n}@example.com", provider="deadlock").id for n in range(2)]
    low, high = sorted(made)  # the order the pick locks them in
    log = server.folder / "server.log"
    before = log.read_text().count("ERROR:  deadlock detected")
    other = psycopg.connect(superuser(url))
    other.execute("SET deadlock_timeout = '10s'")
    other.execute("SELECT 1 FROM accounts WHERE id = %s FOR UPDATE", (high,))
    pick, picked = in_background(lambda: db.accounts.find_next_available("deadlock"))
    wait_until(lambda: admin.backends(waiting=True), "the pick to wait for the second account")
    # Now take the first account, which the pick holds: a deadlock, which the
    # server breaks by failing cwdb's statement (the other waits 10 s to look).
    other.execute("SELECT 1 FROM accounts WHERE id = %s FOR UPDATE", (low,))
    other.commit()
    other.close()
    pick.join(timeout=30)
    assert "result" in picked, picked
    assert picked["result"].id == made[0]  # never used: the older one
    # At least once: a retry may still race the survivor for a lock and lose
    # again (without the library's pause before a retry it did, most times).
    deadlocks = log.read_text().count("ERROR:  deadlock detected") - before
    assert deadlocks >= 1
    print(f"\n{deadlocks} deadlock(s) broken by failing cwdb's statement; retried, it succeeded")
    db.close()


def database_name(url: str) -> str:
    return url.split("?", 1)[0].rsplit("/", 1)[1]


def snapshot(db: cwdb.Database) -> tuple[Any, ...]:
    return (db.initiatives.find_all(), db.phases.find_all(), db.tasks.find_all())


# -- migrations killed or kept waiting --------------------------------------------------


def test_a_migration_killed_mid_way_is_not_applied_and_ensure_schema_completes_it(
    server: postgres_server.PostgresServer,
) -> None:
    url = new_database(server, migrated=False)
    postgres_server.apply_migrations(url, upto=IDS[1])  # as cw_secret, who must own the tables
    admin = Admin(superuser(url))
    before = admin.schema()
    # 0003 alters initiatives, tasks and proposals, then errands: a reader of
    # errands makes it wait there, with three tables already altered.
    holder = psycopg.connect(superuser(url))
    holder.execute("SELECT count(*) FROM errands")
    child = start_migrator(url)
    wait_until(lambda: admin.backends(waiting=True), "the migration to wait for errands")
    altered = admin.query(
        "SELECT relation::regclass::text FROM pg_locks WHERE mode = 'AccessExclusiveLock'"
        " AND granted AND relation IS NOT NULL AND pid = ANY(%s)",
        (admin.backends(),),
    )
    assert {"initiatives", "tasks", "proposals"} <= {name for (name,) in altered}
    kill(child)
    holder.rollback()
    holder.close()
    # The orphaned backend runs on to the end of the migration's statements,
    # then finds its client gone and rolls back: it never saw a COMMIT.
    wait_until(lambda: not admin.backends(), "the killed migrator's backend to exit")
    assert admin.applied() == IDS[:2]
    assert admin.schema() == before
    assert cwdb.ensure_schema(url) == [IDS[2]]
    assert admin.applied() == IDS
    assert admin.query("SELECT count(*) FROM yoyo_lock") == [(0,)]
    reference = Admin(superuser(new_database(server)))
    try:
        assert admin.schema() == reference.schema()
    finally:
        reference.close()
        admin.close()


KILLS = 6


def test_migrations_killed_at_random_points_leave_a_prefix_applied_whole(
    server: postgres_server.PostgresServer,
) -> None:
    """Each kill leaves exactly the schema of some prefix of the migrations, never in between.

    Round ``r`` waits until ``r % 3`` migrations are recorded, then kills the
    migrator a random moment later: in the middle of the next migration, or
    between two, or after the last.
    """
    rng = random.Random(20261206)
    schemas = {}
    for applied in range(len(IDS) + 1):
        made = new_database(server, migrated=False)
        if applied:
            postgres_server.apply_migrations(superuser(made), upto=IDS[applied - 1])
        look = Admin(superuser(made))
        schemas[applied] = look.schema()
        look.close()
    outcomes: Counter[int] = Counter()
    for round_number in range(KILLS):
        url = new_database(server, migrated=False)
        admin = Admin(superuser(url))
        child = start_migrator(url)
        target = round_number % len(IDS)
        wait_until(
            lambda admin=admin, target=target: len(admin.applied()) >= target,
            f"{target} migrations applied",
        )
        time.sleep(rng.uniform(0, 0.02))  # the kill point is what varies
        kill(child)
        wait_until(lambda admin=admin: not admin.backends(), "the killed migrator's backend")
        applied = admin.applied()
        assert applied == IDS[: len(applied)]
        assert admin.schema() == schemas[len(applied)], f"half of {IDS[len(applied)]} applied"
        outcomes[len(applied)] += 1
        assert cwdb.ensure_schema(url) == IDS[len(applied) :]
        assert admin.schema() == schemas[len(IDS)]
        admin.close()
    print(
        f"\n{KILLS} migrators killed: "
        + ", ".join(f"{outcomes[n]} with {n} applied" for n in sorted(outcomes))
        + "; each time ensure_schema completed the rest"
    )


def test_a_migrator_waits_for_another_longer_than_the_dbas_statement_timeout(
    server: postgres_server.PostgresServer,
) -> None:
    url = new_database(server, migrated=False)
    admin = Admin(superuser(url))
    admin.query(f"ALTER DATABASE {database_name(url)} SET statement_timeout = '100ms'")
    other = psycopg.connect(superuser(url))  # another migrator, holding the lock
    other.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_KEY,))
    thread, outcome = in_background(lambda: cwdb.ensure_schema(url))
    (pid,) = wait_until(lambda: admin.backends(waiting=True), "ensure_schema to wait")

    def waited(ms: int) -> bool:
        assert thread.is_alive(), outcome
        rows = admin.query(
            "SELECT now() - query_start > make_interval(secs => %s) FROM pg_stat_activity"
            " WHERE pid = %s AND wait_event_type = 'Lock'",
            (ms / 1000, pid),
        )
        return rows == [(True,)]

    wait_until(lambda: waited(400), "ensure_schema to wait past the statement timeout")
    other.rollback()
    other.close()
    thread.join(timeout=60)
    assert outcome == {"result": IDS}
    assert admin.applied() == IDS
    admin.close()


def test_a_migrator_whose_backend_is_terminated_fails_with_a_migration_error(
    server: postgres_server.PostgresServer,
) -> None:
    url = new_database(server, migrated=False)
    admin = Admin(superuser(url))
    other = psycopg.connect(superuser(url))
    other.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_KEY,))
    thread, outcome = in_background(lambda: cwdb.ensure_schema(url))
    (pid,) = wait_until(lambda: admin.backends(waiting=True), "ensure_schema to wait")
    admin.terminate(pid)
    thread.join(timeout=30)
    other.rollback()
    other.close()
    error = outcome.get("error")
    assert isinstance(error, cwdb.MigrationError), outcome
    # The server's FATAL ("administrator command") when it was read before the
    # socket closed, else libpq's "the connection is closed".
    assert "administrator command" in str(error) or "connection is closed" in str(error)
    no_secret(full_text(error))
    assert admin.applied() == []
    assert cwdb.ensure_schema(url) == IDS
    admin.close()


# -- close() and threads ------------------------------------------------------------------


def test_close_waits_for_the_calls_in_flight_on_other_threads(url: str, admin: Admin) -> None:
    db = cwdb.connect(url, busy_timeout_ms=30_000)
    task = make_task(db)
    holder = psycopg.connect(superuser(url))
    holder.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task,))
    calls = [in_background(lambda: db.tasks.increment_retry_count(task)) for _ in range(3)]
    wait_until(lambda: len(admin.backends(waiting=True)) == 3, "three calls in flight")
    closer, closed = in_background(db.close)
    closer.join(timeout=0.3)
    assert closer.is_alive(), "close() returned while calls were in flight"
    holder.commit()
    holder.close()
    closer.join(timeout=30)
    assert closed == {"result": None}
    counts = sorted(outcome["result"].retry_count for _, outcome in calls)
    assert counts == [1, 2, 3]
    with pytest.raises(cwdb.Error, match="closed"):
        db.tasks.find_by_id(task)
    db.close()
    wait_until(lambda: not admin.backends(), "every connection of the Database to close")


# -- the password ----------------------------------------------------------------------


def test_the_password_never_appears_in_errors_reprs_or_logs(
    server: postgres_server.PostgresServer,
    url: str,
    admin: Admin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with cwdb.connect(url) as db:
        seen += [repr(db), str(db.path), db.path]
        assert f"{ROLE}:***@" in db.path
        made = db.initiatives.create(name="x")
        db.agents.create(name="a", worktree_id="w")
        with pytest.raises(cwdb.ConflictError) as conflict:
            db.agents.create(name="a", worktree_id="w")
        seen.append(full_text(conflict.value))
        # A lost connection names the database, and so a URL: never its password.
        holder = psycopg.connect(superuser(url))
        holder.execute("SELECT 1 FROM initiatives WHERE id = %s FOR UPDATE", (made.id,))
        thread, outcome = in_background(lambda: db.initiatives.update(made.id, name="y"))
        (pid,) = wait_until(lambda: admin.backends(waiting=True), "the update to wait")
        admin.terminate(pid)
        thread.join(timeout=30)
        holder.close()
        assert isinstance(outcome.get("error"), cwdb.Error)
        seen.append(full_text(outcome["error"]))
        assert f"{ROLE}:***@" in str(outcome["error"])
        # The server really checks it: the reconnection used it.
        assert db.initiatives.find_by_id(made.id) == made
    wrong = url.replace(SECRET, "wr0ng-" + SECRET[::-1])
    for call in (cwdb.connect, cwdb.ensure_schema):
        with pytest.raises(cwdb.Error) as refused:
            call(wrong)
        assert "password authentication failed" in str(refused.value)
        seen.append(full_text(refused.value))
    seen.append(caplog.text)
    seen += [record.getMessage() for record in caplog.records]
    for text in seen:
        no_secret(text)
        assert SECRET[::-1] not in text
