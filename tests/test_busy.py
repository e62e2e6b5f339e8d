"""Another process holding the write lock: wait up to the busy timeout, then BusyError.

docs/reference.md §1, §2: every write takes the lock with ``BEGIN IMMEDIATE`` and waits
for it up to ``busy_timeout_ms``; past it the caller gets ``cwdb.BusyError``
naming the timeout, and nothing is written. The lock holder here is another
process (the in-process case is in tests/test_transactions.py), sequenced
with pipes: it reports when it holds the lock and holds it until told to let
go (or, for the within-timeout case, for a bounded 300 ms).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import apsw
import pytest

import cwdb
from tests.support.helpers import snapshot

CONTEXT = multiprocessing.get_context("spawn")
#: How long a holder keeps the lock at most, whatever the parent does.
HOLD_LIMIT_S = 60.0


def hold_until_told(path: str, pipe: Any) -> None:
    """Take the write lock, say so, hold it until the parent says "release"."""
    connection = apsw.Connection(path)
    connection.execute("BEGIN IMMEDIATE")
    pipe.send("locked")
    try:
        if pipe.poll(HOLD_LIMIT_S):
            pipe.recv()
    finally:
        connection.execute("ROLLBACK")
        connection.close()
        pipe.send("released")


def hold_briefly(path: str, hold_s: float, pipe: Any) -> None:
    """Write a row inside cwdb's own transaction, holding the lock ``hold_s``."""
    with cwdb.connect(path) as db, db.transaction():
        db.initiatives.create(name="holder")
        pipe.send("locked")
        # The bounded hold is the point of this child: a lock held for a
        # while, well inside the other side's busy timeout.
        pipe.poll(hold_s)
    pipe.send("released")


@contextmanager
def lock_held_by_another_process(target: Any, *args: Any) -> Iterator[Any]:
    """Run ``target`` in a child; yield once it holds the lock; reap it afterwards."""
    parent_end, child_end = CONTEXT.Pipe()
    child = CONTEXT.Process(target=target, args=(*args, child_end))
    child.start()
    try:
        assert parent_end.poll(60), "the holder never took the lock"
        assert parent_end.recv() == "locked"
        yield parent_end
    finally:
        if child.is_alive():
            with suppress(OSError):  # it may be exiting already
                parent_end.send("release")
        child.join(timeout=HOLD_LIMIT_S + 10)
        if child.is_alive():
            child.kill()
            child.join()
    assert child.exitcode == 0


@pytest.fixture
def path(db_path: Path) -> str:
    cwdb.ensure_schema(db_path)
    return str(db_path)


def test_a_write_past_the_busy_timeout_raises_busy_error_naming_it_and_writes_nothing(
    path: str,
) -> None:
    with cwdb.connect(path, busy_timeout_ms=150) as db:
        made = db.initiatives.create(name="before")
        before = snapshot(db)
        with lock_held_by_another_process(hold_until_told, path):
            with pytest.raises(cwdb.BusyError, match="150 ms") as raised:
                db.initiatives.create(name="blocked")
            assert not isinstance(raised.value, apsw.Error)
            with pytest.raises(cwdb.BusyError, match="150 ms"):
                db.initiatives.update(made.id, name="blocked")
            with pytest.raises(cwdb.BusyError, match="150 ms"):
                db.log_chunks.insert_chunks([{"agent_id": "a", "agent_name": "a", "content": "x"}])
            with pytest.raises(cwdb.BusyError, match="150 ms"), db.transaction():
                db.initiatives.create(name="never")
            # Reads go on while another process writes (WAL).
            assert db.initiatives.find_by_id(made.id) == made
        assert snapshot(db) == before


def test_after_a_busy_error_the_same_database_writes_once_the_lock_is_free(path: str) -> None:
    with cwdb.connect(path, busy_timeout_ms=100) as db:
        with lock_held_by_another_process(hold_until_told, path) as holder:
            with pytest.raises(cwdb.BusyError):
                db.initiatives.create(name="blocked")
            holder.send("release")
            assert holder.recv() == "released"
        made = db.initiatives.create(name="after")
        assert [i.name for i in db.initiatives.find_all()] == ["after"]
        assert made.name == "after"


def test_connect_works_while_another_process_holds_the_write_lock(path: str) -> None:
    with (
        lock_held_by_another_process(hold_until_told, path),
        cwdb.connect(path, busy_timeout_ms=100) as db,
    ):
        assert db.initiatives.find_all() == []


def test_at_default_settings_a_lock_held_within_the_timeout_makes_the_writer_wait(
    path: str,
) -> None:
    with cwdb.connect(path) as db:
        with lock_held_by_another_process(hold_briefly, path, 0.3) as holder:
            made = db.initiatives.create(name="waited")
            # The holder's row committed first: this write queued behind it.
            assert holder.recv() == "released"
        assert [i.name for i in db.initiatives.find_all()] == ["holder", "waited"]
        assert db.initiatives.find_by_id(made.id) == made


def test_at_default_settings_a_transaction_block_waits_for_the_lock_too(path: str) -> None:
    with cwdb.connect(path) as db:
        with lock_held_by_another_process(hold_briefly, path, 0.3), db.transaction():
            db.initiatives.create(name="first of block")
            db.initiatives.create(name="second of block")
        names = [i.name for i in db.initiatives.find_all()]
        assert names == ["holder", "first of block", "second of block"]


def test_busy_while_opening_a_file_is_a_busy_error(tmp_path: Path) -> None:
    """Switching a file to WAL needs the lock: one held past the timeout is BusyError."""
    path = tmp_path / "rollback-journal.db"
    holder = apsw.Connection(str(path))
    holder.execute("CREATE TABLE t (x INTEGER); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)")
    try:
        with pytest.raises(cwdb.BusyError, match=r"cannot use database .*database is locked"):
            cwdb.connect(path, busy_timeout_ms=10)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
