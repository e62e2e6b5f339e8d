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
