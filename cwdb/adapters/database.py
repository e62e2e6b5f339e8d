"""The ``Database`` both dialects share: 14 repositories over one runner.

A :class:`Database` owns a runner (its per-thread connections) and one
adapter per repository; the SQL files are parsed once per process and each
adapter asks for its statements by name when it is built, so a missing query
fails at ``connect()``, not at the first call. The adapters are imported,
and documented from their ports, by the first ``Database`` of the process
(:func:`adapters`), so ``import cwdb`` does not pay for them. The dialects'
subclasses (``apsw/database.py``, ``psycopg/database.py``) add what differs:
how the schema version is read and what ``backup`` does.
"""

from __future__ import annotations

import abc
import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, ParamSpec, Protocol, TypeVar

from cwdb.adapters.observe import Captured, Observer
from cwdb.adapters.own_queries import AppQueries, load_query_file
from cwdb.adapters.runner import Runner, Values
from cwdb.adapters.statements import Queries
from cwdb.errors import ValidationError
from cwdb.ports import (
    AccountRepository,
    AgentRepository,
    ChatSessionRepository,
    ConversationRepository,
    ErrandRepository,
    InitiativeRepository,
    LogChunkRepository,
    MessageRepository,
    PageRepository,
    PhaseRepository,
    ProjectRepository,
    ProposalRepository,
    ReviewCommentRepository,
    TaskRepository,
)

if TYPE_CHECKING:
    from cwdb.dialects import Dialect

Clock = Callable[[], datetime]
P = ParamSpec("P")
R = TypeVar("R")


class OwnRunner(Runner, Protocol):
    """A runner as its ``Database`` sees it: it can also be closed, and observed."""

    closed: bool
    observer: Observer

    def close(self) -> None: ...


#: Each repository: its attribute (and SQL file), its adapter, and the port whose
#: documentation and signatures the adapter shows; built by :func:`adapters`.
Adapters = tuple[tuple[str, type, type], ...]
_adapters: Adapters | None = None
_building = threading.Lock()


def adapters() -> Adapters:
    """The repositories a ``Database`` is built from, made and documented once per process.

    Done by the first :class:`Database`, not when ``cwdb`` is imported: the
    adapter modules (twenty of them) and documenting their methods with
    their ports' docstrings, signatures and generated id checks were a
    fifth of ``import cwdb``, which a program that imports cwdb for its
    records, errors or enums, or only to parse its command line, should not
    pay.
    """
    global _adapters  # noqa: PLW0603 -- built once per process, under the lock
    if _adapters is None:
        with _building:
            if _adapters is None:
                _adapters = _build_adapters()
    return _adapters


def _build_adapters() -> Adapters:
    from cwdb.adapters.repositories.accounts import SqlAccountRepository
    from cwdb.adapters.repositories.agents import SqlAgentRepository
    from cwdb.adapters.repositories.chat_sessions import SqlChatSessionRepository
    from cwdb.adapters.repositories.conversations import SqlConversationRepository
    from cwdb.adapters.repositories.documented import document_from_port
    from cwdb.adapters.repositories.errands import SqlErrandRepository
    from cwdb.adapters.repositories.initiatives import SqlInitiativeRepository
    from cwdb.adapters.repositories.log_chunks import SqlLogChunkRepository
    from cwdb.adapters.repositories.messages import SqlMessageRepository
    from cwdb.adapters.repositories.pages import SqlPageRepository
    from cwdb.adapters.repositories.phases import SqlPhaseRepository
    from cwdb.adapters.repositories.projects import SqlProjectRepository
    from cwdb.adapters.repositories.proposals import SqlProposalRepository
    from cwdb.adapters.repositories.review_comments import SqlReviewCommentRepository
    from cwdb.adapters.repositories.tasks import SqlTaskRepository

    built: Adapters = (
        ("initiatives", SqlInitiativeRepository, InitiativeRepository),
        ("phases", SqlPhaseRepository, PhaseRepository),
        ("tasks", SqlTaskRepository, TaskRepository),
        ("agents", SqlAgentRepository, AgentRepository),
        ("messages", SqlMessageRepository, MessageRepository),
        ("pages", SqlPageRepository, PageRepository),
        ("projects", SqlProjectRepository, ProjectRepository),
        ("accounts", SqlAccountRepository, AccountRepository),
        ("proposals", SqlProposalRepository, ProposalRepository),
        ("log_chunks", SqlLogChunkRepository, LogChunkRepository),
        ("conversations", SqlConversationRepository, ConversationRepository),
        ("chat_sessions", SqlChatSessionRepository, ChatSessionRepository),
        ("review_comments", SqlReviewCommentRepository, ReviewCommentRepository),
        ("errands", SqlErrandRepository, ErrandRepository),
    )
    for _, adapter, port in built:
        document_from_port(adapter, port)
    return built


