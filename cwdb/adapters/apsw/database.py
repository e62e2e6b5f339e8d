"""Opening SQLite: ``connect()`` opens, migrates and builds a :class:`SqliteDatabase`.

The repositories are the shared ones (``cwdb.adapters.database``) over an
APSW :class:`Runner` and the files of ``sql/``; what is SQLite's own here is
opening files and ``":memory:"`` databases, the schema version read through
the APSW migrator, and the online backup.
"""

from __future__ import annotations

import functools
import os
import threading
import uuid

import apsw

from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.backup import copy_database
from cwdb.adapters.apsw.migrator import Migrator, shipped_migrations
from cwdb.adapters.apsw.runner import ApswRunner
from cwdb.adapters.apsw.translate import translate
from cwdb.adapters.database import Clock, Database, check_busy_timeout
from cwdb.dialects import SQLITE
from cwdb.errors import Error, MigrationError, ValidationError


class SqliteDatabase(Database):
    """A cwdb database in one SQLite file (or ``":memory:"``), through APSW."""

    _runner: ApswRunner

    def __init__(self, runner: ApswRunner, path: str, clock: Clock | None) -> None:
        super().__init__(runner, path, dialect=SQLITE, clock=clock)

    @property
    def schema_version(self) -> str | None:
        """The id of the newest applied migration."""
        with self._runner.held_connection() as connection:
            try:
                return Migrator(connection).schema_version()
            except apsw.Error as error:
                raise translate(error, context="cannot read the schema version") from error

    def backup(self, dest_path: str | os.PathLike[str]) -> None:
        """Write a consistent copy of this database to the new file ``dest_path``.

        SQLite's online backup, from a connection of its own (not the calling
        thread's, so a ``transaction()`` open on this thread is not copied),
        in one step: the copy is the database as of one commit, while other
        threads and processes keep writing. The file is created with mode
        0600; if it already exists, or the copy fails, ``cwdb.Error`` names
        the path (and nothing is left at ``dest_path`` that was not there
        before). Works for ``":memory:"`` databases too, but without WAL
        there: the copy waits for other threads' writes to commit (up to the
        busy timeout), and cannot be taken inside this thread's own
        ``transaction()`` (``cwdb.Error``).
        """
        dest = connections.database_path(dest_path)
        if connections.is_memory(self.path) and self._runner.in_transaction():
            raise Error(
                "cannot back up a ':memory:' database inside a transaction() of the "
                "same thread: it would wait for itself"
            )
        # The copy reads through a new connection to the same database (a memdb
        # is reachable no other way), and close() waits for it.
        with self._runner.separate_connection() as source:
            copy_database(source, dest)


def connect(
    path: str | os.PathLike[str],
    *,
    migrate: bool = True,
    busy_timeout_ms: int = 5000,
    clock: Clock | None = None,
    readonly: bool = False,
) -> SqliteDatabase:
    """Open a cwdb database, by default creating and migrating it first.

    ``path`` is a file path (``str`` or ``os.PathLike``) or ``":memory:"``
    (a fresh in-memory database with the full schema, shared by the threads
    that use the returned ``Database``). A missing file is created with mode
    0600, since the database stores credentials; an existing file readable by
    group or others is logged as a warning once it opened.

    ``migrate`` True applies the pending migrations first (as
    :func:`ensure_schema`); False opens without creating or migrating
    anything, and a missing or behind database is a ``MigrationError``
    listing every missing migration. ``busy_timeout_ms`` is how long a write
    waits for another writer's lock before ``BusyError`` (a whole number of
    milliseconds, 0 or more). ``clock`` is a callable returning an aware
    ``datetime``: every timestamp the library writes, and every "now" it
    compares against, comes from it (default: the system clock, in UTC).

    ``readonly`` True opens an existing file for reading only, as
    ``migrate=False`` does (never created, never migrated: a missing or
    behind file is a ``MigrationError``); reads work, and every write, a
    ``transaction()`` block included, is a ``cwdb.Error`` saying the database
    is read-only, with the file unchanged. Not for ``":memory:"``.

    A path that cannot be opened (a directory, a missing folder, a file that
    is not a database) is a ``cwdb.Error`` naming it. The full reference is
    ``docs/reference.md`` in the repository, section 1.
    """
    where = connections.database_path(path)
    check_busy_timeout(busy_timeout_ms)
    if connections.is_memory(where):
        if readonly:
            raise ValidationError(
                "readonly: a ':memory:' database starts empty; open a file read-only"
            )
        runner = _memory_runner(busy_timeout_ms, migrate=migrate)
    elif readonly:
        runner = _read_only_runner(where, busy_timeout_ms)
    else:
        runner = _file_runner(where, busy_timeout_ms, migrate=migrate)
    try:
        return SqliteDatabase(runner, where, clock)
    except BaseException:
        runner.close()
        raise


