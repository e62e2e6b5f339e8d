"""``python -m cwdb migrate --database postgresql://...``: apply the pending migrations."""

from __future__ import annotations

from cwdb._redact import redact
from cwdb.adapters.psycopg.database import ensure_schema
from cwdb.adapters.psycopg.migrator import shipped_migrations
from cwdb.ops.migrate import Migrated


def migrate(url: str) -> Migrated:
    """Apply what is pending to the database at ``url``; its password is never shown."""
    applied = ensure_schema(url)
    return Migrated(redact(url), tuple(applied), shipped_migrations()[-1].id)