class Database(abc.ABC):
    """An open cwdb database: one attribute per repository (docs/reference.md §1, §4)."""

    initiatives: InitiativeRepository
    phases: PhaseRepository
    tasks: TaskRepository
    agents: AgentRepository
    messages: MessageRepository
    pages: PageRepository
    projects: ProjectRepository
    accounts: AccountRepository
    proposals: ProposalRepository
    log_chunks: LogChunkRepository
    conversations: ConversationRepository
    chat_sessions: ChatSessionRepository
    review_comments: ReviewCommentRepository
    errands: ErrandRepository

    def __init__(
        self, runner: OwnRunner, path: str, *, dialect: Dialect, clock: Clock | None
    ) -> None:
        self._runner = runner
        #: The SQLite path, or the PostgreSQL URL without its password.
        self.path = path
        #: The kind of database (``cwdb.dialects``).
        self.dialect = dialect
        built = adapters()
        runner.observer.configure(dialect.name, path)
        values = Values(dialect.storage, dialect.storage.now(clock))

        def queries(name: str) -> Queries:
            return Queries(dialect.query_file(name), dialect.statement_text)

        for name, adapter, _ in built:
            setattr(self, name, adapter(runner, queries(name), values))

    def load_queries(self, path: str | os.PathLike[str]) -> AppQueries:
        """The application's own named queries of ``path``, run on this database (§12).

        ``path`` is a named-SQL file (``ready_tasks.sql``; on PostgreSQL its
        twin ``postgresql/ready_tasks.sql`` when there is one) or a folder of
        them. Bind a query for the way it runs, then call it with its
        parameters: ``db.load_queries(p).many("ready_tasks", cwdb.Task)
        (phase_id=...)``. It runs like cwdb's own statements: in an open
        :meth:`transaction`, with cwdb's errors, logging and :meth:`capture`.
        A missing file or query, a malformed file or a suffix that does not
        allow the binding is a ``cwdb.Error`` naming it.
        """
        return AppQueries(self._runner, load_query_file(path, self.dialect), self.dialect)

    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside commits together or not at all (docs/reference.md §1).

        The outermost level takes the write lock at once on SQLite (``BEGIN
        IMMEDIATE``); on PostgreSQL it is serializable, with no lock of its
        own: a block that conflicts with a concurrent one fails whole with
        ``SerializationError`` (see :meth:`run_transaction`). Nested levels
        are savepoints. An exception rolls back its own level and
        propagates. A block belongs to the thread that opened it, or to the
        asyncio task when opened in a coroutine: a call from another
        coroutine of the same thread while it is open raises ``cwdb.Error``
        and writes nothing.
        """
        return self._runner.transaction()

    def run_transaction(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """``fn(*args, **kwargs)`` inside :meth:`transaction`, replayed after a conflict.

        Where the database refuses a block because a concurrent one conflicts
        with it (PostgreSQL's ``SerializationError``, a deadlock), the block
        is rolled back and ``fn`` runs again after a short random pause, until
        ``busy_timeout_ms`` is spent; then ``BusyError``. On SQLite blocks
        never conflict (each holds the write lock), so ``fn`` runs once.
        ``fn`` must do nothing but database work that may be repeated. Inside
        an open block it runs once, as a nested level: the outermost
        ``run_transaction`` replays the whole block.
        """
        return self._runner.replay(lambda: fn(*args, **kwargs))

    @property
    @abc.abstractmethod
    def schema_version(self) -> str | None:
        """The id of the newest applied migration."""

    @abc.abstractmethod
    def backup(self, dest_path: str | os.PathLike[str]) -> None:
        """Write a consistent copy of this database to the new file ``dest_path``."""

    @property
    def slow_query_ms(self) -> float | None:
        """A statement that takes this long or longer logs a WARNING on ``cwdb.sql``.

        Milliseconds, from ``connect(slow_query_ms=...)`` (default 100); None
        turns the warning off. It may be changed on an open database.
        """
        return self._runner.observer.slow_query_ms

    @slow_query_ms.setter
    def slow_query_ms(self, value: float | None) -> None:
        self._runner.observer.slow_query_ms = value

    def capture(self) -> AbstractContextManager[list[Captured]]:
        """Collect the statements this database runs inside the block (docs/reference.md §9).

        The block gives a list that fills as statements run: one
        :class:`~cwdb.adapters.observe.Captured` ``(name, duration_ms, rows)``
        per statement, in order, transaction control included (``BEGIN
        IMMEDIATE``, ``COMMIT``, named by its text). ``rows`` is what the
        statement returned, or for a write that returns none the rows it
        changed; None when it failed. Only this database's statements, and
        only those run in the block's context: the calling thread, or the
        asyncio task, and the tasks and ``asyncio.to_thread`` calls it starts
        inside the block (they inherit its ``contextvars``); another thread's
        statements are not in it. Blocks nest; each collects everything run
        inside it. Never a parameter value.
        """
        return self._runner.observer.capture(self._runner)

    def close(self) -> None:
        """Wait for calls in flight, close every connection; safe to repeat."""
        self._runner.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._runner.closed else "open"
        return f"<cwdb.Database {self.path!r} ({state})>"


def check_busy_timeout(busy_timeout_ms: object) -> None:
    """The busy timeout is a whole number of milliseconds, 0 or more."""
    if type(busy_timeout_ms) is not int or busy_timeout_ms < 0:
        raise ValidationError(
            f"busy_timeout_ms: expected a whole number of milliseconds, 0 or more, "
            f"got {busy_timeout_ms!r}"
        )
