"""A sync ``Database`` face over an ``AsyncDatabase``, so sync tests run through the async API.

The ``[sqlite-async]`` and ``[postgresql-async]`` cases of the ``db`` fixture
(opt-in per test module, ``conftest.ASYNC_TOO``) hand a test this facade:
an event loop runs in a background thread, and each repository call is one
coroutine run there (``run_coroutine_threadsafe(...).result()``), as its own
asyncio task, the way an application's request handler would call it.

``with db.transaction():`` is one task too: the facade starts a task that
opens ``async with adb.transaction()`` and then runs, inside that same task,
every call the test thread makes until the block ends (so the calls join the
block because they come from the task that owns it, as in an application).
Nested blocks nest inside that task; an exception in the test's block is
raised inside the task's block, which rolls it back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import cwdb

_STOP = object()


class _Exit(Exception):  # noqa: N818 -- a signal, not an error
    def __init__(self, error: BaseException | None, reply: concurrent.futures.Future[Any]) -> None:
        self.error = error
        self.reply = reply


class Loop:
    """An event loop in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(_await(coroutine), self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


class SyncFacade:
    """What the sync tests use of a ``Database``, each call run on the async one."""

    def __init__(self, adb: cwdb.AsyncDatabase, loop: Loop) -> None:
        self.adb = adb
        self._loop = loop
        self._local = threading.local()
        self.path = adb.path
        self.dialect = adb.dialect
        for name in (
            "initiatives",
            "phases",
            "tasks",
            "agents",
            "messages",
            "pages",
            "projects",
            "accounts",
            "proposals",
            "log_chunks",
            "conversations",
            "chat_sessions",
            "review_comments",
            "errands",
        ):
            setattr(self, name, _Repository(self, getattr(adb, name)))

    # -- running a call where it belongs -------------------------------------------

    def call(self, make: Callable[[], Awaitable[Any]]) -> Any:
        inbox: asyncio.Queue[Any] | None = getattr(self._local, "inbox", None)
        if inbox is None:
            return self._loop.run(make())
        return self._send(inbox, "call", make)

    def _send(self, inbox: asyncio.Queue[Any], kind: str, payload: Any) -> Any:
        reply: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._loop.loop.call_soon_threadsafe(inbox.put_nowait, (kind, payload, reply))
        return reply.result()

    def iterate(self, iterator: AsyncIterator[Any]) -> Iterator[Any]:
        while True:
            item = self.call(lambda: _next(iterator))
            if item is _STOP:
                return
            yield item

    # -- blocks ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        inbox: asyncio.Queue[Any] | None = getattr(self._local, "inbox", None)
        outermost = inbox is None
        if inbox is None:
            inbox = self._loop.run(_new_queue())
            assert inbox is not None
            server = asyncio.run_coroutine_threadsafe(self._top(inbox), self._loop.loop)
        self._send(inbox, "enter", None)
        if outermost:
            self._local.inbox = inbox
        try:
            yield
        except BaseException as error:
            try:
                self._send(inbox, "exit", error)
            finally:
                if outermost:
                    self._local.inbox = None
                    server.result()
            raise
        try:
            self._send(inbox, "exit", None)
        finally:
            if outermost:
                self._local.inbox = None
                server.result()

    async def _top(self, inbox: asyncio.Queue[Any]) -> None:
        """The block's task: the outermost block, whose body is what the test thread sends."""
        kind, _, reply = await inbox.get()
        assert kind == "enter"
        await self._block(inbox, reply)

    async def _serve(self, inbox: asyncio.Queue[Any]) -> None:
        """Inside a block, in its task: calls and nested blocks, until the block's exit."""
        while True:
            kind, payload, reply = await inbox.get()
            if kind == "call":
                try:
                    reply.set_result(await payload())
                except BaseException as error:  # handed to the test thread
                    reply.set_exception(error)
            elif kind == "enter":
                await self._block(inbox, reply)
            else:
                raise _Exit(payload, reply)

    async def _block(
        self, inbox: asyncio.Queue[Any], entered: concurrent.futures.Future[Any]
    ) -> None:
        signal: _Exit | None = None
        try:
            async with self.adb.transaction():
                entered.set_result(None)
                try:
                    await self._serve(inbox)
                except _Exit as exit_signal:
                    signal = exit_signal
                    if signal.error is not None:
                        raise signal.error from None
        except BaseException as error:  # handed to the test thread
            if not entered.done():
                entered.set_exception(error)
            elif signal is not None:
                if error is signal.error:
                    signal.reply.set_result(None)
                else:
                    signal.reply.set_exception(error)
            return
        assert signal is not None
        signal.reply.set_result(None)

    def in_transaction(self) -> bool:
        return getattr(self._local, "inbox", None) is not None

    # -- the rest of Database ----------------------------------------------------------

    @property
    def schema_version(self) -> str | None:
        return self.call(self.adb.schema_version)

    def load_queries(self, path: Any) -> _Queries:
        return _Queries(self, self.adb.load_queries(path))

    def capture(self) -> Any:
        # The facade's calls are tasks started from the test thread, so they
        # inherit its context and the capture opened here (call_soon_threadsafe
        # copies the caller's context).
        return self.adb.capture()

    @property
    def slow_query_ms(self) -> float | None:
        return self.adb.slow_query_ms

    @slow_query_ms.setter
    def slow_query_ms(self, value: float | None) -> None:
        self.adb.slow_query_ms = value

    def backup(self, dest_path: Any) -> None:
        self.call(lambda: self.adb.backup(dest_path))

    def close(self) -> None:
        self._loop.run(self.adb.aclose())

    def __enter__(self) -> SyncFacade:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _new_queue() -> asyncio.Queue[Any]:
    return asyncio.Queue()


def _wrap(make: Callable[[], AsyncIterator[Any]]) -> Callable[[], Awaitable[AsyncIterator[Any]]]:
    async def made() -> AsyncIterator[Any]:
        return make()

    return made


async def _next(iterator: AsyncIterator[Any]) -> Any:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _STOP


class _Queries:
    """An ``AsyncAppQueries`` whose bound queries are called as the sync ones are."""

    def __init__(self, facade: SyncFacade, queries: Any) -> None:
        self._facade = facade
        self._queries = queries

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._queries, name)
        if name not in ("one", "many", "single", "write", "batch"):
            return found
        facade = self._facade

        def bind(*args: Any) -> _BoundQuery:
            return _BoundQuery(facade, found(*args))  # binding is checked now, unawaited

        return bind


