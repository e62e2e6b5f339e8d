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

from typing import Any

import psycopg

from cwdb.adapters.migration_files import (
    Migration,
    MigrationLedger,
)
from cwdb.adapters.migration_files import (
    shipped_migrations as shipped,
)
from cwdb.adapters.psycopg.translate import translate
from cwdb.errors import MigrationError


def shipped_migrations() -> tuple[Migration, ...]:
    """The PostgreSQL migrations this version of cwdb ships."""
    return shipped("postgresql")


class Migrator(MigrationLedger):
    """Applies and inspects migrations on one autocommit psycopg connection."""

    dialect = "postgresql"
    _connection: psycopg.Connection[Any]

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
