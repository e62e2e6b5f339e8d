"""db.backup(dest): one consistent 0600 copy of a live database (docs/reference.md §8)."""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import apsw
import pytest

import cwdb
from cwdb.adapters.apsw import backup as online_backup
from cwdb.ops.sqlite import backup as backups
from tests.support.factories import initiative
from tests.support.helpers import corrupt_database

#: How long the test waits for the writer process to reach a state.
PATIENCE_SECONDS = 60.0


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def integrity(path: Path) -> list[tuple[Any, ...]]:
    connection = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()


def contents(path: Path, agent_id: str) -> list[int]:
    with cwdb.connect(path, migrate=False) as db:
        return [int(c.content) for c in db.log_chunks.find_by_agent_id(agent_id)]


def _write_pairs(path: str, ready: Any, stop: Any) -> None:
    """Child process: commit chunk i for 'left' and 'right' together, i = 0, 1, ..."""
    with cwdb.connect(path) as db:
        i = 0
        while not stop.is_set():
            with db.transaction():
                db.log_chunks.insert_chunk("left", "writer", str(i))
                db.log_chunks.insert_chunk("right", "writer", str(i))
            i += 1
            if i == 100:
                ready.set()


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_backup_while_another_process_writes_is_one_consistent_snapshot(
    db_path: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "copy.db"
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    with cwdb.connect(db_path) as db:
        # Some bulk, so that the copy takes a while as the writer goes on.
        padding = "x" * 1000
        db.log_chunks.insert_chunks(
            {"agent_id": "bulk", "agent_name": "b", "content": padding} for _ in range(20_000)
        )
        writer = context.Process(target=_write_pairs, args=(str(db_path), ready, stop))
        writer.start()
        try:
            assert ready.wait(PATIENCE_SECONDS), "the writer did not start"
            committed = {c.content for c in db.log_chunks.find_by_agent_id("left")}
            db.backup(dest)
            copied = len(contents(dest, "left"))
            wait_for(
                lambda: len(db.log_chunks.find_by_agent_id("left")) > copied,
                "the writer to commit after the backup",
            )
        finally:
            stop.set()
            writer.join(PATIENCE_SECONDS)
    assert writer.exitcode == 0
    assert integrity(dest) == [("ok",)]
    assert mode_of(dest) == 0o600
    left, right = contents(dest, "left"), contents(dest, "right")
    assert left == right == list(range(len(left)))
    assert {str(i) for i in left} >= committed
    with cwdb.connect(dest, migrate=False) as copy:
        assert len(copy.log_chunks.find_by_agent_id("bulk")) == 20_000


def test_the_copy_is_a_current_cwdb_database(file_db: cwdb.Database, tmp_path: Path) -> None:
    made = initiative(file_db)
    file_db.backup(tmp_path / "copy.db")
    with cwdb.connect(tmp_path / "copy.db", migrate=False) as copy:
        assert copy.schema_version == file_db.schema_version
        assert copy.initiatives.find_all() == [made]


def test_the_copy_is_private_whatever_the_umask(file_db: cwdb.Database, tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        file_db.backup(tmp_path / "copy.db")
    finally:
        os.umask(old_umask)
    assert mode_of(tmp_path / "copy.db") == 0o600


@pytest.mark.sqlite_only("db.backup is SQLite's online backup; on PostgreSQL it points at pg_dump")
def test_a_memory_database_can_be_backed_up(db: cwdb.Database, tmp_path: Path) -> None:
    made = initiative(db)
    db.backup(str(tmp_path / "copy.db"))
    assert integrity(tmp_path / "copy.db") == [("ok",)]
    with cwdb.connect(tmp_path / "copy.db", migrate=False) as copy:
        assert copy.initiatives.find_all() == [made]


def test_an_open_transaction_of_the_calling_thread_is_not_copied(
    file_db: cwdb.Database, tmp_path: Path
) -> None:
    kept = initiative(file_db)
    with file_db.transaction():
        later = initiative(file_db)
        file_db.backup(tmp_path / "copy.db")
    assert file_db.initiatives.find_by_id(later.id) == later
    with cwdb.connect(tmp_path / "copy.db", migrate=False) as copy:
        assert copy.initiatives.find_all() == [kept]


@pytest.mark.sqlite_only("db.backup is SQLite's online backup; on PostgreSQL it points at pg_dump")
def test_a_memory_backup_inside_the_threads_own_transaction_is_refused_at_once(
    db: cwdb.Database, tmp_path: Path
) -> None:
    with db.transaction():
        made = initiative(db)
        with pytest.raises(cwdb.Error, match="inside a transaction"):
            db.backup(tmp_path / "copy.db")
    assert db.initiatives.find_all() == [made]
    assert not (tmp_path / "copy.db").exists()


def test_an_existing_dest_is_refused_and_left_unchanged(
    file_db: cwdb.Database, tmp_path: Path
) -> None:
    dest = tmp_path / "taken.db"
    dest.write_bytes(b"precious")
    with pytest.raises(cwdb.Error, match=f"{dest}.*already exists"):
        file_db.backup(dest)
    assert dest.read_bytes() == b"precious"


def test_a_dest_in_a_missing_folder_is_an_error_naming_it(
    file_db: cwdb.Database, tmp_path: Path
) -> None:
    dest = tmp_path / "missing" / "copy.db"
    with pytest.raises(cwdb.Error, match=str(dest)):
        file_db.backup(dest)


def test_a_failed_copy_leaves_no_file(
    file_db: cwdb.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(source: apsw.Connection, dest_path: str) -> None:
        Path(dest_path).write_bytes(b"half a copy")
        raise apsw.IOError("disk I/O error")

    monkeypatch.setattr(online_backup, "_copy_pages", failing)
    dest = tmp_path / "copy.db"
    with pytest.raises(cwdb.Error, match=f"{dest}.*disk I/O error"):
        file_db.backup(dest)
    assert not dest.exists()


def test_backup_of_a_closed_database_is_an_error(tmp_path: Path) -> None:
    db = cwdb.connect(":memory:")
    db.close()
    with pytest.raises(cwdb.Error, match="closed"):
        db.backup(tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()


def test_close_waits_for_a_backup_in_flight_on_another_thread(
    file_db: cwdb.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cwdb.adapters.apsw import database as wiring

    copying = threading.Event()
    release = threading.Event()
    real_copy = wiring.copy_database

    def slow_copy(source: Any, dest: str) -> None:
        copying.set()
        release.wait()
        real_copy(source, dest)

    monkeypatch.setattr(wiring, "copy_database", slow_copy)
    file_db.initiatives.create(name="copied")
    backup = threading.Thread(target=file_db.backup, args=(tmp_path / "copy.db",))
    backup.start()
    copying.wait()
    closer = threading.Thread(target=file_db.close)
    closer.start()
    closer.join(timeout=0.2)
    assert closer.is_alive(), "close() returned while a backup was in flight"
    release.set()
    backup.join()
    closer.join()
    with cwdb.connect(tmp_path / "copy.db", migrate=False) as copy:
        assert [i.name for i in copy.initiatives.find_all()] == ["copied"]


def test_a_backup_of_a_corrupt_database_is_an_error_and_leaves_no_copy(tmp_path: Path) -> None:
    source = tmp_path / "cw.db"
    corrupt_database(source)
    with pytest.raises(cwdb.Error, match=r"cannot back up to .*(quick_check|malformed)"):
        backups.backup_file(str(source), str(tmp_path / "copy.db"))
    assert not (tmp_path / "copy.db").exists()
