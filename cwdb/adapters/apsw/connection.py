"""Opening one APSW connection, set up the way every cwdb connection runs.

Each setting is one small function with the reason for it, applied per
connection (never through ``apsw.bestpractice``'s process-wide hooks, which
would change other libraries' connections too).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import time

import apsw

from cwdb.adapters.apsw.translate import translate
from cwdb.errors import Error

log = logging.getLogger("cwdb")

#: Enough for every named query of sql/ plus the transaction statements.
STATEMENT_CACHE_SIZE = 512


def create_private_file(path: str) -> bool:
    """Create an empty database file with mode 0600, if it does not exist.

    SQLite gives the ``-wal`` and ``-shm`` files the main file's permissions,
    so creating the main file 0600 first keeps all three private (the
    database holds credentials). Returns whether the file was created. An
    existing file keeps its mode (:func:`open_file` warns, once the file
    opened as a database, when group or others can read it).
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    except OSError as error:
        raise Error(f"cannot create database {path!r}: {error.strerror}") from error
    os.close(fd)
    return True


def warn_if_readable_by_others(path: str) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(
            "database %s has mode %o: group or others can read it, and it stores "
            "credentials (chmod 600 it)",
            path,
            stat.S_IMODE(mode),
        )


def check_not_directory(path: str) -> None:
    """A directory is refused by name (SQLite would call it a disk I/O error)."""
    if os.path.isdir(path):
        raise Error(f"{path!r} is a directory, not a database file")


def open_file(
    path: str, *, busy_timeout_ms: int, create: bool, warn: bool = True, readonly: bool = False
) -> apsw.Connection:
    """A configured connection to a database file (created 0600 if asked).

    The mode warning (:func:`warn_if_readable_by_others`) comes only once the
    file opened and was read as a database, so it never precedes an
    unrelated failure; ``warn=False`` leaves it out (further connections of
    one ``Database``). ``readonly`` opens it for reading only: SQLite refuses
    every write on it, and its journal mode is left as it is.
    """
    check_not_directory(path)
    created = create_private_file(path) if create else False
    flags = apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE
    try:
        connection = apsw.Connection(path, flags=flags, statementcachesize=STATEMENT_CACHE_SIZE)
    except apsw.Error as error:
        context = f"cannot open database {path!r}"
        raise opening_error(error, context, path, busy_timeout_ms) from error
    try:
        configure(connection, busy_timeout_ms=busy_timeout_ms, wal=not readonly)
    except apsw.Error as error:
        close_after_failure(connection)
        context = f"cannot use database {path!r}"
        raise opening_error(error, context, path, busy_timeout_ms) from error
    if warn and not created:
        warn_if_readable_by_others(path)
    return connection


def opening_error(error: apsw.Error, context: str, path: str, busy_timeout_ms: int) -> Error:
    """The cwdb error for a file that failed to open, with the reason SQLite leaves out.

    A writable file in a directory this process cannot write fails with
    "attempt to write a readonly database", also for reads and with
    ``migrate=False``: in WAL mode SQLite must create the ``-wal`` and
    ``-shm`` files beside the database. The message names the directory and
    those files.
    """
    translated = translate(error, context=context, busy_timeout_ms=busy_timeout_ms)
    hint = unwritable_directory(error, path)
    return translated if hint is None else type(translated)(f"{translated}; {hint}")


def unwritable_directory(error: apsw.Error, path: str) -> str | None:
    """Why a read-only error came: the directory, where the WAL files go, is not writable."""
    if not isinstance(error, (apsw.ReadOnlyError, apsw.CantOpenError)):
        return None
    directory = os.path.dirname(os.path.abspath(path))
    if os.access(directory, os.W_OK):
        return None
    name = os.path.basename(path)
    return (
        f"the directory {directory!r} is not writable, and SQLite must create "
        f"{name + '-wal'!r} and {name + '-shm'!r} there (write-ahead log) even to read: "
        "make the directory writable by this user"
    )


def open_memdb(name: str, *, busy_timeout_ms: int) -> apsw.Connection:
    """A configured connection to the in-process ``memdb`` database ``name``.

    Every connection opened with the same name shares one database, which is
    how the threads of one ``connect(":memory:")`` see the same data.
    """
    uri = f"file:/{name}?vfs=memdb"
    flags = apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE | apsw.SQLITE_OPEN_URI
    connection = apsw.Connection(uri, flags=flags, statementcachesize=STATEMENT_CACHE_SIZE)
    configure(connection, busy_timeout_ms=busy_timeout_ms, wal=False)
    return connection


def close(connection: apsw.Connection) -> None:
    """Close a connection; a failure is a ``cwdb.Error``, never a raw apsw one.

    Closing the last connection checkpoints the WAL, which can meet an I/O
    error or a full disk. SQLite closes the connection all the same, and the
    committed transactions stay safe in the WAL for the next opener.
    """
    try:
        connection.close()
    except apsw.Error as error:
        raise translate(error) from error


def close_after_failure(connection: apsw.Connection) -> None:
    """Close a connection while another error propagates: that error is the news."""
    with contextlib.suppress(apsw.Error):
        connection.close()


def configure(connection: apsw.Connection, *, busy_timeout_ms: int, wal: bool) -> None:
    """Apply every per-connection setting, in order."""
    set_busy_timeout(connection, busy_timeout_ms)
    enforce_foreign_keys(connection)
    make_defensive(connection)
    if wal:
        use_wal(connection, busy_timeout_ms)
        sync_normally(connection)


def set_busy_timeout(connection: apsw.Connection, busy_timeout_ms: int) -> None:
    """Wait for other writers up to the timeout instead of failing at once."""
    connection.set_busy_timeout(busy_timeout_ms)


def enforce_foreign_keys(connection: apsw.Connection) -> None:
    """SQLite enforces foreign keys (and cascades) only when asked, per connection."""
    connection.pragma("foreign_keys", True)


def make_defensive(connection: apsw.Connection) -> None:
    """Refuse schema corruption by SQL, double-quoted strings and untrusted schema code."""
    connection.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)
    connection.config(apsw.SQLITE_DBCONFIG_DQS_DDL, 0)
    connection.config(apsw.SQLITE_DBCONFIG_DQS_DML, 0)
    connection.pragma("trusted_schema", False)


def use_wal(connection: apsw.Connection, busy_timeout_ms: int) -> None:
    """WAL lets readers go on while one process writes (needs a file).

    Switching a file to WAL takes its exclusive lock. When several processes
    open the same new file at once, SQLite answers BUSY here without calling
    the busy handler (waiting inside could deadlock), so the switch is retried
    until the busy timeout has passed, as the busy handler would.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    delay = 0.001
    while True:
        try:
            mode = connection.pragma("journal_mode", "wal")
            break
        except apsw.BusyError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
    if str(mode).lower() != "wal":
        raise Error(f"cannot switch {connection.filename!r} to WAL (journal_mode is {mode})")


def sync_normally(connection: apsw.Connection) -> None:
    """In WAL, NORMAL never corrupts; a power loss may lose the last commits."""
    connection.pragma("synchronous", "normal")


def database_path(path: str | os.PathLike[str]) -> str:
    """The path as a string; refuses types that are not paths."""
    if isinstance(path, (str, os.PathLike)):
        return os.fspath(path)
    raise TypeError(f"database path must be str or os.PathLike, not {type(path).__name__}")


def is_memory(path: str) -> bool:
    return path == ":memory:"
