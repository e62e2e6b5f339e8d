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

import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import cwdb
from cwdb.adapters.apsw.migrator import shipped_migrations
from tests.support.crash import acknowledged, committed_pairs, migrate, run_and_kill, write_pairs
from tests.support.loadgen import check_database

WRITE_KILLS = 25
SCHEMA_KILLS = 15
SEED = 20260101


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
