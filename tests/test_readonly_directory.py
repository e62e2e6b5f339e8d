"""A writable database file in a directory this process cannot write (reference §1).

SQLite says only "attempt to write a readonly database", even for reads and
with ``migrate=False``: in WAL mode it must create ``<file>-wal`` and
``<file>-shm`` beside the file. cwdb's message names the directory and both
files.

Root ignores directory permissions, so as root the open runs in a forked
child that has dropped to the ``nobody`` user (uid 65534) after cwdb was
loaded; as any other user the directory is made read-only in place.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import cwdb

NOBODY = 65534


def attempt(path: Path, *, migrate: bool) -> str:
    """The message of the cwdb.Error that opening and reading ``path`` raises ("" if none)."""
    try:
        with cwdb.connect(path, migrate=migrate) as db:
            db.tasks.find_all()
    except cwdb.Error as error:
        return str(error)
    return ""


def as_nobody(work: Callable[[], list[str]]) -> list[str]:
    """``work()`` run in a forked child with the uid and gid of ``nobody``."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        except PermissionError as error:
            result, code = [f"cannot drop root: {error}"], 3
        else:
            try:
                result, code = work(), 0
            except BaseException as error:
                result, code = [f"{type(error).__name__}: {error}"], 4
        with os.fdopen(write, "w") as out:
            json.dump(result, out)
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as source:
        result = json.load(source)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 3:
        pytest.skip(f"running as root, and root cannot switch to uid {NOBODY}: {result[0]}")
    assert code == 0, result
    return list(result)


@contextmanager
def read_only(directory: Path) -> Iterator[None]:
    mode = stat.S_IMODE(directory.stat().st_mode)
    directory.chmod(0o555)
    try:
        yield
    finally:
        directory.chmod(mode)


@pytest.fixture
def closed_database() -> Iterator[Path]:
    """A migrated, closed database file (no -wal/-shm left) in its own directory.

    The directory is made by ``tempfile`` (mode 0700 in the world-writable
    temporary folder), not under pytest's ``tmp_path``, whose parents only
    their owner may enter: ``nobody`` must be able to reach the file.
    """
    with tempfile.TemporaryDirectory(prefix="cwdb-readonly-") as name:
        folder = Path(name)
        path = folder / "cw.db"
        cwdb.connect(path).close()
        assert sorted(p.name for p in folder.iterdir()) == ["cw.db"]
        yield path


def messages_in_a_read_only_directory(path: Path) -> list[str]:
    def work() -> list[str]:
        return [attempt(path, migrate=True), attempt(path, migrate=False)]

    if os.geteuid() != 0:
        with read_only(path.parent):
            return work()
    # As root: the directory stays root's (0755), the file becomes nobody's.
    os.chown(path, NOBODY, NOBODY)
    path.parent.chmod(0o755)
    return as_nobody(work)


def test_the_error_names_the_directory_and_the_wal_files(closed_database: Path) -> None:
    before = closed_database.read_bytes()
    for message in messages_in_a_read_only_directory(closed_database):
        assert "attempt to write a readonly database" in message
        assert f"the directory {str(closed_database.parent)!r} is not writable" in message
        assert "'cw.db-wal' and 'cw.db-shm'" in message
    assert closed_database.read_bytes() == before
    assert sorted(p.name for p in closed_database.parent.iterdir()) == ["cw.db"]


def test_a_writable_directory_opens_as_before(closed_database: Path) -> None:
    assert attempt(closed_database, migrate=False) == ""
