"""Helpers for killing processes mid-write: the spawned writer and migrator, the checks.

Shared by tests/test_crash.py and scripts/soak_crash.py. The writer
acknowledges each transaction by appending its number to a file after the
call returns (one small ``O_APPEND`` write, whole or absent); the parent
kills it after a delay, then checks the database.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any

import cwdb

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
            # run_transaction: two writers bump one counter, and PostgreSQL's
            # serializable blocks refuse one of two that overlap (SQLite runs it once).
            db.run_transaction(_pair, db, n, counter_id)
            os.write(ack, f"{n}\n".encode())
            n += 1


def _pair(db: cwdb.Database, n: int, counter_id: str) -> None:
    made = db.initiatives.create(name=f"pair-{n}")
    db.phases.create(initiative_id=made.id, name=f"pair-{n}")
    db.tasks.increment_retry_count(counter_id)


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
