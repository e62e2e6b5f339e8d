"""The migration files of either dialect, and what yoyo records about them.

``migrations/*.sql`` (SQLite) and ``migrations/postgresql/*.sql`` hold
yoyo migrations, each with its ``.rollback.sql``; a migration's id is its
file stem (the same ids in both dialects) and yoyo keys it by the sha256 of
that id. A ``-- transactional: false`` line in the leading comments is read
as yoyo reads it. Both migrators write yoyo's bookkeeping rows with
:func:`yoyo_now` and :func:`username`, as yoyo itself does.
"""

from __future__ import annotations

import getpass
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import attrs

from cwdb.errors import MigrationError

_DIRECTIVE: Final = re.compile(r"^\s*--\s*(?P<key>transactional|depends)\s*:\s*(?P<value>.*?)\s*$")
_COMMENT_OR_EMPTY: Final = re.compile(r"^(\s*|\s*--.*)$")


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