def ensure_schema(path: str | os.PathLike[str]) -> list[str]:
    """Apply the pending migrations to the database file ``path``; their ids.

    Creates a missing file (mode 0600). Each migration commits together with
    its record in yoyo's tables, so ``yoyo list`` and ``yoyo rollback`` see
    it; a failed migration leaves the database as it was (``MigrationError``).
    Idempotent (an empty list when up to date) and safe when several
    processes call it at once. ``":memory:"`` is a ``ValueError``:
    ``connect(":memory:")`` migrates itself.
    """
    where = connections.database_path(path)
    if connections.is_memory(where):
        raise ValueError("ensure_schema needs a file path; connect(':memory:') migrates itself")
    connection = connections.open_file(where, busy_timeout_ms=5000, create=True)
    try:
        return _migrate(connection, where)
    finally:
        connections.close(connection)


def _migrate(connection: apsw.Connection, where: str) -> list[str]:
    try:
        return Migrator(connection).apply_pending()
    except apsw.Error as error:
        context = f"cannot migrate {where!r}"
        raise translate(error, context=context, failure=MigrationError) from error


def _file_runner(where: str, busy_timeout_ms: int, *, migrate: bool) -> ApswRunner:
    if migrate:
        first = connections.open_file(where, busy_timeout_ms=busy_timeout_ms, create=True)
        try:
            _migrate(first, where)
        except BaseException:
            connections.close_after_failure(first)
            raise
    else:
        first = _open_existing(where, busy_timeout_ms)

    def open_connection() -> apsw.Connection:
        return connections.open_file(
            where, busy_timeout_ms=busy_timeout_ms, create=False, warn=False
        )

    runner = ApswRunner(open_connection, busy_timeout_ms=busy_timeout_ms, database=where)
    runner.adopt(runner.session_of(first))
    return runner


def _read_only_runner(where: str, busy_timeout_ms: int) -> ApswRunner:
    """Connections that SQLite opens for reading only, to a current database."""
    first = _open_existing(where, busy_timeout_ms, readonly=True)

    def open_connection() -> apsw.Connection:
        return connections.open_file(
            where, busy_timeout_ms=busy_timeout_ms, create=False, warn=False, readonly=True
        )

    runner = ApswRunner(open_connection, busy_timeout_ms=busy_timeout_ms, database=where)
    runner.adopt(runner.session_of(first))
    return runner


def _open_existing(where: str, busy_timeout_ms: int, *, readonly: bool = False) -> apsw.Connection:
    """Open without creating or migrating; refuse a database that is behind."""
    if not os.path.exists(where):
        missing = ", ".join(m.id for m in shipped_migrations())
        raise MigrationError(f"{where!r} does not exist; missing migrations: {missing}")
    connection = connections.open_file(
        where, busy_timeout_ms=busy_timeout_ms, create=False, readonly=readonly
    )
    try:
        _check_current(connection, where)
    except BaseException:
        connections.close_after_failure(connection)
        raise
    return connection


def _check_current(connection: apsw.Connection, where: str) -> None:
    migrator = Migrator(connection)
    try:
        migrator.check_not_ahead()
        pending = migrator.pending()
    except apsw.Error as error:
        context = f"cannot read the migrations of {where!r}"
        raise translate(error, context=context, failure=MigrationError) from error
    if pending:
        missing = ", ".join(m.id for m in pending)
        raise MigrationError(f"{where!r} is behind; missing migrations: {missing}")


# -- in-memory databases ------------------------------------------------------

_template_lock = threading.Lock()


@functools.cache
def _memory_template() -> apsw.Connection:
    """A migrated in-memory database, made once per process, to copy from.

    Callers hold ``_template_lock``: one connection may not be used by two
    threads at once.
    """
    connection = connections.open_memdb(f"cwdb-template-{uuid.uuid4().hex}", busy_timeout_ms=5000)
    Migrator(connection).apply_pending()
    return connection


def _memory_runner(busy_timeout_ms: int, *, migrate: bool) -> ApswRunner:
    """One ``memdb`` database shared by the threads of this ``Database``.

    Copying the migrated template with SQLite's backup API takes well under a
    millisecond, so a fresh schema is cheap enough for one database per test.
    """
    name = f"cwdb-{uuid.uuid4().hex}"
    first = connections.open_memdb(name, busy_timeout_ms=busy_timeout_ms)
    if migrate:
        with _template_lock:
            template = _memory_template()
            with first.backup("main", template, "main") as backup:
                backup.step()
    else:
        try:
            _check_current(first, ":memory:")
        except BaseException:
            connections.close_after_failure(first)
            raise

    def open_connection() -> apsw.Connection:
        return connections.open_memdb(name, busy_timeout_ms=busy_timeout_ms)

    runner = ApswRunner(open_connection, busy_timeout_ms=busy_timeout_ms, database=":memory:")
    runner.adopt(runner.session_of(first))
    return runner
