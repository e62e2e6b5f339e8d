"""The migration files of either dialect, and what yoyo records about them.

``migrations/*.sql`` (SQLite) and ``migrations/postgresql/*.sql`` hold
yoyo migrations, each with its ``.rollback.sql``; a migration's id is its
file stem (the same ids in both dialects) and yoyo keys it by the sha256 of
that id. A ``-- transactional: false`` line in the leading comments is read
as yoyo reads it. Both migrators write yoyo's bookkeeping rows with
:func:`yoyo_now` and :func:`username`, as yoyo itself does.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import logging
import re
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Final

import attrs

from cwdb._resources import resource_dir
from cwdb.adapters.sqlfiles import DIALECT_FOLDERS, QueryFile, query_file
from cwdb.errors import BusyError, MigrationError

#: The record of each migration applied (INFO), for both dialects.
log = logging.getLogger("cwdb.migrations")

_DIRECTIVE: Final = re.compile(r"^\s*--\s*(?P<key>transactional|depends)\s*:\s*(?P<value>.*?)\s*$")
_COMMENT_OR_EMPTY: Final = re.compile(r"^(\s*|\s*--.*)$")
#: How often a migrator looks again at a lock held by yoyo.
POLL_SECONDS: Final = 0.1
#: How long a migrator waits for another one (or for yoyo) before giving up.
WAIT_SECONDS: Final = 600.0


@attrs.frozen
class Migration:
    """One migration file pair of ``migrations/``."""

    id: str
    path: Path
    rollback_path: Path
    transactional: bool

    @property
    def hash(self) -> str:
        """yoyo's key for the migration: the sha256 of its id."""
        return hashlib.sha256(self.id.encode("utf-8")).hexdigest()

    def apply_sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def rollback_sql(self) -> str:
        return self.rollback_path.read_text(encoding="utf-8")


def read_migrations(directory: Path) -> tuple[Migration, ...]:
    """The migrations of a folder, in id order, each with its rollback."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        if path.name.endswith(".rollback.sql"):
            continue
        migration_id = path.name[: -len(".sql")]
        rollback = path.with_name(f"{migration_id}.rollback.sql")
        if not rollback.exists():
            raise MigrationError(f"migration {migration_id} has no {rollback.name}")
        found.append(Migration(migration_id, path, rollback, _is_transactional(path)))
    return tuple(found)


def _is_transactional(path: Path) -> bool:
    """Read ``-- transactional: false`` from the leading comments, as yoyo does."""
    for line in path.read_text(encoding="utf-8").splitlines():
        found = _DIRECTIVE.match(line)
        if found:
            if found["key"] == "transactional":
                return found["value"].lower() != "false"
        elif not _COMMENT_OR_EMPTY.match(line):
            break
    return True


def yoyo_now() -> str:
    """UTC now as yoyo stores it (naive ISO 8601)."""
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


def username() -> str:
    """The user yoyo's log records for an operation."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@functools.cache
def shipped_migrations(dialect: str = "sqlite") -> tuple[Migration, ...]:
    """The migrations this version of cwdb ships for a dialect (``migrations/[postgresql/]``)."""
    return read_migrations(resource_dir("migrations") / DIALECT_FOLDERS[dialect])


class MigrationLedger:
    """yoyo's bookkeeping against the migrations this cwdb ships, for either dialect.

    A migrator supplies :meth:`_run` (one named statement of its
    ``_migrations.sql``, whose names are the same in both dialects) and
    :meth:`_apply_one` (one migration in one transaction, its driver's way);
    what follows from them (applied, pending, unknown, the schema version,
    the apply loop, creating yoyo's tables, recording an applied migration)
    is written here once.
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

    def _run(self, name: str, params: dict[str, object] | None = None) -> list[Any]:
        raise NotImplementedError

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

    def apply_pending(self) -> list[str]:
        """Apply every pending migration, one transaction each; their ids.

        Refuses a database newer than this cwdb first. Each step re-reads
        what is pending, so a migration another migrator applied meanwhile
        is skipped, not applied twice (``_apply_one`` checks again under its
        lock and returns False then).
        """
        self.check_not_ahead()
        done: list[str] = []
        deadline = time.monotonic() + self._wait_seconds
        while pending := self.pending():
            if self._apply_one(pending[0], deadline):
                done.append(pending[0].id)
                log.info(
                    "applied migration %s (%s)",
                    pending[0].id,
                    self.dialect,
                    extra={"migration_id": pending[0].id, "dialect": self.dialect},
                )
        return done

    def _apply_one(self, migration: Migration, deadline: float) -> bool:
        """Apply one migration unless another migrator did it first (the driver's part)."""
        raise NotImplementedError

    # -- yoyo's tables --------------------------------------------------------

    def _create_bookkeeping(self) -> None:
        """yoyo's four tables, at its internal schema version 2, if missing."""
        for name in (
            "create_migration_table",
            "create_log_table",
            "create_version_table",
            "create_lock_table",
        ):
            self._run(name)
        self._run("mark_internal_version", {"now": yoyo_now()})

    def _record_applied(self, migration: Migration) -> None:
        """Mark ``migration`` applied and log it, as yoyo itself does."""
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

    def _wait_for_yoyo(self, deadline: float) -> None:
        """Sleep a poll interval, or give up once yoyo's lock outlived the wait."""
        if time.monotonic() > deadline:
            raise BusyError(
                f"yoyo's migration lock has been held for over {self._wait_seconds:.0f} s"
            )
        time.sleep(POLL_SECONDS)