class _BoundQuery:
    """An async bound query, each call run to completion on the loop."""

    def __init__(self, facade: SyncFacade, bound: Any) -> None:
        self._facade = facade
        self._bound = bound

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bound, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._facade.call(lambda: self._bound(*args, **kwargs))


class _Repository:
    """One repository's methods, each run to completion on the loop."""

    def __init__(self, facade: SyncFacade, repository: Any) -> None:
        self._facade = facade
        self._repository = repository

    def __dir__(self) -> list[str]:
        return dir(self._repository)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._repository, name)
        facade = self._facade
        if name == "iter_by_agent_id":

            def iterate(*args: Any, **kwargs: Any) -> Iterator[Any]:
                # The argument checks run at the call, as the sync method's do.
                iterator = facade.call(_wrap(lambda: method(*args, **kwargs)))
                return facade.iterate(iterator)

            return iterate

        def call(*args: Any, **kwargs: Any) -> Any:
            return facade.call(lambda: method(*args, **kwargs))

        return call


@contextmanager
def opened(open_async: Callable[[], Awaitable[cwdb.AsyncDatabase]]) -> Iterator[SyncFacade]:
    """A facade over the ``AsyncDatabase`` that ``open_async`` opens, on a loop of its own."""
    loop = Loop()
    try:
        adb = loop.run(open_async())
        facade = SyncFacade(adb, loop)
        try:
            yield facade
        finally:
            facade.close()
    finally:
        loop.close()
