"""The kinds of database cwdb runs on: one :class:`Dialect` object each.

A dialect knows, without importing its driver:

* its SQL folder (``sql/`` or ``sql/postgresql/``), its migrations folder and
  its placeholder style;
* how values are stored (:class:`Storage`: timestamps, the integer range of
  its integer columns), so the codec refuses a bad value before the write;
* how a target names a database for messages (a path, or a URL without its
  password);
* and, importing its driver only when asked, how to open and migrate a
  database, and its operator ends (status, review, copy, backup).

:func:`dialect_for` is the one place where a target (a path, ``":memory:"``
or a URL) is mapped to its dialect; code asks the dialect, never "is this a
PostgreSQL URL?". The driver halves are imported lazily, so SQLite users need
no psycopg and ``import cwdb`` stays quick.
"""

from __future__ import annotations

import abc
import contextlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final, TextIO

import attrs

from cwdb._redact import redact
from cwdb.errors import Error, ValidationError
from cwdb.records._codec import SQLITE_STORAGE, Storage, datetime_from_time

if TYPE_CHECKING:
    from cwdb.adapters.aio.database import AsyncDatabase
    from cwdb.adapters.database import Database
    from cwdb.adapters.sqlfiles import Query, QueryFile
    from cwdb.ops.backup import BackedUp
    from cwdb.ops.copy import Destination, Source
    from cwdb.ops.migrate import Migrated
    from cwdb.ops.status import Status

Clock = Callable[[], datetime]

__all__ = ["POSTGRESQL", "SQLITE", "Dialect", "Storage", "Target", "dialect_for"]


@attrs.frozen
class Target:
    """What the caller gave, made into what the driver opens."""

    dialect: Dialect
    #: The path (absolute, or ``":memory:"``) or the libpq URL.
    location: str

    @property
    def shown(self) -> str:
        """The target as messages name it: a path, or the URL without its password."""
        return self.dialect.shown(self.location)


class Dialect(abc.ABC):
    """One kind of database (see the module doc)."""

    #: ``sqlite`` or ``postgresql``: also OpenTelemetry's ``db.system.name``.
    name: ClassVar[str]
    #: The folder of its SQL files under ``sql/`` (and of its migrations).
    folder: ClassVar[str]
    #: How its SQL files name parameters: ``:name`` or psycopg's ``%(name)s``.
    placeholder: ClassVar[re.Pattern[str]]
    storage: ClassVar[Storage]

    def __repr__(self) -> str:
        return f"<cwdb dialect {self.name}>"

    def query_file(self, name: str) -> QueryFile:
        """Its named SQL file: ``"tasks"`` is ``sql/[postgresql/]tasks.sql``."""
        from cwdb.adapters.sqlfiles import query_file

        return query_file(name, self.name)

    def statement_text(self, query: Query) -> str:
        """The text sent to run ``query``, made once when it is bound: its SQL as written."""
        return query.sql

    @abc.abstractmethod
    def shown(self, location: str) -> str:
        """A location as messages and reprs name it."""

    @abc.abstractmethod
    def connect(
        self,
        location: str,
        *,
        migrate: bool,
        busy_timeout_ms: int,
        clock: Clock | None,
        **options: Any,
    ) -> Database:
        """Open the database at ``location`` (see ``cwdb.connect``)."""

    @abc.abstractmethod
    async def connect_async(
        self,
        location: str,
        *,
        migrate: bool,
        busy_timeout_ms: int,
        clock: Clock | None,
        **options: Any,
    ) -> AsyncDatabase:
        """Open the database at ``location`` for asyncio (see ``cwdb.connect_async``)."""

    @abc.abstractmethod
    def ensure_schema(self, location: str) -> list[str]:
        """Apply the pending migrations at ``location``; their ids."""

    # -- operator ends ------------------------------------------------------------
    # The commands of ``python -m cwdb`` (cwdb/cli.py), each in its ops module
    # (cwdb/ops/sqlite/, cwdb/ops/postgresql/), imported only when it runs.

    @abc.abstractmethod
    def status(self, location: str) -> Status:
        """``status``: migrations, rows per table and sizes, read without writing."""

    @abc.abstractmethod
    def migrate(self, location: str) -> Migrated:
        """``migrate``: apply the pending migrations; what was done."""

    @abc.abstractmethod
    def review(self, location: str | None, out: TextIO, *, queries: str | None = None) -> int:
        """``review``: every query with its plan on ``out``; 0 passed, 1 failed.

        ``location`` None plans on production-like statistics (SQLite only).
        ``queries`` also reviews an application's own file or folder of them.
        """

    def own_queries(self, queries: str | None) -> list[QueryFile]:
        """An application's own queries to review too (``--queries``), for this dialect."""
        if queries is None:
            return []
        from cwdb.adapters.own_queries import load_query_file

        return [load_query_file(queries, self)]

    @abc.abstractmethod
    def backup(self, location: str, dest: str) -> BackedUp:
        """``backup``: a consistent copy of the database at ``location`` to ``dest``."""

    @abc.abstractmethod
    def copy_source(self, location: str) -> AbstractContextManager[Source]:
        """``copy``: the database at ``location``, read in one snapshot."""

    @abc.abstractmethod
    def copy_destination(self, location: str) -> AbstractContextManager[Destination]:
        """``copy``: the empty database at ``location``, filled in one transaction."""

    def same_location(self, first: str, second: str) -> bool:
        """Whether two locations of this dialect name one database."""
        return first == second

    # -- end of the operator ends ---------------------------------------------------


