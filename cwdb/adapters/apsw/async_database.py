"""Opening SQLite for asyncio: ``connect_async(path)`` gives a :class:`SqliteAsyncDatabase`.

The sync database (``database.py``: its opening, migration and APSW runner)
is opened on the first worker thread, and the async twins of the
repositories run the same runner on a few worker threads
(``aio/threaded.py``), each with its own connection: the event loop never
waits on SQLite. ``connect_async`` migrates, as ``connect`` does, on that
worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import os

from cwdb.adapters.aio.database import AsyncDatabase
from cwdb.adapters.aio.threaded import DEFAULT_WORKERS, ThreadedRunner, Worker
from cwdb.adapters.apsw.database import SqliteDatabase
from cwdb.adapters.apsw.database import connect as connect_sync
from cwdb.adapters.database import Clock, check_busy_timeout
from cwdb.dialects import SQLITE
from cwdb.errors import ValidationError

__all__ = ["DEFAULT_WORKERS", "SqliteAsyncDatabase", "connect"]


class SqliteAsyncDatabase(AsyncDatabase):
    """A cwdb database in one SQLite file (or ``":memory:"``), awaited from asyncio."""

    _runner: ThreadedRunner

    def __init__(
        self, database: SqliteDatabase, runner: ThreadedRunner, clock: Clock | None
    ) -> None:
        super().__init__(
            runner,
            database.path,
            dialect=SQLITE,
            clock=clock,
            busy_timeout_ms=runner.sync.busy_timeout_ms,
        )
        self._sync = database

    async def schema_version(self) -> str | None:
        """The id of the newest applied migration."""
        sync = self._sync
        return await self._runner.run(lambda: sync.schema_version)

    async def backup(self, dest_path: str | os.PathLike[str]) -> None:
        """``Database.backup`` on a worker thread: a consistent copy at ``dest_path``.

        Inside a ``transaction()`` of the calling task it runs on that
        block's worker, so a ``":memory:"`` database refuses it, as the sync
        one does inside a block of the same thread.
        """
        await self._runner.run(self._sync.backup, dest_path)


async def connect(
    path: str | os.PathLike[str],
    *,
    migrate: bool = True,
    busy_timeout_ms: int = 5000,
    clock: Clock | None = None,
    workers: int = DEFAULT_WORKERS,
    readonly: bool = False,
) -> SqliteAsyncDatabase:
    """Open an SQLite database for asyncio (see ``cwdb.connect_async``)."""
    check_busy_timeout(busy_timeout_ms)
    if type(workers) is not int or workers < 1:
        raise ValidationError(f"workers: expected a positive int, got {workers!r}")
    threads = [Worker(f"cwdb-sqlite-{n}") for n in range(workers)]
    loop = asyncio.get_running_loop()
    try:
        # On the first worker: its thread keeps the connection that opened it.
        opening = functools.partial(
            connect_sync,
            path,
            migrate=migrate,
            busy_timeout_ms=busy_timeout_ms,
            clock=clock,
            readonly=readonly,
        )
        database = await threads[0].submit(loop, _nothing, opening)
    except BaseException:
        for worker in threads:
            worker.stop()
        raise
    runner = database._runner  # noqa: SLF001 -- the sync database's runner, run on the workers
    return SqliteAsyncDatabase(database, ThreadedRunner(runner, threads), clock)


def _nothing(worker: Worker) -> None:
    """The connecting worker is free for the runner once it is built."""
