"""SQLite's online backup: a consistent copy of a live database to a new private file.

``Database.backup`` copies through a connection of its own; ``python -m cwdb
backup`` (``cwdb.ops.sqlite.backup``) opens the source file read-only first.
"""

from __future__ import annotations

import os
from contextlib import suppress

import apsw

from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.translate import translate
from cwdb.errors import Error


def copy_database(source: apsw.Connection, dest_path: str) -> None:
    """Copy ``source`` to the new file ``dest_path`` (0600) as one snapshot.

    SQLite's online backup copies every page in one step (``step(-1)``),
    that is inside one read transaction of ``source``: the copy is the
    database as of one commit, and in WAL mode the other connections go on
    writing meanwhile. ``dest_path`` must not exist; it is never overwritten.
    The copy is checked with ``PRAGMA quick_check``; a copy that fails, or
    fails the check (a corrupt source), is removed, so nothing is left
    behind that looks like a good backup.
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
        if isinstance(error, apsw.Error):
            raise translate(error, context=f"cannot back up to {dest_path!r}") from error
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
        _check_copy(dest, dest_path)
    finally:
        connections.close(dest)


def _check_copy(dest: apsw.Connection, dest_path: str) -> None:
    """Refuse a copy that fails ``PRAGMA quick_check``.

    The online backup copies pages as they are: a corrupt source gives a
    corrupt copy that only looks like a good backup.
    """
    problems = [str(row[0]) for row in dest.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise Error(
            f"cannot back up to {dest_path!r}: the copy fails PRAGMA quick_check, so the "
            f"source database is corrupt ({problems[0]}; {len(problems)} problem(s))"
        )
