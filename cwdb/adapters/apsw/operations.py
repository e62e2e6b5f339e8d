"""What an operator does to a database file: back it up, read its status.

Both work on any cwdb file, also one that is behind or ahead of this version
of the library (a backup before ``migrate`` is the classic use), so they open
the file themselves, read-only, instead of going through ``connect()``: they
never create the file, never migrate it and never change its journal mode.
"""

from __future__ import annotations

import os
from contextlib import suppress

import apsw
import attrs

from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.migrator import Migrator
from cwdb.adapters.apsw.sqlfiles import query_file
from cwdb.adapters.apsw.translate import translate
from cwdb.errors import BusyError, Error

#: Prefix of the row-count queries of ``sql/_status.sql``; the rest is the table.
COUNT_PREFIX = "count_"


def open_read_only(path: str, *, busy_timeout_ms: int = 5000) -> apsw.Connection:
    """A read-only connection to an existing database file (never created)."""
    if not os.path.exists(path):
        raise Error(f"{path!r} does not exist")
    try:
        connection = apsw.Connection(path, flags=apsw.SQLITE_OPEN_READONLY)
    except apsw.Error as error:
        raise translate(error, context=f"cannot open database {path!r}") from error
    connections.set_busy_timeout(connection, busy_timeout_ms)
    connections.make_defensive(connection)
    return connection


# -- backup -------------------------------------------------------------------


def copy_database(source: apsw.Connection, dest_path: str) -> None:
    """Copy ``source`` to the new file ``dest_path`` (0600) as one snapshot.

    SQLite's online backup copies every page in one step (``step(-1)``),
    that is inside one read transaction of ``source``: the copy is the
    database as of one commit, and in WAL mode the other connections go on
    writing meanwhile. ``dest_path`` must not exist; it is never overwritten.
    A copy that fails is removed, so no half-written file is left behind.
    """
    if connections.is_memory(dest_path):
        raise Error("cannot back up to ':memory:': give the path of a new file")
    if os.path.lexists(dest_path) or not _create_private(dest_path):
        raise Error(f"cannot back up to {dest_path!r}: it already exists")
    try:
        _copy_pages(source, dest_path)
    except BaseException as error:
        with suppress(OSError):
            os.remove(dest_path)
        if isinstance(error, (apsw.BusyError, apsw.LockedError)):
            raise BusyError(
                f"cannot back up to {dest_path!r}: a writer kept the database locked "
                "beyond the busy timeout"
            ) from error
        if isinstance(error, apsw.Error):
            raise Error(f"cannot back up to {dest_path!r}: {error}") from error
        raise


def _create_private(dest_path: str) -> bool:
    try:
        return connections.create_private_file(dest_path)
    except Error as error:
        reason = getattr(error.__cause__, "strerror", None) or str(error)
        raise Error(f"cannot back up to {dest_path!r}: {reason}") from error


def _copy_pages(source: apsw.Connection, dest_path: str) -> None:
    dest = apsw.Connection(dest_path, flags=apsw.SQLITE_OPEN_READWRITE)
    try:
        with dest.backup("main", source, "main") as backup:
            backup.step(-1)
    finally:
        connections.close(dest)


def backup_file(source_path: str, dest_path: str) -> None:
    """Copy the database file ``source_path`` to the new file ``dest_path``.

    The source is opened read-only, so this works whatever its schema
    version; see :func:`copy_database` for the guarantees.
    """
    if connections.is_memory(source_path):
        raise Error("cannot back up ':memory:' by path: use Database.backup()")
    if not os.path.exists(source_path):
        raise Error(f"cannot back up {source_path!r}: it does not exist")
    try:
        source = open_read_only(source_path)
    except Error as error:
        raise Error(f"cannot back up: {error}") from error
    try:
        _check_readable(source, source_path)
        copy_database(source, dest_path)
    finally:
        connections.close(source)


def _check_readable(source: apsw.Connection, source_path: str) -> None:
    """Refuse a source that is not a database, naming it (not the copy)."""
    try:
        source.pragma("schema_version")
    except apsw.Error as error:
        raise translate(error, context=f"cannot back up {source_path!r}") from error


# -- status -------------------------------------------------------------------


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
        connections.close(connection)
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
