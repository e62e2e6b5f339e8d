"""What ``python -m cwdb status`` reports, for either dialect.

Each dialect reads it its own way (``cwdb.ops.sqlite.status`` from
a file, ``cwdb.ops.postgresql.status`` from a server); the command prints
it the same way.
"""

from __future__ import annotations

import attrs

#: Prefix of the row-count queries of the ``_status.sql`` files; the rest is the table.
COUNT_PREFIX = "count_"


@attrs.frozen
class Status:
    """What ``python -m cwdb status`` reports about one database.

    Attributes:
        path: the database, as shown (a file path, or a URL without its password).
        applied: ids of the applied migrations, in the order they were applied.
        pending: ids of the shipped migrations not applied yet.
        unknown: applied migrations this version of cwdb does not ship.
        rows: (table, row count) for every table of the schema, in the
            order of its ``_status.sql``; the count is None when the table
            does not exist (the migration making it is pending).
        sizes: (what, bytes) of what the database occupies: the file and its
            ``-wal`` on SQLite (None when there is no ``-wal``), the database's
            ``size`` on the PostgreSQL server.
    """

    path: str
    applied: tuple[str, ...]
    pending: tuple[str, ...]
    unknown: tuple[str, ...]
    rows: tuple[tuple[str, int | None], ...]
    sizes: tuple[tuple[str, int | None], ...]
