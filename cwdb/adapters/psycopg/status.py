"""``python -m cwdb status --database postgresql://...``: read, never written.

The same report as for a file (``cwdb.adapters.status.Status``): applied
and pending migrations from yoyo's tables, a row count per table from
``sql/postgresql/_status.sql``, and the database's size on the server. The
URL is shown with its password hidden.
"""

from __future__ import annotations

import functools
from typing import Any

import psycopg

from cwdb._redact import redact
from cwdb.adapters.psycopg.connection import open_connection
from cwdb.adapters.psycopg.migrator import Migrator
from cwdb.adapters.psycopg.translate import translate
from cwdb.adapters.sqlfiles import QueryFile, query_file
from cwdb.adapters.status import COUNT_PREFIX, Status


@functools.cache
def status_queries() -> QueryFile:
    """``sql/postgresql/_status.sql``."""
    return query_file("_status", "postgresql")


def read_status(url: str) -> Status:
    """The status of the cwdb database at ``url``, read in one read-only transaction."""
    shown = redact(url)
    with open_connection(url, busy_timeout_ms=5000) as connection:
        try:
            with connection.transaction():
                connection.execute("SET TRANSACTION READ ONLY")
                migrator = Migrator(connection)
                applied = tuple(migrator.applied_ids())
                pending = tuple(m.id for m in migrator.pending())
                unknown = tuple(migrator.unknown())
                rows, size = _rows_and_size(connection)
        except psycopg.Error as error:
            raise translate(error, context=f"cannot read the status of {shown!r}") from error
    return Status(
        path=shown,
        applied=applied,
        pending=pending,
        unknown=unknown,
        rows=rows,
        sizes=(("database", size),),
    )


def _rows_and_size(
    connection: psycopg.Connection[Any],
) -> tuple[tuple[tuple[str, int | None], ...], int]:
    queries = status_queries()
    existing = {row[0] for row in connection.execute(queries["table_names"].sql).fetchall()}
    counts: list[tuple[str, int | None]] = []
    for name, query in queries.items():
        if name.startswith(COUNT_PREFIX):
            table = name.removeprefix(COUNT_PREFIX)
            count = connection.execute(query.sql).fetchone() if table in existing else None
            counts.append((table, None if count is None else int(count[0])))
    size = connection.execute(queries["database_size"].sql).fetchone()
    return tuple(counts), int(size[0]) if size else 0
