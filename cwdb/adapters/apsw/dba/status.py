"""``python -m cwdb status``: migrations, row counts and file sizes of a database.

It works on any cwdb file, also one that is behind or ahead of this version
of the library, so it opens the file itself, read-only, instead of going
through ``connect()``: it never creates the file, never migrates it and
never changes its journal mode.
"""

from __future__ import annotations

import os

import apsw
import attrs

from cwdb.adapters.apsw.dba.read_only import finish_read_only, open_read_only
from cwdb.adapters.apsw.migrator import Migrator
from cwdb.adapters.apsw.translate import translate
from cwdb.adapters.sqlfiles import query_file
from cwdb.errors import Error

#: Prefix of the row-count queries of ``sql/_status.sql``; the rest is the table.
COUNT_PREFIX = "count_"


@attrs.frozen
class Status:
    """What ``python -m cwdb status`` reports about one database file.

    Attributes:
        path: the database file.
        applied: ids of the applied migrations, in the order they were applied.
        pending: ids of the shipped migrations not applied yet.
        unknown: applied migrations this version of cwdb does not ship.
        rows: (table, row count) for every table of the schema, in the
            order of ``sql/_status.sql``; the count is None when the table
            does not exist (the migration making it is pending).
        file_bytes: size of the database file.
        wal_bytes: size of its ``-wal`` file, None when there is none.
    """

    path: str
    applied: tuple[str, ...]
    pending: tuple[str, ...]
    unknown: tuple[str, ...]
    rows: tuple[tuple[str, int | None], ...]
    file_bytes: int
    wal_bytes: int | None


def read_status(path: str) -> Status:
    """The status of an existing database file, read without writing to it."""
    connection = open_read_only(path)
    try:
        migrator = Migrator(connection)
        applied = tuple(migrator.applied_ids())
        pending = tuple(m.id for m in migrator.pending())
        unknown = tuple(migrator.unknown())
        rows = _row_counts(connection)
    except apsw.Error as error:
        raise translate(error, context=f"cannot read the status of {path!r}") from error
    finally:
        finish_read_only(connection)
    return Status(
        path=path,
        applied=applied,
        pending=pending,
        unknown=unknown,
        rows=rows,
        file_bytes=os.path.getsize(path),
        wal_bytes=_size_or_none(f"{path}-wal"),
    )


def _row_counts(connection: apsw.Connection) -> tuple[tuple[str, int | None], ...]:
    queries = query_file("_status")
    existing = {str(row[0]) for row in connection.execute(queries["table_names"].sql)}
    counts: list[tuple[str, int | None]] = []
    for name, query in queries.items():
        if not name.startswith(COUNT_PREFIX):
            continue
        table = name.removeprefix(COUNT_PREFIX)
        counts.append((table, _count(connection, query.sql) if table in existing else None))
    return tuple(counts)


def _count(connection: apsw.Connection, sql: str) -> int:
    value = connection.execute(sql).fetchall()[0][0]
    if not isinstance(value, int):
        raise Error(f"a row count came back as {value!r}")
    return value


def _size_or_none(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return None
