"""A sync runner awaited from asyncio, on worker threads its ``AsyncDatabase`` owns.

SQLite has no asyncio driver worth its cost, and the sync runner
(``sessions.py`` over APSW) already gives each thread a connection of its
own. :class:`ThreadedRunner` keeps a few single-thread workers, each with
its own connection, so the event loop never waits on SQLite:

* a call outside a block runs on any free worker: one thread hop there and
  one back (a queue put, and ``call_soon_threadsafe`` with the result);
* a block checks out one worker for its whole length, so it runs wholly on
  one connection; the calls of the task that opened it go to that worker,
  and other tasks' calls take another worker and wait for the write lock,
  as another thread's would (SQLite's ``BEGIN IMMEDIATE`` and busy timeout);
* a worker runs its queue in order, so the undo of a cancelled block is
  queued behind the statement in flight and runs as soon as it ends; a
  worker goes back to the free list only when its last queued item is done.

Cancellation cannot interrupt a statement running on a thread: a cancelled
single call completes (it commits whole, or fails and writes nothing) and
its result is dropped; a cancelled block rolls back as soon as its statement
in flight ends. Workers are daemon threads: a program that exits without
``aclose()`` does not hang on them.

Each call runs on its worker in a copy of the calling task's
``contextvars`` context, as ``asyncio.to_thread`` does: a ``db.capture()``
open in the task, and the task's OpenTelemetry span, are seen there. The
span of a block is opened on its task (``Observer.block``) and is the parent
of its statements' spans; the outermost level's ``BEGIN`` and ``COMMIT`` run
in one context kept for the block, where the sync level sets and resets its
own context variables.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import threading
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
from queue import SimpleQueue
from typing import Any, TypeVar

from cwdb.adapters.aio.runner import replay, spanned
from cwdb.adapters.observe import Captured, Observer
from cwdb.adapters.runner import Bindings
from cwdb.adapters.sessions import SessionRunner
from cwdb.adapters.statements import Batch, Many, One, Row, Single, Write
from cwdb.errors import Error

__all__ = ["ThreadedRunner", "Worker"]

R = TypeVar("R")
T = TypeVar("T")

#: Workers of an SQLite ``AsyncDatabase``: one writes at a time; the others
#: read beside it (WAL), or wait for the lock in their own block.
DEFAULT_WORKERS = 4


class Worker:
    """One daemon thread running submitted functions in order, each settling a future."""

    def __init__(self, name: str) -> None:
        self._queue: SimpleQueue[tuple[Any, ...] | None] = SimpleQueue()
        #: Items queued and not yet done; the worker is free again at 0.
        self.pending = 0
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)
        self.thread.start()

    def submit(
        self,
        loop: asyncio.AbstractEventLoop,
        then: Callable[[Worker], None],
        fn: Callable[..., T],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Future[T]:
        """Run ``fn(*args)`` on the thread; the future settles on the loop, then ``then(self)``.

        It runs in ``context``, by default a copy of the caller's.
        """
        future: asyncio.Future[T] = loop.create_future()
        self.pending += 1
        if context is None:
            context = contextvars.copy_context()
        self._queue.put((loop, future, then, context, fn, args))
        return future

    def stop(self) -> None:
        """End the thread after what is queued."""
        self._queue.put(None)

    def _main(self) -> None:
        queue = self._queue
        while True:
            item = queue.get()
            if item is None:
                return
            loop, future, then, context, fn, args = item
            try:
                result, error = context.run(fn, *args), None
            except BaseException as failure:  # handed to the awaiting task
                result, error = None, failure
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits
                loop.call_soon_threadsafe(self._settle, future, result, error, then)

    def _settle(
        self,
        future: asyncio.Future[Any],
        result: object,
        error: BaseException | None,
        then: Callable[[Worker], None],
    ) -> None:
        self.pending -= 1
        if not future.done():  # a cancelled caller dropped it
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
        then(self)


class _Block:
    """The worker a task's open block runs on, how deep it is, and its outermost level's context."""

    __slots__ = ("context", "depth", "worker")

    def __init__(self, worker: Worker, context: contextvars.Context) -> None:
        self.worker = worker
        self.depth = 1
        self.context = context


class ThreadedRunner:
    """An ``AsyncRunner`` over a sync ``SessionRunner`` (see the module doc)."""

    def __init__(self, runner: SessionRunner[Any], workers: list[Worker]) -> None:
        self.sync = runner
        self._workers = workers
        self._free: deque[Worker] = deque(workers)
        self._busy: set[Worker] = set()
        self._waiting: deque[asyncio.Future[Worker]] = deque()
        self._blocks: dict[asyncio.Task[Any], _Block] = {}
        self.closed = False

    @property
    def database(self) -> str:
        return self.sync.database

    @property
    def observer(self) -> Observer:
        """The sync runner's: its statements are the ones run on the workers."""
        return self.sync.observer

    def capture(self) -> AbstractContextManager[list[Captured]]:
        """The statements run for the calling context (``AsyncDatabase.capture``)."""
        return self.sync.observer.capture(self.sync)

    def check_open(self) -> None:
        """Raise ``cwdb.Error`` when the database is closed."""
        if self.closed:
            raise Error("the database is closed")

    # -- workers ------------------------------------------------------------------

    async def _checkout(self) -> Worker:
        self.check_open()
        if self._free:
            # The worker freed last: its thread is the one most likely still
            # on a core with its connection's pages in cache. Taking the
            # oldest instead wakes a cold thread on every call.
            worker = self._free.pop()
            self._busy.add(worker)
            return worker
        waiter: asyncio.Future[Worker] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())
            raise

    def _release(self, worker: Worker) -> None:
        """Hand a worker whose queue is empty to the next waiting task, or free it."""
        if worker.pending:
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._busy.discard(worker)
        self._free.append(worker)

    @staticmethod
    def _keep(worker: Worker) -> None:
        """A block's worker stays checked out between its calls."""

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the calling task's block worker, or on any free worker."""
        task = asyncio.current_task()
        block = self._blocks.get(task) if task is not None else None
        loop = asyncio.get_running_loop()
        if block is not None:
            return await block.worker.submit(loop, self._keep, fn, *args)
        worker = await self._checkout()
        return await worker.submit(loop, self._release, fn, *args)

    # -- the Runner's methods, awaited ----------------------------------------------

    async def one(self, st: One[R], params: Bindings) -> R | None:
        return await self.run(self.sync.one, st, params)

    async def all(self, st: Many[R], params: Bindings) -> list[R]:
        return await self.run(self.sync.all, st, params)

    async def single(self, st: Single[R], params: Bindings) -> R:
        return await self.run(self.sync.single, st, params)

    async def rows(self, st: Many[Any], params: Bindings) -> list[Row]:
        return await self.run(self.sync.rows, st, params)

    async def write(self, st: Write, params: Bindings) -> None:
        await self.run(self.sync.write, st, params)

    async def write_count(self, st: Write, params: Bindings) -> int:
        return await self.run(self.sync.write_count, st, params)

    async def write_batch(self, st: Batch, param_sets: Iterable[Bindings]) -> int:
        sets = param_sets if isinstance(param_sets, list) else list(param_sets)
        return await self.run(self.sync.write_batch, st, sets)

    # -- blocks ---------------------------------------------------------------------

    def in_transaction(self) -> bool:
        task = asyncio.current_task()
        return task is not None and task in self._blocks

    async def replay(self, fn: Callable[[], Awaitable[R]], *, own_locks: bool = False) -> R:
        timeout = self.sync.busy_timeout_ms
        return await replay(self, fn, own_locks=own_locks, busy_timeout_ms=timeout)

    def transaction(self, *, own_locks: bool = False) -> AbstractAsyncContextManager[None]:
        """A block on one worker, owned by the calling task; nested levels are savepoints.

        The outermost level's span (``Observer.block``) is opened here, on
        the task, so that it is the parent of the block's statements on the
        worker, whichever context each of them runs in.
        """
        level = functools.partial(self._transaction, own_locks=own_locks)
        return spanned(self.sync.observer, self._blocks, level)

    @asynccontextmanager
    async def _transaction(
        self, task: asyncio.Task[Any], *, own_locks: bool
    ) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        block = self._blocks.get(task)
        outermost = block is None
        if block is None:
            block = _Block(await self._checkout(), contextvars.copy_context())
            block.context.run(self.sync.observer.spanned_elsewhere)
        else:
            block.depth += 1
        worker = block.worker
        # The last item queued for an outermost block frees its worker when done.
        last = self._release if outermost else self._keep
        # The outermost sync level sets context variables that its end resets.
        context = block.context if outermost else None
        level: AbstractContextManager[None] = self.sync.transaction(own_locks=own_locks)
        try:
            await worker.submit(loop, self._keep, level.__enter__, context=context)
        except asyncio.CancelledError:
            # BEGIN may still succeed on the thread: undo it right after.
            worker.submit(loop, last, _undo, level, context=context)
            self._leave(task, block, outermost)
            raise
        except BaseException:
            if outermost:
                self._release(worker)
            else:
                block.depth -= 1
            raise
        if outermost:
            self._blocks[task] = block
        try:
            yield
        except BaseException as error:
            self._leave(task, block, outermost)
            # Rolls back this level (and re-raises ``error`` there, which is dropped).
            undone = worker.submit(loop, last, _exit, level, error, context=context)
            await undone
            raise
        self._leave(task, block, outermost)
        await worker.submit(loop, last, _exit, level, None, context=context)

    def _leave(self, task: asyncio.Task[Any], block: _Block, outermost: bool) -> None:
        if outermost:
            self._blocks.pop(task, None)
        else:
            block.depth -= 1

    # -- closing --------------------------------------------------------------------

    async def aclose(self) -> None:
        """Wait for calls in flight, close every connection, end the workers; idempotent."""
        if self.closed:
            return
        held = [await self._checkout() for _ in self._workers]
        self.closed = True
        loop = asyncio.get_running_loop()
        try:
            await held[0].submit(loop, self._keep, self.sync.close)
        finally:
            for worker in self._workers:
                worker.stop()
            for waiter in self._waiting:
                if not waiter.done():
                    waiter.set_exception(Error("the database is closed"))


def _exit(level: AbstractContextManager[None], error: BaseException | None) -> None:
    """End a block's level on its worker: commit (or release) it, or undo it after ``error``."""
    if error is None:
        level.__exit__(None, None, None)
        return
    with contextlib.suppress(BaseException):
        level.__exit__(type(error), error, error.__traceback__)


def _undo(level: AbstractContextManager[None]) -> None:
    """Undo a level whose ``__enter__`` was cancelled while it ran (a no-op if it failed)."""
    cancelled = asyncio.CancelledError()
    with contextlib.suppress(BaseException):
        level.__exit__(asyncio.CancelledError, cancelled, None)
