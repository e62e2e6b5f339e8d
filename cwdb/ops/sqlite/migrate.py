"""``python -m cwdb migrate --database PATH``: apply the pending SQLite migrations."""

from __future__ import annotations

import os

from cwdb.adapters.apsw.database import ensure_schema
from cwdb.adapters.apsw.migrator import shipped_migrations
from cwdb.ops.migrate import Migrated


def migrate(location: str) -> Migrated:
    """Apply what is pending to the file at ``location``, creating it (0600) if missing."""
    path = os.path.abspath(location)
    existed = os.path.exists(path)
    applied = ensure_schema(path)
    return Migrated(path, tuple(applied), shipped_migrations()[-1].id, created=not existed)
