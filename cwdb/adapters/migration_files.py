"""The migration files of either dialect, read by yoyo, and what is applied of them.

``migrations/*.sql`` (SQLite) and ``migrations/postgresql/*.sql`` hold
yoyo migrations, each with its ``.rollback.sql``; yoyo reads them
(``yoyo.read_migrations``: ids, hashes, ``-- transactional: false``,
statements) and applies them through a backend on cwdb's own connection
(:mod:`cwdb.adapters.yoyo_apply`: one transaction per migration and its
record). :class:`MigrationLedger` is what cwdb asks of that: what is applied,
pending or unknown, and "apply what is pending".

Reading what is applied needs no yoyo backend and writes nothing: two named
queries of ``_migrations.sql`` read yoyo's ``_yoyo_migration`` table, since
yoyo's API gives hashes only, and ``status`` and the "newer than this cwdb"
error name the ids of migrations cwdb does not ship.
"""

from __future__ import annotations

import functools
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Final

import yoyo
from yoyo.exceptions import LockTimeout
from yoyo.migrations import Migration, MigrationList

from cwdb._resources import resource_dir
from cwdb.adapters.sqlfiles import DIALECT_FOLDERS, QueryFile, query_file
from cwdb.adapters.yoyo_apply import AtomicApply
from cwdb.errors import BusyError, Error, MigrationError

__all__ = ["WAIT_SECONDS", "Migration", "MigrationLedger", "read_migrations", "shipped_migrations"]

#: The record of each migration applied (INFO), for both dialects.
log = logging.getLogger("cwdb.migrations")

#: How long a migrator waits for another one (or for yoyo) before giving up.
WAIT_SECONDS: Final = 600.0


def read_migrations(directory: Path) -> tuple[Migration, ...]:
    """yoyo's migrations of a folder, in id order, each with its rollback.

    yoyo parses a migration's statements when it is first applied (``load``),
    not here: reading what is applied or pending needs only ids and hashes.
    """
    migrations = tuple(yoyo.read_migrations(str(directory)))
    for migration in migrations:
        rollback = Path(migration.path).with_name(f"{migration.id}.rollback.sql")
        if not rollback.exists():
            raise MigrationError(f"migration {migration.id} has no {rollback.name}")
    return migrations


@functools.cache
def shipped_migrations(dialect: str = "sqlite") -> tuple[Migration, ...]:
    """The migrations this version of cwdb ships for a dialect (``migrations/[postgresql/]``)."""
    return read_migrations(resource_dir("migrations") / DIALECT_FOLDERS[dialect])


class MigrationLedger(ABC):
    """What is applied of the migrations this cwdb ships, and applying the rest, in either dialect.

    A migrator supplies :meth:`_run` (one named statement of its
    ``_migrations.sql``), :meth:`_backend` (yoyo's backend on its
    connection) and :meth:`_failure` (its driver's errors as cwdb's); what
    follows from them is written here once.
    """

    #: Whose migrations and ``_migrations.sql``: "sqlite" or "postgresql".
    dialect: ClassVar[str]

    def __init__(
        self,
        connection: Any,
        migrations: Sequence[Migration] | None = None,
        *,
        wait_seconds: float = WAIT_SECONDS,
    ) -> None:
        """A migrator on one connection of its driver, for the shipped migrations by default."""
        self._connection = connection
        shipped = shipped_migrations(self.dialect)
        self._migrations = tuple(migrations if migrations is not None else shipped)
        self._wait_seconds = wait_seconds
        self._sql: QueryFile = query_file("_migrations", self.dialect)

    @abstractmethod
    def _run(self, name: str) -> list[Any]:
        """The rows of one named query of the dialect's ``_migrations.sql``."""

    @abstractmethod
    def _backend(self) -> AtomicApply:
        """yoyo's backend on this migrator's connection."""

    @abstractmethod
    def _failure(self, error: Exception, migration: Migration | None) -> Error | None:
        """cwdb's error for a driver error while applying ``migration`` (None: not its driver's)."""

    # -- reading ---------------------------------------------------------------

    def applied(self) -> list[tuple[str, str]]:
        """(hash, id) of every applied migration, in the order applied."""
        if not self._run("has_migration_table")[0][0]:
            return []
        return [(str(row[0]), str(row[1])) for row in self._run("applied")]

    def applied_hashes(self) -> list[str]:
        return [migration_hash for migration_hash, _ in self.applied()]

    def applied_ids(self) -> list[str]:
        return [migration_id for _, migration_id in self.applied()]

    def pending(self) -> list[Migration]:
        """The shipped migrations not applied yet, in id order."""
        applied = set(self.applied_hashes())
        return [m for m in self._migrations if m.hash not in applied]

    def unknown(self) -> list[str]:
        """Applied migrations this version of cwdb does not ship (it is behind)."""
        known = {m.hash for m in self._migrations}
        return [migration_id for h, migration_id in self.applied() if h not in known]

    def check_not_ahead(self) -> None:
        """A ``MigrationError`` when the database is newer than this cwdb."""
        unknown = self.unknown()
        if unknown:
            raise MigrationError(
                "the database has migrations this version of cwdb does not know "
                f"(it is newer): {', '.join(unknown)}"
            )

    def schema_version(self) -> str | None:
        """The id of the newest applied migration, or None."""
        applied = set(self.applied_ids())
        newest = [m.id for m in self._migrations if m.id in applied]
        return newest[-1] if newest else None

    # -- applying ----------------------------------------------------------------

    def apply_pending(self) -> list[str]:
        """Apply every pending migration, one transaction each; the ids this call applied.

        Refuses a database newer than this cwdb first; with nothing pending,
        yoyo is not asked (and nothing is written). Otherwise yoyo applies
        ``to_apply`` of the migrations as its command line does, within
        ``lock`` (whose wait is this migrator's), and each migration checks
        under the lock that no other migrator applied it meanwhile.
        """
        self.check_not_ahead()
        pending = self.pending()
        if not pending:
            return []
        for migration in pending:
            # yoyo parses a file when first used: before the lock, so that one
            # migrator applies the migrations back to back while others wait.
            migration.load()
        backend: Any = self._backend()
        try:
            with backend.lock(timeout=self._wait_seconds):
                backend.apply_migrations(backend.to_apply(MigrationList(self._migrations)))
        except LockTimeout as error:
            raise BusyError(str(error)) from error
        except Error:
            raise
        except Exception as error:
            failure = self._failure(error, backend.current)
            if failure is None:
                raise
            raise failure from error
        for migration_id in backend.applied_here:
            log.info(
                "applied migration %s (%s)",
                migration_id,
                self.dialect,
                extra={"migration_id": migration_id, "dialect": self.dialect},
            )
        return list(backend.applied_here)
