"""Using cwdb from asyncio: each call in a worker thread (README, "asyncio").

``plan`` and ``main`` below are the README's example, verbatim; the tests run
them and check what they promise.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import cwdb

# -- the README example ---------------------------------------------------------


async def plan(db: cwdb.Database, name: str) -> cwdb.Initiative:
    # One library call per worker thread: the event loop never waits on SQLite.
    initiative = await asyncio.to_thread(db.initiatives.create, name=name)

    # A transaction belongs to the thread that opened it: put the whole block
    # in one function and run that function in one worker thread.
    def add_phases() -> list[cwdb.Phase]:
        with db.transaction():
            return [
                db.phases.create(initiative_id=initiative.id, name=phase)
                for phase in ("Design", "Build")
            ]

    await asyncio.to_thread(add_phases)
    return initiative


async def main(path: str) -> None:
    with cwdb.connect(path) as db:  # connecting and closing are quick: fine on the loop
        planned = await asyncio.gather(*(plan(db, f"Initiative {i}") for i in range(3)))
        phases = await asyncio.to_thread(db.phases.find_by_initiative_id, planned[0].id)
        print([phase.name for phase in phases])  # ['Design', 'Build']


# -- the tests ------------------------------------------------------------------


def test_the_readme_example_runs(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(main(str(db_path)))
    assert capsys.readouterr().out == "['Design', 'Build']\n"
    with cwdb.connect(db_path) as db:
        initiatives = db.initiatives.find_all()
        assert sorted(i.name for i in initiatives) == [f"Initiative {i}" for i in range(3)]
        for initiative in initiatives:
            names = [p.name for p in db.phases.find_by_initiative_id(initiative.id)]
            assert names == ["Design", "Build"]


def test_many_concurrent_calls_from_the_event_loop_all_land(file_db: cwdb.Database) -> None:
    async def create_many() -> list[cwdb.Initiative]:
        return await asyncio.gather(
            *(asyncio.to_thread(file_db.initiatives.create, name=f"i{n}") for n in range(100))
        )

    made = asyncio.run(create_many())
    assert sorted(i.id for i in made) == sorted(i.id for i in file_db.initiatives.find_all())
    assert len(made) == 100


def test_a_transaction_run_in_one_worker_thread_rolls_back_as_a_whole(
    file_db: cwdb.Database,
) -> None:
    initiative = file_db.initiatives.create(name="x")

    def half_then_fail() -> None:
        with file_db.transaction():
            file_db.phases.create(initiative_id=initiative.id, name="Design")
            raise RuntimeError("changed my mind")

    async def run() -> None:
        await asyncio.to_thread(half_then_fail)

    with pytest.raises(RuntimeError, match="changed my mind"):
        asyncio.run(run())
    assert file_db.phases.find_by_initiative_id(initiative.id) == []