#: The placeholder of the files of ``sql/``.
_NAMED: Final = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")
#: psycopg's placeholders, in the files of ``sql/postgresql/``.
_PYFORMAT: Final = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)s")


class SqliteDialect(Dialect):
    """SQLite through APSW: one file, or ``":memory:"``."""

    name = "sqlite"
    folder = ""
    placeholder = _NAMED
    # INTEGER is 64-bit; timestamps are integer milliseconds since 1970.
    storage = SQLITE_STORAGE

    def shown(self, location: str) -> str:
        return location

    def connect(
        self,
        location: str,
        *,
        migrate: bool,
        busy_timeout_ms: int,
        clock: Clock | None,
        **options: Any,
    ) -> Database:
        from cwdb.adapters.apsw import database

        readonly = options.pop("readonly", False)
        _no_options(self, options)
        return database.connect(
            location,
            migrate=migrate,
            busy_timeout_ms=busy_timeout_ms,
            clock=clock,
            readonly=readonly,
        )

    async def connect_async(
        self,
        location: str,
        *,
        migrate: bool,
        busy_timeout_ms: int,
        clock: Clock | None,
        **options: Any,
    ) -> AsyncDatabase:
        from cwdb.adapters.apsw import async_database

        workers = options.pop("workers", async_database.DEFAULT_WORKERS)
        readonly = options.pop("readonly", False)
        _no_options(self, options)
        return await async_database.connect(
            location,
            migrate=migrate,
            busy_timeout_ms=busy_timeout_ms,
            clock=clock,
            workers=workers,
            readonly=readonly,
        )

    def ensure_schema(self, location: str) -> list[str]:
        from cwdb.adapters.apsw import database

        return database.ensure_schema(location)

    # -- operator ends ------------------------------------------------------------

    def status(self, location: str) -> Status:
        from cwdb.ops.sqlite import status

        return status.read_status(location)

    def migrate(self, location: str) -> Migrated:
        from cwdb.ops.sqlite import migrate

        return migrate.migrate(location)

    def review(self, location: str | None, out: TextIO, *, queries: str | None = None) -> int:
        from cwdb.ops.sqlite import review

        return review.review(location, out, extra=self.own_queries(queries))

    def backup(self, location: str, dest: str) -> BackedUp:
        from cwdb.ops.sqlite import backup

        written = dialect_for(dest)
        if written.dialect is not self:
            raise Error(
                f"backup writes a new SQLite file, not {written.shown!r}: to fill a "
                f"{written.dialect.name} database, use `python -m cwdb copy SRC DEST`"
            )
        return backup.backup(location, written.location)

    def copy_source(self, location: str) -> AbstractContextManager[Source]:
        from cwdb.ops.sqlite import copy

        return copy.open_source(location)

    def copy_destination(self, location: str) -> AbstractContextManager[Destination]:
        from cwdb.ops.sqlite import copy

        return copy.open_destination(location)

    def same_location(self, first: str, second: str) -> bool:
        try:
            return os.path.samefile(first, second)
        except OSError:
            return os.path.abspath(first) == os.path.abspath(second)

    # -- end of the operator ends ---------------------------------------------------


