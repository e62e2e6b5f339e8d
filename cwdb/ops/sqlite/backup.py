"""``python -m cwdb backup SRC DEST``: a live SQLite file to a new private file.

The source is opened read-only (``read_only.py``), so it works whatever the
schema version (a backup before ``migrate`` is the classic use); the copy is
the library's online backup (``cwdb.adapters.apsw.backup``).
"""

from __future__ import annotations

import os
import time

from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.backup import copy_database
from cwdb.errors import Error
from cwdb.ops.backup import BackedUp
from cwdb.ops.sqlite.read_only import finish_read_only, open_read_only


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
        copy_database(source, dest_path)
    finally:
        finish_read_only(source)


def backup(location: str, dest: str) -> BackedUp:
    """``python -m cwdb backup``: :func:`backup_file`, timed, with absolute paths."""
    source = os.path.abspath(location)
    written = os.path.abspath(dest)
    started = time.perf_counter()
    backup_file(source, written)
    took = time.perf_counter() - started
    return BackedUp(source, written, os.path.getsize(written), took)
