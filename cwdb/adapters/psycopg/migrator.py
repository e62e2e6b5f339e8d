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
import socket
import time
import uuid
from collections.abc import Sequence
from typing import Any, Final

import psycopg

from cwdb._resources import resource_dir
from cwdb.adapters.migration_files import Migration, read_migrations, username, yoyo_now
from cwdb.adapters.psycopg.translate import translate
from cwdb.adapters.sqlfiles import QueryFile, parse_file
from cwdb.errors import BusyError, MigrationError

#: How long a migrator waits for another one (or for yoyo) before giving up.
WAIT_SECONDS: Final = 600.0
_POLL_SECONDS: Final = 0.1


@functools.cache
def shipped_migrations() -> tuple[Migration, ...]:
    """The PostgreSQL migrations this version of cwdb ships."""
    return read_migrations(resource_dir("migrations") / "postgresql")


@functools.cache
def bookkeeping() -> QueryFile:
    """``sql/postgresql/_migrations.sql``."""
    return parse_file(resource_dir("sql") / "postgresql" / "_migrations.sql")


class Migrator:
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

    # -- inspection -------------------------------------------------------

    def applied(self) -> list[tuple[str, str]]:
        """(hash, id) of every applied migration, in the order applied."""
        if not self._run("has_migration_table")[0][0]:
            return []
        return [(str(row[0]), str(row[1])) for row in self._run("applied")]

    def pending(self) -> list[Migration]:
        applied = {migration_hash for migration_hash, _ in self.applied()}
        return [m for m in self._migrations if m.hash not in applied]

    def unknown(self) -> list[str]:
        """Applied migrations this version of cwdb does not ship (it is behind)."""
        known = {m.hash for m in self._migrations}
        return [migration_id for h, migration_id in self.applied() if h not in known]

    def check_not_ahead(self) -> None:
        unknown = self.unknown()
        if unknown:
            raise MigrationError(
                "the database has migrations this version of cwdb does not know "
                f"(it is newer): {', '.join(unknown)}"
            )

    def schema_version(self) -> str | None:
        """The id of the newest applied migration, or None."""
        applied = {migration_id for _, migration_id in self.applied()}
        newest = [m.id for m in self._migrations if m.id in applied]
        return newest[-1] if newest else None

    # -- applying ---------------------------------------------------------

    def apply_pending(self) -> list[str]:
        """Apply every pending migration, one transaction each; their ids."""
        self.check_not_ahead()
        done: list[str] = []
        deadline = time.monotonic() + self._wait_seconds
        for migration in self.pending():
            if self._apply_one(migration, deadline):
                done.append(migration.id)
        return done

    def _apply_one(self, migration: Migration, deadline: float) -> bool:
        """Apply one migration unless another migrator did it first."""
        while True:
            with self._connection.transaction():
                self._run("take_migration_lock")
                self._create_bookkeeping()
                if not self._run("lock_holders"):
                    if migration.hash in {h for h, _ in self.applied()}:
                        return False
                    self._run_migration(migration)
                    return True
            if time.monotonic() > deadline:
                raise BusyError(
                    f"yoyo's migration lock has been held for over {self._wait_seconds:.0f} s"
                )
            time.sleep(_POLL_SECONDS)

    def _create_bookkeeping(self) -> None:
        for name in (
            "create_migration_table",
            "create_log_table",
            "create_version_table",
            "create_lock_table",
        ):
            self._run(name)
        self._run("mark_internal_version", {"now": yoyo_now()})

    def _run_migration(self, migration: Migration) -> None:
        try:
            # No parameters: psycopg sends the file as one simple query, so
            # every statement in it runs, in this transaction.
            self._connection.execute(migration.apply_sql())
        except psycopg.Error as error:
            raise translate(
                error, context=f"migration {migration.id} failed", failure=MigrationError
            ) from error
        now = yoyo_now()
        self._run(
            "record_applied",
            {"migration_hash": migration.hash, "migration_id": migration.id, "applied_at_utc": now},
        )
        self._run(
            "log_operation",
            {
                "id": str(uuid.uuid1()),
                "migration_hash": migration.hash,
                "migration_id": migration.id,
                "operation": "apply",
                "username": username(),
                "hostname": socket.getfqdn(),
                "created_at_utc": now,
            },
        )