class PostgresqlDialect(Dialect):
    """PostgreSQL through psycopg 3 (the ``postgresql`` extra)."""

    name = "postgresql"
    folder = "postgresql"
    placeholder = _PYFORMAT
    # The integer columns are 32-bit ``integer``; timestamps are ``timestamptz(3)``.
    storage = Storage(datetime_from_time, -(2**31), 2**31 - 1, 32)

    def shown(self, location: str) -> str:
        return redact(location)

    def statement_text(self, query: Query) -> str:
        """The query's SQL after a comment naming it: ``/* cwdb:tasks.update */ UPDATE ...``.

        The server keeps a statement's text whole, so the name shows in
        ``pg_stat_activity.query``, in ``pg_stat_statements`` (the text of a
        normalised statement is the first one seen, comment included) and in
        the server log (the sqlcommenter convention, with the name only: no
        value is ever put in it). Made once per statement, when an adapter
        binds it (``statements.Queries``): a call sends the prefixed text and
        does nothing more.
        """
        return f"/* cwdb:{query.qualified_name} */ {query.sql}"

    def connect(
        self,
        location: str,
        *,
        migrate: bool,
        busy_timeout_ms: int,
        clock: Clock | None,
        **options: Any,
    ) -> Database:
        self._refuse_readonly(location, options)
        with self._needs_psycopg(location):
            from cwdb.adapters.psycopg import database
        return database.connect(
            location, migrate=migrate, busy_timeout_ms=busy_timeout_ms, clock=clock, **options
        )

    async def connect_async(
        self,
        location: str,
        *,
        migrate: bool,
        busy_timeout_ms: int,
        clock: Clock | None,
        **options: Any,
    ) -> AsyncDatabase:
        self._refuse_readonly(location, options)
        with self._needs_psycopg(location):
            from cwdb.adapters.psycopg import async_database
        return await async_database.connect(
            location, migrate=migrate, busy_timeout_ms=busy_timeout_ms, clock=clock, **options
        )

    def ensure_schema(self, location: str) -> list[str]:
        with self._needs_psycopg(location):
            from cwdb.adapters.psycopg import database
        return database.ensure_schema(location)

    # -- operator ends ------------------------------------------------------------

    def status(self, location: str) -> Status:
        with self._needs_psycopg(location):
            from cwdb.ops.postgresql import status
        return status.read_status(location)

    def migrate(self, location: str) -> Migrated:
        with self._needs_psycopg(location):
            from cwdb.ops.postgresql import migrate
        return migrate.migrate(location)

    def review(self, location: str | None, out: TextIO, *, queries: str | None = None) -> int:
        if location is None:
            raise ValidationError("review: a PostgreSQL review plans on a database; give its URL")
        own = self.own_queries(queries)
        with self._needs_psycopg(location):
            from cwdb.ops.postgresql import review
        return review.run(location, out, extra=own)

    def backup(self, location: str, dest: str) -> BackedUp:
        raise Error(
            "backup copies an SQLite file; back up a PostgreSQL database with the "
            "server's own tool, e.g. pg_dump --format=custom --file=cw.dump "
            f"{self.shown(location)}"
        )

    def copy_source(self, location: str) -> AbstractContextManager[Source]:
        with self._needs_psycopg(location):
            from cwdb.ops.postgresql import copy
        return copy.open_source(location)

    def copy_destination(self, location: str) -> AbstractContextManager[Destination]:
        with self._needs_psycopg(location):
            from cwdb.ops.postgresql import copy
        return copy.open_destination(location)

    # -- end of the operator ends ---------------------------------------------------

    def _refuse_readonly(self, location: str, options: dict[str, Any]) -> None:
        """``readonly`` is SQLite's: on PostgreSQL the role decides, and says what to do.

        A read-only session would be session state (``SET
        default_transaction_read_only``), which PgBouncer's transaction
        pooling would hand to other clients; the server's own way is a role.
        """
        if options.pop("readonly", False):
            raise ValidationError(
                f"readonly: cwdb opens {self.shown(location)!r} as the role in its URL; "
                "for read-only access connect as a role granted only SELECT (or one with "
                "ALTER ROLE ... SET default_transaction_read_only = on)"
            )

    @contextlib.contextmanager
    def _needs_psycopg(self, location: str) -> Iterator[None]:
        """Importing the driver half; without psycopg, a cwdb.Error saying how to install it."""
        try:
            yield
        except ImportError as error:
            raise Error(
                f"cannot open {self.shown(location)!r}: PostgreSQL needs psycopg "
                "(pip install 'cwdb[postgresql]')"
            ) from error


