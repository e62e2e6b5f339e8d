"""Opening a database file read-only, for the DBA commands that must not change it.

``status``, ``backup`` and ``review --database`` work on any cwdb file, also
one that is behind or ahead of this version of the library, so they open the
file themselves, read-only, instead of going through ``connect()``: they never
create the file, never migrate it and never change its journal mode.
"""

from __future__ import annotations

import os
import urllib.parse

import apsw

from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.translate import translate
from cwdb.errors import Error


def open_read_only(path: str, *, busy_timeout_ms: int = 5000) -> apsw.Connection:
    """A read-only connection to an existing database file (never created).

    A reader of a WAL database needs its ``-shm`` (and ``-wal``) file, which
    SQLite creates when missing. Where they cannot be created (a directory
    the user may only read) and no ``-wal`` exists, no other connection is
    using the database, so it is opened as SQLite documents for that case:
    ``immutable=1``, reading the file alone. :func:`finish_read_only` then
    checks that no writer came in meanwhile.
    """
    if not os.path.exists(path):
        raise Error(f"{path!r} does not exist")
    connections.check_not_directory(path)
    connection = _connect(path, apsw.SQLITE_OPEN_READONLY)
    try:
        connection.pragma("schema_version")  # the first read opens the -wal and -shm
    except (apsw.CantOpenError, apsw.ReadOnlyError) as error:
        connections.close_after_failure(connection)
        if os.path.exists(f"{path}-wal"):
            raise translate(error, context=f"cannot read database {path!r}") from error
        connection = _ImmutableConnection(path)
    except apsw.Error as error:
        connections.close_after_failure(connection)
        raise translate(error, context=f"cannot read database {path!r}") from error
    connections.set_busy_timeout(connection, busy_timeout_ms)
    connections.make_defensive(connection)
    return connection


def _connect(path: str, flags: int) -> apsw.Connection:
    try:
        return apsw.Connection(path, flags=flags)
    except apsw.Error as error:
        raise translate(error, context=f"cannot open database {path!r}") from error


class _ImmutableConnection(apsw.Connection):
    """A read-only connection that reads the file without its -wal/-shm or locks."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.before = _identity(path)
        uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?immutable=1"
        try:
            super().__init__(uri, flags=apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI)
        except apsw.Error as error:
            raise translate(error, context=f"cannot open database {path!r}") from error


def _identity(path: str) -> tuple[int, int, int, bool]:
    """What changes when a writer touches the file: inode, size, mtime, a -wal."""
    info = os.stat(path)
    return info.st_ino, info.st_size, info.st_mtime_ns, os.path.exists(f"{path}-wal")


def finish_read_only(connection: apsw.Connection) -> None:
    """Close a connection of :func:`open_read_only`; refuse a torn immutable read.

    A writer must create the ``-wal`` before it changes anything, so a file
    with the same identity and still no ``-wal`` was not written while it
    was read.
    """
    connections.close(connection)
    if isinstance(connection, _ImmutableConnection) and (
        _identity(connection.path) != connection.before
    ):
        raise Error(
            f"{connection.path!r} was written while it was read (its directory is "
            "read-only, so it was read without locks): run the command again"
        )
