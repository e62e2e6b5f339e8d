"""Applying ``migrations/postgresql/`` through psycopg, one transaction each.

PostgreSQL's DDL is transactional, so each pending migration runs in one
transaction together with its rows in yoyo's bookkeeping tables: a failure
leaves the database as it was. Migrators on any number of machines take one
transaction-level advisory lock first (``sql/postgresql/_migrations.sql``:
``take_migration_lock``), so each migration is applied once; one that finds
its migration applied meanwhile does nothing. A ``yoyo_lock`` row (the
``yoyo`` command line, perhaps on another machine) is waited for; cwdb cannot
tell whether a process on another host is alive, so a row that outlives the
wait is reported, never cleared.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Final

import psycopg

from cwdb._resources import resource_dir
from cwdb.adapters.migration_files import (
    Migration,
    MigrationLedger,
    read_migrations,
)
from cwdb.adapters.psycopg.translate import translate
from cwdb.adapters.sqlfiles import QueryFile, query_file
from cwdb.errors import MigrationError

#: How long a migrator waits for another one (or for yoyo) before giving up.
WAIT_SECONDS: Final = 600.0


@functools.cache
def shipped_migrations() -> tuple[Migration, ...]:
    """The PostgreSQL migrations this version of cwdb ships."""
    return read_migrations(resource_dir("migrations") / "postgresql")


@functools.cache
def bookkeeping() -> QueryFile:
    """``sql/postgresql/_migrations.sql``."""
    return query_file("_migrations", "postgresql")


class Migrator(MigrationLedger):
    """Applies and inspects migrations on one autocommit psycopg connection."""

    def __init__(
        self,
        connection: psycopg.Connection[Any],
        migrations: Sequence[Migration] | None = None,
        *,
        wait_seconds: float = WAIT_SECONDS,
    ) -> None:
        self._connection = connection
        self._migrations = tuple(migrations if migrations is not None else shipped_migrations())
        self._wait_seconds = wait_seconds
        self._sql = bookkeeping()

    def _run(self, name: str, params: dict[str, object] | None = None) -> list[Any]:
        cursor = self._connection.execute(self._sql[name].sql, params)
        return cursor.fetchall() if cursor.description else []

    # -- applying ---------------------------------------------------------

    def _apply_one(self, migration: Migration, deadline: float) -> bool:
        """Apply one migration unless another migrator did it first."""
        while True:
            with self._connection.transaction():
                self._run("take_migration_lock")
                self._create_bookkeeping()
                if not self._run("lock_holders"):
                    if migration.hash in self.applied_hashes():
                        return False
                    self._run_migration(migration)
                    return True
            self._wait_for_yoyo(deadline)

    def _run_migration(self, migration: Migration) -> None:
        try:
            # No parameters: psycopg sends the file as one simple query, so
            # every statement in it runs, in this transaction.
            self._connection.execute(migration.apply_sql())
        except psycopg.Error as error:
            raise translate(
                error, context=f"migration {migration.id} failed", failure=MigrationError
            ) from error
        self._record_applied(migration)
