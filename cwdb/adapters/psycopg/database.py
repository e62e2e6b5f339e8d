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
from cwdb.adapters.psycopg.connection import open_connection
from cwdb.adapters.psycopg.migrator import Migrator
from cwdb.adapters.psycopg.runner import Runner
from cwdb.adapters.psycopg.translate import translate
from cwdb.errors import Error, MigrationError


class PostgresqlDatabase(Database):
    """A cwdb database on a PostgreSQL server, through psycopg."""

    _runner: Runner

    def __init__(self, runner: Runner, url: str) -> None:
        super().__init__(runner, redact(url), dialect="postgresql")

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


def connect(
    url: str,
    *,
    migrate: bool = True,
    busy_timeout_ms: int = 5000,
    clock: Clock | None = None,
) -> PostgresqlDatabase:
    """Open the cwdb database at a PostgreSQL URL (see ``cwdb.connect``)."""
    check_busy_timeout(busy_timeout_ms)
    shown = redact(url)
    if migrate:
        ensure_schema(url)

    def connection() -> psycopg.Connection[tuple[object, ...]]:
        return open_connection(url, busy_timeout_ms=busy_timeout_ms)

    first = connection()
    runner = Runner(connection, busy_timeout_ms=busy_timeout_ms, clock=clock, database=shown)
    runner.adopt(first)
    try:
        if not migrate:
            _check_current(first, shown)
        return PostgresqlDatabase(runner, url)
    except BaseException:
        runner.close()
        raise


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
