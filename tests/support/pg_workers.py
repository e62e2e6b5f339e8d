"""Eight processes, each with its own ``cwdb.connect(url)``, released at once.

tests/test_postgresql_concurrency.py races processes against each other on
one PostgreSQL database, one atomic promise at a time. Spawning a process
(and importing cwdb and psycopg in it) costs far more than most races, so a
:class:`WorkerPool` starts its processes once and hands each one job after
another: the parent puts one job per worker in that worker's inbox, every
worker opens (or reuses) its ``Database``, waits at a shared barrier so
that all of them start together, runs the job and sends back what it
returned, or the traceback of what it raised.

A job is a module-level function ``job(db, index, *args)`` (picklable by
name); it catches the errors the race is expected to give and returns them
as plain values (strings, tuples), so that the parent can count them.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Sequence
from typing import Any

CONTEXT = multiprocessing.get_context("spawn")

Job = Callable[..., Any]


class WorkerPool:
    """``size`` spawned processes that run jobs in lockstep; ``close()`` stops them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._barrier = CONTEXT.Barrier(size)
        self._results: Any = CONTEXT.Queue()
        self._inboxes: list[Any] = [CONTEXT.Queue() for _ in range(size)]
        self._processes = [
            CONTEXT.Process(
                target=_serve,
                args=(index, inbox, self._barrier, self._results),
                daemon=True,
            )
            for index, inbox in enumerate(self._inboxes)
        ]
        for process in self._processes:
            process.start()

    def run(self, url: str, job: Job, args: Sequence[tuple[Any, ...]] | None = None) -> list[Any]:
        """Run ``job(db, index, *args[index])`` in every worker at once; their results."""
        per_worker = list(args) if args is not None else [()] * self.size
        assert len(per_worker) == self.size
        for inbox, job_args in zip(self._inboxes, per_worker, strict=True):
            inbox.put((url, job, job_args))
        outcomes: dict[int, tuple[bool, Any]] = {}
        for _ in range(self.size):
            index, ok, value = self._results.get(timeout=120)
            outcomes[index] = (ok, value)
        failed = [f"worker {i}:\n{value}" for i, (ok, value) in sorted(outcomes.items()) if not ok]
        if failed:
            raise AssertionError("a worker failed:\n" + "\n".join(failed))
        return [outcomes[index][1] for index in range(self.size)]

    def close(self) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for process in self._processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


def _serve(index: int, inbox: Any, barrier: Any, results: Any) -> None:
    """A worker's loop: open the job's database once, wait for the others, run."""
    import cwdb

    databases: dict[str, cwdb.Database] = {}
    while (message := inbox.get()) is not None:
        url, job, args = message
        try:
            if url not in databases:
                databases[url] = cwdb.connect(url, migrate=False)
            barrier.wait(timeout=60)
            results.put((index, True, job(databases[url], index, *args)))
        except BaseException:
            results.put((index, False, traceback.format_exc()))
    for database in databases.values():
        database.close()
