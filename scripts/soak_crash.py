"""Soak: kill a writer with SIGKILL again and again; nothing acknowledged may be lost.

Usage: python -m scripts.soak_crash [--seconds 60] [--max-delay-ms 50] [--seed 0]

The longer run of tests/test_crash.py's first test (with its writer, from
tests/support/crash.py): a process writes pairs of rows, one db.transaction() each, and
acknowledges each after it returned; after a random delay it is killed with
SIGKILL; then a new connect() (no repair step) must find every acknowledged
pair, no half pair, the counter equal to the number of pairs, and
integrity_check / foreign_key_check clean. Repeats until the time is up and
prints the kills survived and the transactions acknowledged. Exit status 1
on the first problem.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import cwdb
from tests.support.crash import (
    acknowledged,
    committed_pairs,
    run_and_kill,
    write_pairs,
)
from tests.support.loadgen import check_database


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-delay-ms", type=float, default=50.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="cwdb-crash-") as folder:
        path = Path(folder) / "crash.db"
        ack_path = Path(folder) / "acks"
        with cwdb.connect(path) as db:
            counter = db.tasks.create(name="counter").id
        deadline = time.monotonic() + args.seconds
        kills = 0
        while time.monotonic() < deadline:
            delay = rng.uniform(0, args.max_delay_ms / 1000)
            run_and_kill(
                write_pairs, (str(path), str(ack_path), kills * 10_000_000, counter), delay
            )
            kills += 1
            problem = check(path, ack_path, counter, kills)
            if problem:
                print(f"FAILED after {kills} kills: {problem}")
                return 1
        acks = len(acknowledged(ack_path))
    print(f"{kills} kills survived; {acks} transactions acknowledged, none lost, none half done")
    return 0


def check(path: Path, ack_path: Path, counter: str, kills: int) -> str | None:
    """What is wrong with the database after a kill, or None."""
    acks = acknowledged(ack_path)
    with cwdb.connect(path) as db:
        initiatives, phases = committed_pairs(db)
        stored = db.tasks.find_by_id(counter)
        problems = check_database(db)
    if initiatives != phases:
        return f"{len(initiatives ^ phases)} half-done transactions"
    if not acks <= initiatives:
        return f"acknowledged but lost: {sorted(acks - initiatives)[:5]}"
    if len(initiatives - acks) > kills:
        return f"{len(initiatives - acks)} unacknowledged commits after {kills} kills"
    if stored is None or stored.retry_count != len(initiatives):
        return f"counter {stored and stored.retry_count} != {len(initiatives)} pairs"
    return "; ".join(problems) or None


if __name__ == "__main__":
    sys.exit(main())
