"""db.transaction(): atomic blocks, savepoints, IMMEDIATE locking, busy errors."""

from __future__ import annotations

import threading
from pathlib import Path

import apsw
import pytest

import cwdb
from tests.support.factories import initiative
from tests.support.helpers import raw_connection, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


class BoomError(Exception):
    pass


def test_a_block_commits_everything_together(db: cwdb.Database) -> None:
    with db.transaction():
        first = initiative(db)
        second = initiative(db)
    assert {i.id for i in db.initiatives.find_all()} == {first.id, second.id}


def test_an_exception_rolls_the_whole_block_back_and_propagates(db: cwdb.Database) -> None:
    kept = initiative(db)
    before = snapshot(db)
    with pytest.raises(BoomError), db.transaction():
        initiative(db)
        db.initiatives.update(kept.id, name="changed")
        raise BoomError
    assert snapshot(db) == before


def test_a_nested_block_rolls_back_only_itself(db: cwdb.Database) -> None:
    with db.transaction():
        outer = initiative(db)
        with pytest.raises(BoomError), db.transaction():
            initiative(db, name="inner")
            raise BoomError
        with db.transaction():
            kept = initiative(db, name="kept")
    assert [i.id for i in db.initiatives.find_all()] == [outer.id, kept.id]


def test_a_failing_call_inside_a_block_writes_nothing_and_keeps_earlier_writes(
    db: cwdb.Database,
) -> None:
    with db.transaction():
        first = initiative(db)
        with pytest.raises(cwdb.ValidationError):
            db.initiatives.create(name="bad", status="bogus")
        with pytest.raises(cwdb.NotFoundError):
            db.initiatives.update("missing", name="x")
        second = initiative(db)
    assert [i.id for i in db.initiatives.find_all()] == [first.id, second.id]


def test_the_outermost_block_takes_the_write_lock_at_once(file_db: cwdb.Database) -> None:
    other = raw_connection(file_db)
    other.set_busy_timeout(0)
    with file_db.transaction(), pytest.raises(apsw.BusyError):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_a_writer_waits_for_a_read_then_write_block_instead_of_failing(
    file_db: cwdb.Database,
) -> None:
    target = initiative(file_db)
    read_done = threading.Event()
    errors: list[BaseException] = []

    def reader_then_writer() -> None:
        with file_db.transaction():
            file_db.initiatives.find_by_id(target.id)
            read_done.set()
            file_db.initiatives.update(target.id, name="by the block")

    def other_writer() -> None:
        read_done.wait()
        try:
            file_db.initiatives.update(target.id, status="completed")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=reader_then_writer), threading.Thread(target=other_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    final = file_db.initiatives.find_by_id(target.id)
    assert final is not None
    assert (final.name, final.status) == ("by the block", "completed")


def test_a_lock_held_past_the_busy_timeout_raises_busy_error_naming_it(db_path: Path) -> None:
    cwdb.ensure_schema(db_path)
    holder = apsw.Connection(str(db_path))
    holder.execute("BEGIN IMMEDIATE")
    try:
        with cwdb.connect(db_path, busy_timeout_ms=50) as db:
            before = snapshot(db)
            with pytest.raises(cwdb.BusyError, match="50 ms"):
                db.initiatives.create(name="blocked")
            with pytest.raises(cwdb.BusyError, match="50 ms"), db.transaction():
                pass
            holder.execute("ROLLBACK")
            assert snapshot(db) == before
    finally:
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()


def test_blocks_on_different_threads_are_isolated(file_db: cwdb.Database) -> None:
    inside = threading.Event()
    release = threading.Event()

    def slow_block() -> None:
        with pytest.raises(BoomError), file_db.transaction():
            initiative(file_db, name="never seen")
            inside.set()
            release.wait()
            raise BoomError

    thread = threading.Thread(target=slow_block)
    thread.start()
    inside.wait()
    assert file_db.initiatives.find_all() == []
    release.set()
    thread.join()
    assert file_db.initiatives.find_all() == []
