"""The ``AsyncDatabase`` both dialects share: the 14 repositories' async twins over one runner.

The asyncio twin of ``adapters/database.py``. The adapters are generated
from the sync ones (``aio/repositories/``, ``scripts/async_repositories.py``)
and documented from the generated async ports (``cwdb/ports/aio/``), with
the same id checks. The dialects' subclasses add what differs:
``apsw/async_database.py`` (the sync runner on worker threads) and
``psycopg/async_database.py`` (psycopg's async pool).
"""

from __future__ import annotations

import abc
import os
from collections.abc import Awaitable, Callable, Generator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from cwdb.adapters.aio.repositories.accounts import AsyncSqlAccountRepository
from cwdb.adapters.aio.repositories.agents import AsyncSqlAgentRepository
from cwdb.adapters.aio.repositories.chat_sessions import AsyncSqlChatSessionRepository
from cwdb.adapters.aio.repositories.conversations import AsyncSqlConversationRepository
from cwdb.adapters.aio.repositories.errands import AsyncSqlErrandRepository
from cwdb.adapters.aio.repositories.initiatives import AsyncSqlInitiativeRepository
from cwdb.adapters.aio.repositories.log_chunks import AsyncSqlLogChunkRepository
from cwdb.adapters.aio.repositories.messages import AsyncSqlMessageRepository
from cwdb.adapters.aio.repositories.pages import AsyncSqlPageRepository
from cwdb.adapters.aio.repositories.phases import AsyncSqlPhaseRepository
from cwdb.adapters.aio.repositories.projects import AsyncSqlProjectRepository
from cwdb.adapters.aio.repositories.proposals import AsyncSqlProposalRepository
from cwdb.adapters.aio.repositories.review_comments import AsyncSqlReviewCommentRepository
from cwdb.adapters.aio.repositories.tasks import AsyncSqlTaskRepository
from cwdb.adapters.aio.runner import AsyncRunner
from cwdb.adapters.observe import Captured
from cwdb.adapters.own_queries import AsyncAppQueries, load_query_file
from cwdb.adapters.repositories.documented import document_from_port
from cwdb.adapters.runner import Values
from cwdb.adapters.statements import Queries
from cwdb.ports.aio import (
    AsyncAccountRepository,
    AsyncAgentRepository,
    AsyncChatSessionRepository,
    AsyncConversationRepository,
    AsyncErrandRepository,
    AsyncInitiativeRepository,
    AsyncLogChunkRepository,
    AsyncMessageRepository,
    AsyncPageRepository,
    AsyncPhaseRepository,
    AsyncProjectRepository,
    AsyncProposalRepository,
    AsyncReviewCommentRepository,
    AsyncTaskRepository,
)

if TYPE_CHECKING:
    from cwdb.adapters.database import Clock
    from cwdb.dialects import Dialect

P = ParamSpec("P")
T = TypeVar("T")

#: Each repository: its attribute (and SQL file), its async adapter, and the async
#: port whose documentation and signatures it shows. The ``AsyncDatabase`` is built from it.
ADAPTERS: tuple[tuple[str, type, type], ...] = (
    ("initiatives", AsyncSqlInitiativeRepository, AsyncInitiativeRepository),
    ("phases", AsyncSqlPhaseRepository, AsyncPhaseRepository),
    ("tasks", AsyncSqlTaskRepository, AsyncTaskRepository),
    ("agents", AsyncSqlAgentRepository, AsyncAgentRepository),
    ("messages", AsyncSqlMessageRepository, AsyncMessageRepository),
    ("pages", AsyncSqlPageRepository, AsyncPageRepository),
    ("projects", AsyncSqlProjectRepository, AsyncProjectRepository),
    ("accounts", AsyncSqlAccountRepository, AsyncAccountRepository),
    ("proposals", AsyncSqlProposalRepository, AsyncProposalRepository),
    ("log_chunks", AsyncSqlLogChunkRepository, AsyncLogChunkRepository),
    ("conversations", AsyncSqlConversationRepository, AsyncConversationRepository),
    ("chat_sessions", AsyncSqlChatSessionRepository, AsyncChatSessionRepository),
    ("review_comments", AsyncSqlReviewCommentRepository, AsyncReviewCommentRepository),
    ("errands", AsyncSqlErrandRepository, AsyncErrandRepository),
)
for _name, _adapter, _port in ADAPTERS:
    document_from_port(_adapter, _port)


