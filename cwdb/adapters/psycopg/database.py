"""Opening PostgreSQL: ``connect(url)`` migrates and builds a :class:`PostgresqlDatabase`.

The repositories are the shared ones (``cwdb.adapters.database``) over a
psycopg :class:`Runner` and the files of ``sql/postgresql/``. ``ensure_schema``
opens one connection whose ``lock_timeout`` is the migrator's whole wait
(another migrator holds the advisory lock while it applies a migration),
applies what is pending and closes it.
"""

from __future__ import annotations

import os

import psycopg

from cwdb._redact import redact
from cwdb.adapters.database import Clock, Database, check_busy_timeout
from cwdb.adapters.migration_files import WAIT_SECONDS
from cwdb.adapters.psycopg.connection import NO_PREPARED, open_connection
from cwdb.adapters.psycopg.migrator import Migrator
from cwdb.adapters.psycopg.pool import Pool
from cwdb.adapters.psycopg.runner import PsycopgRunner
from cwdb.adapters.psycopg.translate import translate
from cwdb.dialects import POSTGRESQL
from cwdb.errors import Error, MigrationError, ValidationError


class PostgresqlDatabase(Database):
    """A cwdb database on a PostgreSQL server, through psycopg."""

    _runner: PsycopgRunner

    def __init__(self, runner: PsycopgRunner, url: str, clock: Clock | None) -> None:
        super().__init__(runner, redact(url), dialect=POSTGRESQL, clock=clock)

    @property
    def schema_version(self) -> str | None:
        """The id of the newest applied migration."""
        with self._runner.held_connection() as connection:
            try:
                return Migrator(connection).schema_version()
            except psycopg.Error as error:
                raise translate(error, context="cannot read the schema version") from error

    def backup(self, dest_path: str | os.PathLike[str]) -> None:
        """Not on PostgreSQL: a server's database is copied by ``pg_dump`` or ``cwdb copy``."""
        raise Error(
            f"backup() copies SQLite files; to copy {self.path!r} use pg_dump "
            "(pg_dump --format=custom), or `python -m cwdb copy SRC DEST` into a new database"
        )


#: How many server connections a ``Database`` opens at most, unless told.
DEFAULT_MAX_CONNECTIONS = 10


def connect(
    url: str,
    *,
    migrate: bool = True,
    busy_timeout_ms: int = 5000,
    clock: Clock | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    prepare_threshold: int | None = NO_PREPARED,
) -> PostgresqlDatabase:
    """Open the cwdb database at a PostgreSQL URL (see ``cwdb.connect``).

    ``max_connections`` bounds the pool shared by the ``Database``'s threads
    and blocks. ``prepare_threshold`` is psycopg's: after how many runs on
    one connection a statement is prepared on the server; None (the
    default) never prepares, which every PgBouncer allows in transaction
    mode; 1.21 and later can keep prepared statements there
    (``max_prepared_statements``), and so does a direct connection.
    """
    check_options(busy_timeout_ms, max_connections, prepare_threshold)
    shown = redact(url)
    if migrate:
        ensure_schema(url)

    # The first connection is opened here, so that a URL that cannot be
    # opened is an error now, naming it (the pool would only retry quietly);
    # it is then the pool's first.
    first = open_connection(
        url, busy_timeout_ms=busy_timeout_ms, prepare_threshold=prepare_threshold
    )
    opened = [first]

    def connection() -> psycopg.Connection[tuple[object, ...]]:
        if opened:
            return opened.pop()
        return open_connection(
            url, busy_timeout_ms=busy_timeout_ms, prepare_threshold=prepare_threshold
        )

    try:
        if not migrate:
            _check_current(first, shown)
    except BaseException:
        first.close()
        raise
    pool = Pool(connection, size=max_connections, busy_timeout_ms=busy_timeout_ms, database=shown)
    runner = PsycopgRunner(pool, busy_timeout_ms=busy_timeout_ms, database=shown)
    return PostgresqlDatabase(runner, url, clock)


def check_options(
    busy_timeout_ms: object, max_connections: object, prepare_threshold: object
) -> None:
    """The options ``connect`` and ``connect_async`` take on PostgreSQL, checked alike."""
    check_busy_timeout(busy_timeout_ms)
    _check_whole("max_connections", max_connections, minimum=1)
    if prepare_threshold is not None:
        _check_whole("prepare_threshold", prepare_threshold, minimum=0)


def _check_whole(name: str, value: object, *, minimum: int) -> None:
    if type(value) is not int or value < minimum:
        raise ValidationError(f"{name}: expected a whole number, {minimum} or more, got {value!r}")


def _check_current(connection: psycopg.Connection[tuple[object, ...]], shown: str) -> None:
    migrator = Migrator(connection)
    try:
        migrator.check_not_ahead()
        pending = migrator.pending()
    except psycopg.Error as error:
        context = f"cannot read the migrations of {shown!r}"
        raise translate(error, context=context, failure=MigrationError) from error
    if pending:
        missing = ", ".join(m.id for m in pending)
        raise MigrationError(f"{shown!r} is behind; missing migrations: {missing}")


def ensure_schema(url: str) -> list[str]:
    """Apply the pending PostgreSQL migrations to the database at ``url``; their ids."""
    connection = open_connection(
        url, busy_timeout_ms=int(WAIT_SECONDS * 1000), no_statement_timeout=True
    )
    try:
        return Migrator(connection).apply_pending()
    except MigrationError:
        raise
    except Error as error:
        raise MigrationError(f"cannot migrate {redact(url)!r}: {error}") from error
    except psycopg.Error as error:
        # The bookkeeping's own statements (the lock, yoyo's tables): a lost
        # connection or a timeout there is a MigrationError too, never psycopg's.
        context = f"cannot migrate {redact(url)!r}"
        raise translate(error, context=context, failure=MigrationError) from error
    finally:
        connection.close()
