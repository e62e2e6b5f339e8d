"""A writer killed with SIGKILL at random points loses nothing it acknowledged.

docs/reference.md §1, §2 and the README's durability promise: a transaction is all or
nothing, a killed process leaves no lock or half-applied migration behind,
and the next ``connect()`` works with no manual repair. A process kill (not a
power loss) must never lose a commit that returned, since the WAL is written
before COMMIT returns.

The writer acknowledges each transaction by appending its number to a file
after the call returns (one small ``O_APPEND`` write, whole or absent); the
parent kills it after a random delay, then checks the database.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import cwdb
from cwdb.adapters.apsw.migrator import shipped_migrations
from tests.loadgen import check_database

WRITE_KILLS = 25
SCHEMA_KILLS = 15
SEED = 20260101
CONTEXT = multiprocessing.get_context("spawn")


def write_pairs(path: str, ack_path: str, first: int, counter_id: str, ready: Any) -> None:
    """The writer (spawned): pairs of rows in one transaction each, forever.

    Each transaction creates an initiative ``pair-<n>`` and a phase of it
    named ``pair-<n>``, and adds one to the counter task's retry count; its
    number is acknowledged only once ``transaction()`` has returned.
    """
    ack = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with cwdb.connect(path) as db:
        ready.set()
        n = first
        while True:
            with db.transaction():
                made = db.initiatives.create(name=f"pair-{n}")
                db.phases.create(initiative_id=made.id, name=f"pair-{n}")
                db.tasks.increment_retry_count(counter_id)
            os.write(ack, f"{n}\n".encode())
            n += 1


def migrate(path: str, ready: Any) -> None:
    """The migrator (spawned): ``ensure_schema`` on a fresh file, killed part-way."""
    ready.set()
    cwdb.ensure_schema(path)


def run_and_kill(target: Any, args: tuple[Any, ...], delay: float) -> None:
    """Start ``target`` in a new process; SIGKILL it ``delay`` s after it is ready."""
    ready = CONTEXT.Event()
    child = CONTEXT.Process(target=target, args=(*args, ready))
    child.start()
    try:
        assert ready.wait(timeout=60), "the child never got ready"
        time.sleep(delay)
    finally:
        if child.pid is not None:
            os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=60)
    # Killed, or (for a short migration) already finished: never failed.
    assert child.exitcode in {-signal.SIGKILL, 0}, child.exitcode


def acknowledged(ack_path: Path) -> set[int]:
    """The numbers of the acknowledged transactions (complete lines only)."""
    if not ack_path.exists():
        return set()
    text = ack_path.read_text()
    lines = text.split("\n")[:-1]  # the part after the last newline is unfinished
    return {int(line) for line in lines}


def committed_pairs(db: cwdb.Database) -> tuple[set[int], set[int]]:
    """The numbers whose initiative, and whose phase under it, are stored."""
    initiatives = {
        i.id: int(i.name.removeprefix("pair-"))
        for i in db.initiatives.find_all()
        if i.name.startswith("pair-")
    }
    phases = {
        int(p.name.removeprefix("pair-"))
        for p in db.phases.find_all()
        if p.name.startswith("pair-") and initiatives.get(p.initiative_id) == int(p.name[5:])
    }
    return set(initiatives.values()), phases


@pytest.fixture
def counter(db_path: Path) -> str:
    with cwdb.connect(db_path) as db:
        return db.tasks.create(name="counter").id


def test_a_killed_writer_never_loses_an_acknowledged_or_half_commits_a_transaction(
    db_path: Path, tmp_path: Path, counter: str
) -> None:
    rng = random.Random(SEED)
    ack_path = tmp_path / "acks"
    survived = 0
    for round_number in range(WRITE_KILLS):
        args = (str(db_path), str(ack_path), round_number * 1_000_000, counter)
        run_and_kill(write_pairs, args, delay=rng.uniform(0, 0.05))
        acks = acknowledged(ack_path)
        with cwdb.connect(db_path) as db:  # no repair step: straight back in
            initiatives, phases = committed_pairs(db)
            assert initiatives == phases, "a transaction is half there"
            assert acks <= initiatives, f"lost: {sorted(acks - initiatives)[:5]}"
            # At most the one transaction in flight at the kill is unacknowledged.
            assert len(initiatives - acks) <= round_number + 1
            stored = db.tasks.find_by_id(counter)
            assert stored is not None
            assert stored.retry_count == len(initiatives)
            assert check_database(db) == []
        survived += 1
    assert survived == WRITE_KILLS
    print(f"\n{WRITE_KILLS} kills survived, {len(acks)} transactions acknowledged, none lost")


def test_a_migration_killed_at_any_point_leaves_a_database_the_next_connect_completes(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    timing = tmp_path / "timing.db"
    started = time.perf_counter()
    cwdb.ensure_schema(timing)
    span = time.perf_counter() - started
    latest = shipped_migrations()[-1].id
    outcomes: Counter[str] = Counter()
    for round_number in range(SCHEMA_KILLS):
        path = tmp_path / f"fresh-{round_number}.db"
        run_and_kill(migrate, (str(path),), delay=rng.uniform(0, span * 1.5))
        outcomes[_state_after_kill(path)] += 1
        with cwdb.connect(path) as db:
            assert db.schema_version == latest
            made = db.initiatives.create(name="after the crash")
            assert db.initiatives.find_by_id(made.id) == made
            assert check_database(db) == []
            assert _migration_records(db) == [(m.id,) for m in shipped_migrations()]
            assert _yoyo_locks(db) == []
    assert sum(outcomes.values()) == SCHEMA_KILLS
    print(f"\n{SCHEMA_KILLS} migrations killed: {dict(outcomes)}")


def _state_after_kill(path: Path) -> str:
    """Where the kill left the file: not created, empty, unmigrated, or migrated."""
    if not path.exists():
        return "no file yet"
    if path.stat().st_size == 0 and not Path(f"{path}-wal").exists():
        return "empty file"
    try:
        cwdb.connect(path, migrate=False).close()
    except cwdb.MigrationError:
        return "not migrated (rolled back)"
    return "migrated before the kill"


def _migration_records(db: cwdb.Database) -> list[tuple[Any, ...]]:
    connection = db._runner._open_connection()
    try:
        return connection.execute("SELECT migration_id FROM _yoyo_migration ORDER BY 1").fetchall()
    finally:
        connection.close()


def _yoyo_locks(db: cwdb.Database) -> list[tuple[Any, ...]]:
    connection = db._runner._open_connection()
    try:
        return connection.execute("SELECT * FROM yoyo_lock").fetchall()
    finally:
        connection.close()
