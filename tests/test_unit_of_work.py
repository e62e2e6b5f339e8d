"""A transaction() block belongs to the thread, or the asyncio task, that opened it.

The sync ``Database`` keeps one connection per thread. Two coroutines on one
thread share that connection, so a second coroutine's call while the first
one's block is open would run inside that block: its writes committed or
thrown away with the other coroutine's. It raises ``cwdb.Error`` instead, and
writes nothing. The coroutines take turns by events, not sleeps.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

import cwdb


def names(db: cwdb.Database) -> list[str]:
    return sorted(initiative.name for initiative in db.initiatives.find_all())


def test_a_second_coroutines_block_raises_and_writes_nothing(db: cwdb.Database) -> None:
    failures: list[BaseException] = []

    async def a(inside: asyncio.Event, b_tried: asyncio.Event) -> None:
        with db.transaction():
            db.initiatives.create(name="A")
            inside.set()
            await b_tried.wait()

    async def b(inside: asyncio.Event, b_tried: asyncio.Event) -> None:
        await inside.wait()
        try:
            with db.transaction():
                db.initiatives.create(name="B1")
                db.initiatives.create(name="B2")
        except cwdb.Error as error:
            failures.append(error)
        finally:
            b_tried.set()

    async def main() -> None:
        inside, b_tried = asyncio.Event(), asyncio.Event()
        await asyncio.gather(a(inside, b_tried), b(inside, b_tried))

    asyncio.run(main())
    (failure,) = failures
    assert "another asyncio task" in str(failure)
    assert "nothing was written" in str(failure)
    assert names(db) == ["A"]


def test_a_second_coroutines_call_never_joins_the_open_block(db: cwdb.Database) -> None:
    failures: list[BaseException] = []

    async def a(inside: asyncio.Event, b_tried: asyncio.Event) -> None:
        with pytest.raises(RuntimeError), db.transaction():
            db.initiatives.create(name="A")
            inside.set()
            await b_tried.wait()
            raise RuntimeError("A's block fails after B tried")

    async def b(inside: asyncio.Event, b_tried: asyncio.Event) -> None:
        await inside.wait()
        try:
            db.initiatives.create(name="B")
        except cwdb.Error as error:
            failures.append(error)
        finally:
            b_tried.set()

    async def main() -> None:
        inside, b_tried = asyncio.Event(), asyncio.Event()
        await asyncio.gather(a(inside, b_tried), b(inside, b_tried))

    asyncio.run(main())
    assert len(failures) == 1
    assert isinstance(failures[0], cwdb.Error)
    # A's block rolled back whole; B's call did not slip into it, nor survive it.
    assert names(db) == []
    db.initiatives.create(name="after")
    assert names(db) == ["after"]


def test_a_coroutines_own_calls_and_nested_blocks_join_its_block(db: cwdb.Database) -> None:
    async def work() -> None:
        with db.transaction():
            db.initiatives.create(name="outer")
            await asyncio.sleep(0)
            with db.transaction():
                db.initiatives.create(name="inner")

    asyncio.run(work())
    assert names(db) == ["inner", "outer"]


def test_blocks_of_coroutines_that_take_turns_each_commit(db: cwdb.Database) -> None:
    async def one(name: str) -> None:
        with db.transaction():
            db.initiatives.create(name=name)
        await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(*(one(f"i{n}") for n in range(5)))

    asyncio.run(main())
    assert names(db) == [f"i{n}" for n in range(5)]


def test_other_threads_wait_for_the_block_instead_of_failing(db: cwdb.Database) -> None:
    opened, written = threading.Event(), threading.Event()

    def other() -> None:
        opened.wait()
        db.initiatives.create(name="other")  # waits for the block's lock, or runs beside it
        written.set()

    thread = threading.Thread(target=other)
    thread.start()
    with db.transaction():
        db.initiatives.create(name="block")
        opened.set()
    thread.join(timeout=30)
    assert written.is_set()
    assert names(db) == ["block", "other"]


@pytest.mark.sqlite_only(
    "SQLite's one write lock: PostgreSQL blocks wait only on the rows they touch"
)
def test_a_call_a_block_hands_to_another_thread_says_it_waits_for_its_own_block(
    tmp_path: Path,
) -> None:
    async def main(db: cwdb.Database) -> None:
        with db.transaction():
            initiative = db.initiatives.create(name="held")
            await asyncio.to_thread(db.phases.create, initiative_id=initiative.id, name="p")

    with cwdb.connect(tmp_path / "cw.db", busy_timeout_ms=100) as db:
        with pytest.raises(cwdb.BusyError) as raised:
            asyncio.run(main(db))
        assert "held by this process's own open transaction() block" in str(raised.value)
        assert db.initiatives.find_all() == []
        assert db.phases.find_all() == []


def test_a_lock_timeout_outside_any_block_does_not_blame_one(tmp_path: Path) -> None:
    path = tmp_path / "cw.db"
    with cwdb.connect(path, busy_timeout_ms=50) as db, cwdb.connect(path) as other:
        opened, release = threading.Event(), threading.Event()

        def hold() -> None:
            with other.transaction():
                other.initiatives.create(name="other process's block")
                opened.set()
                release.wait(timeout=30)

        holder = threading.Thread(target=hold)
        holder.start()
        opened.wait(timeout=30)
        try:
            with pytest.raises(cwdb.BusyError) as raised:
                db.initiatives.create(name="waits")
        finally:
            release.set()
            holder.join(timeout=30)
        assert "own open transaction() block" not in str(raised.value)
