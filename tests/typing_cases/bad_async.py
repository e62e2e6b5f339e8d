"""The asyncio API (reference §10): a missing ``await`` and a wrong field, refused.

Each refused line ends with ``# E: <mypy error code>``; tests/test_typing.py
checks that mypy reports exactly those lines with those codes.
"""

from __future__ import annotations

import cwdb


async def awaited(db: cwdb.AsyncDatabase) -> cwdb.Task:
    task: cwdb.Task = await db.tasks.create(name="Toggle")
    found: cwdb.Task | None = await db.tasks.find_by_id(task.id)
    assert found is not None
    async with db.transaction():
        await db.tasks.update(task.id, status="in_progress")
    chunks = [chunk.content async for chunk in db.log_chunks.iter_by_agent_id("a")]
    assert isinstance(chunks, list)
    return task


async def forgotten(db: cwdb.AsyncDatabase) -> None:
    task: cwdb.Task = db.tasks.create(name="Toggle")  # E: assignment
    await db.tasks.create(name="Toggle", priorty="high")  # E: call-arg
    await db.tasks.update(task.id, nmae="x")  # E: call-arg
    with db.transaction():  # E: attr-defined
        pass


async def own_queries(db: cwdb.AsyncDatabase) -> None:
    ready = db.load_queries("ready_tasks.sql").many("ready_tasks", cwdb.Task)
    tasks: list[cwdb.Task] = await ready(phase_id="p")
    assert tasks is not None
    counted: int = await db.load_queries("ready_tasks.sql").single("count_ready", int)(phase_id="p")
    assert counted >= 0
    with db.capture() as ran:
        await db.tasks.find_by_id("t")
    assert ran[0].duration_ms >= 0
    db.slow_query_ms = 50
    unawaited: list[cwdb.Task] = ready(phase_id="p")  # E: assignment
    assert unawaited is not None
    async with db.capture():  # E: attr-defined
        pass
