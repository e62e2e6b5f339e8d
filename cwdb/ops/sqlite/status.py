"""``python -m cwdb status``: migrations, row counts and file sizes of a database.

It works on any cwdb file, also one that is behind or ahead of this version
of the library, so it opens the file itself, read-only, instead of going
through ``connect()``: it never creates the file, never migrates it and
never changes its journal mode.
"""

from __future__ import annotations

import os

import apsw

from cwdb.adapters.apsw.migrator import Migrator, shipped_migrations
from cwdb.adapters.apsw.translate import translate
from cwdb.adapters.sqlfiles import query_file
from cwdb.errors import Error
from cwdb.ops.sqlite.read_only import finish_read_only, open_read_only
from cwdb.ops.status import COUNT_PREFIX, Status


def read_status(location: str) -> Status:
    """The status of an existing database file, read without writing to it.

    A missing file is an error naming the ``migrate`` command that creates it.
    """
    path = os.path.abspath(location)
    if not os.path.exists(path):
        migrations = ", ".join(m.id for m in shipped_migrations())
        raise Error(
            f"{path} does not exist (status creates nothing); "
            f"'python -m cwdb migrate --database {location}' creates it and applies "
            f"{migrations}"
        )
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
        sizes=(("file", os.path.getsize(path)), ("wal", _size_or_none(f"{path}-wal"))),
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
