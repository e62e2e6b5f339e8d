"""connect(): files, modes, PRAGMAs, migrate=False, memory databases, close()."""

from __future__ import annotations

import inspect
import logging
import os
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import apsw
import pytest

import cwdb
from cwdb.adapters.apsw.migrator import Migrator, shipped_migrations
from tests.support.factories import initiative
from tests.support.helpers import raw_connection
from tests.support.ports import PORTS, public_methods

ALL = [m.id for m in shipped_migrations()]
LATEST = ALL[-1]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_and_its_wal_and_shm_are_private(db_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        with cwdb.connect(db_path) as db:
            initiative(db)
            assert mode_of(db_path) == 0o600
            assert mode_of(Path(f"{db_path}-wal")) == 0o600
            assert mode_of(Path(f"{db_path}-shm")) == 0o600
    finally:
        os.umask(old_umask)


def test_an_existing_file_keeps_its_mode_and_a_readable_one_is_warned_about(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cwdb.connect(db_path).close()
    os.chmod(db_path, 0o644)
    with caplog.at_level(logging.WARNING, logger="cwdb"), cwdb.connect(db_path):
        pass
    assert mode_of(db_path) == 0o644
    assert "644" in caplog.text
    assert str(db_path) in caplog.text


def test_connect_accepts_str_and_pathlike(db_path: Path) -> None:
    with cwdb.connect(str(db_path)) as db:
        made = initiative(db)
    with cwdb.connect(db_path) as db:
        assert db.initiatives.find_by_id(made.id) == made


def test_connections_run_with_the_contracts_pragmas(file_db: cwdb.Database) -> None:
    connection = file_db._runner.session().connection
    assert connection.pragma("foreign_keys") == 1
    assert connection.pragma("journal_mode") == "wal"
    assert connection.pragma("synchronous") == 1  # NORMAL
    assert connection.pragma("busy_timeout") == 5000
    assert connection.pragma("trusted_schema") == 0


def test_busy_timeout_is_configurable(db_path: Path) -> None:
    with cwdb.connect(db_path, busy_timeout_ms=1234) as db:
        assert db._runner.session().connection.pragma("busy_timeout") == 1234


def test_a_missing_directory_raises_an_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "cw.db"
    with pytest.raises(cwdb.Error, match=str(path)):
        cwdb.connect(path)


def test_a_file_that_is_not_a_database_raises_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not a database, just text " * 200)
    before = path.read_bytes()
    with pytest.raises(cwdb.Error, match=str(path)):
        cwdb.connect(path)
    assert path.read_bytes() == before


def test_migrate_false_on_a_missing_file_lists_every_migration_and_creates_nothing(
    db_path: Path,
) -> None:
    with pytest.raises(cwdb.MigrationError, match="0001_initial_schema"):
        cwdb.connect(db_path, migrate=False)
    assert not db_path.exists()


def test_migrate_false_on_an_empty_database_raises_migration_error(db_path: Path) -> None:
    db_path.touch(mode=0o600)
    with pytest.raises(cwdb.MigrationError, match=r"behind.*0001_initial_schema"):
        cwdb.connect(db_path, migrate=False)
    # Switching to WAL may write a header (docs/reference.md §7), but no schema appears.
    connection = apsw.Connection(str(db_path))
    assert connection.execute("SELECT count(*) FROM sqlite_schema").fetchall() == [(0,)]
    connection.close()


def test_migrate_false_on_a_current_database_works(db_path: Path) -> None:
    cwdb.ensure_schema(db_path)
    with cwdb.connect(db_path, migrate=False) as db:
        assert db.schema_version == LATEST


def test_a_database_ahead_of_this_version_is_refused(db_path: Path) -> None:
    cwdb.ensure_schema(db_path)
    with cwdb.connect(db_path) as db:
        connection = raw_connection(db)
        connection.execute(
            "INSERT INTO _yoyo_migration VALUES ('f00', '9999_from_the_future', '2999-01-01')"
        )
        connection.close()
    for migrate in (True, False):
        with pytest.raises(cwdb.MigrationError, match="9999_from_the_future"):
            cwdb.connect(db_path, migrate=migrate)


def test_memory_databases_are_independent() -> None:
    with cwdb.connect(":memory:") as first, cwdb.connect(":memory:") as second:
        initiative(first)
        assert len(first.initiatives.find_all()) == 1
        assert second.initiatives.find_all() == []


def test_a_memory_database_is_one_database_for_all_threads(db: cwdb.Database) -> None:
    made: list[str] = []

    def create() -> None:
        made.append(initiative(db).id)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(i.id for i in db.initiatives.find_all()) == sorted(made)
    assert len(made) == 4


@pytest.mark.sqlite_only('":memory:" and sqlite_schema are SQLite\'s')
def test_a_memory_database_has_the_full_schema(db: cwdb.Database) -> None:
    assert db.schema_version == LATEST
    tables = {
        row[0]
        for row in raw_connection(db).execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '%yoyo%'"
        )
    }
    assert len(tables) == 19


def test_memory_with_migrate_false_is_behind() -> None:
    with pytest.raises(cwdb.MigrationError, match="0001_initial_schema"):
        cwdb.connect(":memory:", migrate=False)


def test_every_call_after_close_raises_a_cwdb_error(db: cwdb.Database) -> None:
    made = initiative(db)
    db.close()
    with pytest.raises(cwdb.Error, match="closed"):
        db.initiatives.find_by_id(made.id)
    with pytest.raises(cwdb.Error, match="closed"):
        db.initiatives.create(name="late")
    db.close()


def test_a_new_thread_after_close_gets_a_cwdb_error(db: cwdb.Database) -> None:
    db.close()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            db.initiatives.find_all()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    thread.join()
    assert len(errors) == 1
    assert isinstance(errors[0], cwdb.Error)


def test_close_waits_for_a_transaction_in_flight_on_another_thread(file_db: cwdb.Database) -> None:
    inside = threading.Event()
    release = threading.Event()
    committed: list[str] = []

    def writer() -> None:
        with file_db.transaction():
            committed.append(initiative(file_db).id)
            inside.set()
            release.wait()

    thread = threading.Thread(target=writer)
    thread.start()
    inside.wait()
    closer = threading.Thread(target=file_db.close)
    closer.start()
    closer.join(timeout=0.2)
    assert closer.is_alive(), "close() returned while a transaction was in flight"
    release.set()
    thread.join()
    closer.join()
    with cwdb.connect(file_db.path) as again:
        assert again.initiatives.find_by_id(committed[0]) is not None


def test_a_fresh_memory_database_copies_the_template_instead_of_migrating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cwdb.connect(":memory:").close()

    def refuse(self: Migrator) -> list[str]:
        raise AssertionError("a fresh :memory: database ran the migrations again")

    monkeypatch.setattr(Migrator, "apply_pending", refuse)
    with cwdb.connect(":memory:") as db:
        assert db.schema_version == LATEST
        assert initiative(db).name


def _every_call(db: cwdb.Database) -> list[tuple[str, object]]:
    """One call of every public method of every repository, with plausible arguments."""
    calls: list[tuple[str, object]] = []
    samples: dict[str, object] = {
        "id": "x", "status": "active", "agent_ids": [], "project_ids": [], "chunks": [],
        "cutoff": datetime.now(UTC), "until": datetime.now(UTC), "provider": "claude",
    }  # fmt: skip
    for attribute, port in PORTS.items():
        repository = getattr(db, attribute)
        for name in sorted(public_methods(port)):
            method = getattr(repository, name)
            parameters = list(inspect.signature(method).parameters.values())
            arguments = [
                samples.get(p.name, "x")
                for p in parameters
                if p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            calls.append((f"{attribute}.{name}", lambda m=method, a=arguments: m(*a)))
    return calls


def test_every_repository_method_after_close_raises_a_cwdb_error(db: cwdb.Database) -> None:
    initiative(db)
    db.close()
    for name, call in _every_call(db):
        # A ValidationError of the sample arguments is a cwdb.Error too: what
        # must never happen is success or a raw apsw exception.
        with pytest.raises(cwdb.Error):
            result = call()  # type: ignore[operator]
            if inspect.isgenerator(result):
                next(result)
        assert name


def test_connections_of_finished_threads_are_closed(file_db: cwdb.Database) -> None:
    def use() -> None:
        file_db.initiatives.find_all()

    for _ in range(50):
        thread = threading.Thread(target=use)
        thread.start()
        thread.join()
    use()
    assert len(file_db._runner._sessions) <= 2


def test_migrate_false_also_warns_about_a_readable_file(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cwdb.connect(db_path).close()
    os.chmod(db_path, 0o640)
    with caplog.at_level(logging.WARNING, logger="cwdb"), cwdb.connect(db_path, migrate=False):
        pass
    assert "640" in caplog.text


def test_a_file_only_writable_by_the_group_is_not_called_readable(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cwdb.connect(db_path).close()
    os.chmod(db_path, 0o620)
    with caplog.at_level(logging.WARNING, logger="cwdb"), cwdb.connect(db_path):
        pass
    assert "can read" not in caplog.text


# -- what a new user trips over ------------------------------------------------------


def test_a_directory_is_refused_by_name_without_a_mode_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir(mode=0o755)
    with (
        caplog.at_level(logging.WARNING, logger="cwdb"),
        pytest.raises(cwdb.Error, match="is a directory, not a database file"),
    ):
        cwdb.connect(folder)
    assert caplog.records == []


@pytest.mark.parametrize("migrate", [True, False])
def test_a_readable_file_that_is_not_a_database_fails_without_a_mode_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, migrate: bool
) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"not a database at all, " * 200)
    os.chmod(path, 0o644)
    with (
        caplog.at_level(logging.WARNING, logger="cwdb"),
        pytest.raises(cwdb.Error, match="file is not a database"),
    ):
        cwdb.connect(path, migrate=migrate)
    assert caplog.records == []


@pytest.mark.parametrize("value", ["5", -1, 2.5, True, None])
def test_a_busy_timeout_that_is_not_a_count_of_milliseconds_is_refused(value: object) -> None:
    with pytest.raises(cwdb.ValidationError, match=r"^busy_timeout_ms: expected a whole number"):
        cwdb.connect(":memory:", busy_timeout_ms=value)  # type: ignore[arg-type]


def test_a_write_refused_as_read_only_names_the_database_not_the_driver(
    file_db: cwdb.Database, db_path: Path
) -> None:
    # query_only makes SQLite refuse writes exactly as for a 0400 file (SQLITE_READONLY);
    # chmod cannot, as the tests may run as root.
    file_db._runner.session().connection.pragma("query_only", True)
    with pytest.raises(cwdb.Error) as raised:
        file_db.initiatives.create(name="x")
    message = str(raised.value)
    assert message.startswith(f"cannot write to database {str(db_path)!r}: it is read-only")
    assert "ReadOnlyError" not in message
