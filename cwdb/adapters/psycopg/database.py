"""The wiring of the PostgreSQL adapter set: what ``cwdb.ensure_schema(url)`` runs.

So far the migrations: ``ensure_schema`` opens one connection whose
``lock_timeout`` is the migrator's whole wait (another migrator holds the
advisory lock while it applies a migration), applies what is pending and
closes it. The repositories come next, behind the same ``connect(url)``.
"""

from __future__ import annotations

from cwdb._open import redact
from cwdb.adapters.psycopg.connection import open_connection
from cwdb.adapters.psycopg.migrator import WAIT_SECONDS, Migrator
from cwdb.errors import Error, MigrationError


def ensure_schema(url: str) -> list[str]:
    """Apply the pending PostgreSQL migrations to the database at ``url``; their ids."""
    connection = open_connection(url, busy_timeout_ms=int(WAIT_SECONDS * 1000))
    try:
        return Migrator(connection).apply_pending()
    except MigrationError:
        raise
    except Error as error:
        raise MigrationError(f"cannot migrate {redact(url)!r}: {error}") from error
    finally:
        connection.close()