class AsyncDatabase(abc.ABC):
    """An open cwdb database for asyncio: each repository method awaited (docs/reference.md §10)."""

    initiatives: AsyncInitiativeRepository
    phases: AsyncPhaseRepository
    tasks: AsyncTaskRepository
    agents: AsyncAgentRepository
    messages: AsyncMessageRepository
    pages: AsyncPageRepository
    projects: AsyncProjectRepository
    accounts: AsyncAccountRepository
    proposals: AsyncProposalRepository
    log_chunks: AsyncLogChunkRepository
    conversations: AsyncConversationRepository
    chat_sessions: AsyncChatSessionRepository
    review_comments: AsyncReviewCommentRepository
    errands: AsyncErrandRepository

    def __init__(
        self,
        runner: AsyncRunner,
        path: str,
        *,
        dialect: Dialect,
        clock: Clock | None,
        busy_timeout_ms: int,
    ) -> None:
        self._runner = runner
        #: The SQLite path, or the PostgreSQL URL without its password.
        self.path = path
        #: The kind of database (``cwdb.dialects``).
        self.dialect = dialect
        self._busy_timeout_ms = busy_timeout_ms
        runner.observer.configure(dialect.name, path)
        values = Values(dialect.storage, dialect.storage.now(clock))

        def queries(name: str) -> Queries:
            return Queries(dialect.query_file(name), dialect.statement_text)

        for name, adapter, _ in ADAPTERS:
            setattr(self, name, adapter(runner, queries(name), values))

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """``async with db.transaction():`` everything inside commits together or not at all.

        The block belongs to the asyncio task that opened it: that task's
        calls join it, other tasks' calls never do (they wait for the write
        lock, as another thread's would). Nested levels are savepoints. An
        exception, a cancellation included, rolls back its own level and
        propagates.
        """
        return self._runner.transaction()

    async def run_transaction(
        self, fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``await fn(*args, **kwargs)`` inside ``transaction()``; its result.

        Where the database refuses a block because a concurrent one
        conflicts with it (``cwdb.SerializationError``, PostgreSQL), the
        block is rolled back and ``fn`` awaited again after a short random
        pause, until ``busy_timeout_ms`` is spent (then ``BusyError``).
        Elsewhere ``fn`` runs once. ``fn`` must do nothing but database work
        that may be repeated.
        """
        return await self._runner.replay(lambda: fn(*args, **kwargs))

    def load_queries(self, path: str | os.PathLike[str]) -> AsyncAppQueries:
        """The application's own named queries of ``path``, awaited on this database.

        As ``Database.load_queries``: reading and binding need no ``await``
        (a missing file or query, or a suffix that does not allow the
        binding, is a ``cwdb.Error`` at once); each bound query is awaited:
        ``await db.load_queries(p).many("ready_tasks", cwdb.Task)(phase_id=...)``.
        It runs like cwdb's own statements: in the task's open
        :meth:`transaction`, with cwdb's errors, logging and :meth:`capture`.
        """
        return AsyncAppQueries(self._runner, load_query_file(path, self.dialect), self.dialect)

    @property
    def slow_query_ms(self) -> float | None:
        """A statement that takes this long or longer logs a WARNING on ``cwdb.sql``.

        Milliseconds, from ``connect_async(slow_query_ms=...)`` (default 100);
        None turns the warning off. It may be changed on an open database.
        """
        return self._runner.observer.slow_query_ms

    @slow_query_ms.setter
    def slow_query_ms(self, value: float | None) -> None:
        self._runner.observer.slow_query_ms = value

    def capture(self) -> AbstractContextManager[list[Captured]]:
        """Collect the statements this database runs for the calling task inside the block.

        A plain ``with`` inside a coroutine (no ``await``): ``with
        db.capture() as found: await db.tasks.find_by_id(...)``. As
        ``Database.capture``: one ``Captured(name, duration_ms, rows)`` per
        statement, in order, transaction control included; never a
        parameter value. It sees the statements of the calling task and of
        the tasks it starts inside the block (they inherit its
        ``contextvars``), on SQLite's worker threads too; another task's
        statements are not in it.
        """
        return self._runner.capture()

    @abc.abstractmethod
    async def schema_version(self) -> str | None:
        """The id of the newest applied migration (``await db.schema_version()``)."""

    @abc.abstractmethod
    async def backup(self, dest_path: str | os.PathLike[str]) -> None:
        """Write a consistent copy of this database to the new file ``dest_path``."""

    @property
    def closed(self) -> bool:
        """Whether ``aclose()`` has run."""
        return self._runner.closed

    async def aclose(self) -> None:
        """Wait for calls in flight, close every connection; safe to repeat."""
        await self._runner.aclose()

    async def __aenter__(self) -> AsyncDatabase:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = "closed" if self._runner.closed else "open"
        return f"<cwdb.AsyncDatabase {self.path!r} ({state})>"


class Opening(AbstractAsyncContextManager[AsyncDatabase]):
    """What ``cwdb.connect_async`` returns: awaitable, and an async context manager."""

    def __init__(self, opening: Awaitable[AsyncDatabase]) -> None:
        self._opening = opening
        self._database: AsyncDatabase | None = None

    def __await__(self) -> Generator[Any, None, AsyncDatabase]:
        return self._opening.__await__()

    async def __aenter__(self) -> AsyncDatabase:
        self._database = await self._opening
        return self._database

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._database is not None:
            await self._database.aclose()