def _no_options(dialect: Dialect, options: dict[str, Any]) -> None:
    if options:
        names = ", ".join(sorted(options))
        raise ValidationError(f"{names}: not an option of {dialect.name} databases")


SQLITE: Final = SqliteDialect()
POSTGRESQL: Final = PostgresqlDialect()

#: A URL scheme: letters, then ``://`` (a Windows drive letter has no ``//``).
_SCHEME: Final = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
#: What each accepted scheme means; yoyo's forms name the same databases.
_POSTGRESQL_SCHEMES: Final = ("postgresql", "postgres", "postgresql+psycopg", "postgres+psycopg")
_SQLITE_SCHEMES: Final = ("sqlite", "apsw")


def dialect_for(target: str | os.PathLike[str]) -> Target:
    """The dialect of a target, and the location its driver opens (the one place).

    * ``postgresql://`` and ``postgres://`` URLs (libpq's), and yoyo's
      ``postgresql+psycopg://`` form, are PostgreSQL;
    * ``sqlite:///path`` and ``apsw:///path`` (yoyo's forms: three slashes
      and a relative path, four for an absolute one) name an SQLite file;
    * any other ``scheme://`` is an unsupported URL scheme (``cwdb.Error``),
      and so is an SQLite URI filename (``file:...``);
    * everything else is a path (``str`` or ``os.PathLike``), or ``":memory:"``.
    """
    if not isinstance(target, str):
        if isinstance(target, os.PathLike):
            return Target(SQLITE, _path(os.fspath(target)))
        raise ValidationError(
            f"target: expected a path or a database URL, got {type(target).__name__}"
        )
    found = _SCHEME.match(target)
    if found is not None:
        scheme = found["scheme"].lower()
        rest = target[found.end() :]
        if scheme in _POSTGRESQL_SCHEMES:
            return Target(POSTGRESQL, f"postgresql://{rest}")
        if scheme in _SQLITE_SCHEMES:
            return Target(SQLITE, _sqlite_url_path(target, rest))
        raise Error(
            f"unsupported URL scheme {scheme!r} in {redact(target)!r}: cwdb opens an SQLite "
            "path (or sqlite:///path), or a postgresql:// URL"
        )
    if target.startswith("file:"):
        raise Error(
            f"{target!r}: SQLite URI filenames are not supported; give the path itself "
            "(cwdb opens files with its own settings), and readonly=True to open it "
            "read-only"
        )
    return Target(SQLITE, _path(target))


def _path(path: str) -> str:
    """A path as given (messages name it so); ``":memory:"`` stays itself."""
    return path


def _sqlite_url_path(target: str, rest: str) -> str:
    """yoyo's ``sqlite:///relative`` / ``sqlite:////absolute`` form, as a path."""
    if not rest.startswith("/") or len(rest) < 2:
        raise Error(
            f"{target!r}: an SQLite URL has three slashes and a path "
            "(sqlite:///cw.db, or sqlite:////abs/path/cw.db)"
        )
    path = rest[1:].split("?", 1)[0]
    return _path(path)
