"""``python -m cwdb``: status, migrate, backup, review (docs/reference.md §8).

The commands run as subprocesses in a temporary folder outside the checkout
(no ``yoyo.ini`` there): the installed package must find its migrations and
SQL on its own.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import apsw
import pytest

import cwdb
from cwdb import cli
from cwdb.adapters.apsw.migrator import shipped_migrations
from cwdb.ops.sqlite.status import read_status
from tests.support.factories import initiative
from tests.support.helpers import corrupt_database

#: Every migration this version ships, oldest first.
MIGRATIONS = [m.id for m in shipped_migrations()]
SENTINEL = "sk-sentinel-9f3b7c1d-never-print-me"
TABLES = [
    "initiatives", "phases", "phase_dependencies", "tasks", "task_dependencies", "agents",
    "accounts", "proposals", "pages", "projects", "initiative_projects", "messages",
    "agent_log_chunks", "conversations", "chat_sessions", "chat_messages", "change_sets",
    "errands", "review_comments",
]  # fmt: skip


def cwdb_command(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cwdb", *(str(a) for a in args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_failed_in_one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert result.stderr.startswith("cwdb: error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def cwdb_into_closed_pipe(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a command whose stdout is a pipe nobody reads (``cwdb ... | true``).

    The read end is closed before the command starts, so its first write
    meets a broken pipe every time (no race with the reader).
    """
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "cwdb", *(str(a) for a in args)],
            cwd=cwd,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def row_count_line(stdout: str, table: str) -> str:
    (line,) = [line for line in stdout.splitlines() if line.split()[:1] == [table]]
    return " ".join(line.split())


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The working directory of the commands: empty, outside the checkout."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture
def populated(work: Path) -> Path:
    """./cw.db with two initiatives, three log chunks and a secret credential."""
    path = work / "cw.db"
    with cwdb.connect(path) as db:
        initiative(db)
        initiative(db)
        db.log_chunks.insert_chunks(
            {"agent_id": "a", "agent_name": "n", "content": str(i)} for i in range(3)
        )
        db.accounts.create(email="ops@example.com", credentials=SENTINEL, config_json=SENTINEL)
    return path


def empty_sqlite_file(path: Path) -> None:
    """A SQLite database with no cwdb migrations applied (behind by all)."""
    connection = apsw.Connection(str(path))
    connection.execute("CREATE TABLE unrelated (x INTEGER)")
    connection.close()


# -- help and arguments ---------------------------------------------------------


def test_help_lists_every_command(work: Path) -> None:
    result = cwdb_command(work, "--help")
    assert result.returncode == 0
    for command in ("status", "migrate", "backup", "review"):
        assert f"    {command} " in result.stdout


@pytest.mark.parametrize("command", ["status", "migrate", "backup", "review"])
def test_every_command_has_help(work: Path, command: str) -> None:
    result = cwdb_command(work, command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: python -m cwdb {command}")
    assert not list(work.iterdir())


@pytest.mark.parametrize("command", ["status", "migrate"])
def test_database_option_defaults_to_cw_db_in_the_working_directory(
    work: Path, command: str
) -> None:
    assert "default: ./cw.db" in cwdb_command(work, command, "--help").stdout


def test_migrate_without_database_makes_cw_db_in_the_working_directory(work: Path) -> None:
    assert cwdb_command(work, "migrate").returncode == 0
    assert (work / "cw.db").exists()


def test_version_prints_the_package_version(work: Path) -> None:
    result = cwdb_command(work, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"cwdb {cwdb.__version__}"


def test_no_command_is_an_argument_error_with_the_usage(work: Path) -> None:
    result = cwdb_command(work)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: python -m cwdb")


# -- migrate --------------------------------------------------------------------


def test_migrate_creates_a_private_file_and_prints_what_it_applied(work: Path) -> None:
    result = cwdb_command(work, "migrate", "--database", "new.db")
    assert result.returncode == 0, result.stderr
    assert [f"applied {m}" for m in MIGRATIONS] == [
        line for line in result.stdout.splitlines() if line.startswith("applied")
    ]
    assert f"created {work / 'new.db'} (mode 0600)" in result.stdout
    assert mode_of(work / "new.db") == 0o600
    with cwdb.connect(work / "new.db", migrate=False) as db:
        assert db.schema_version == MIGRATIONS[-1]


def test_migrate_of_an_up_to_date_database_applies_nothing(populated: Path) -> None:
    before = digest(populated)
    result = cwdb_command(populated.parent, "migrate")
    assert result.returncode == 0
    assert "applied" not in result.stdout
    assert result.stdout.startswith("nothing to apply")
    assert digest(populated) == before


def test_migrate_brings_a_behind_database_up_to_date(work: Path) -> None:
    empty_sqlite_file(work / "cw.db")
    result = cwdb_command(work, "migrate")
    assert result.returncode == 0
    assert f"applied {MIGRATIONS[0]}" in result.stdout.splitlines()
    assert "created" not in result.stdout


def test_migrate_into_a_missing_folder_fails_in_one_line(work: Path) -> None:
    message = assert_failed_in_one_line(cwdb_command(work, "migrate", "--database", "no/cw.db"))
    assert str(work / "no" / "cw.db") in message


# -- status ---------------------------------------------------------------------


def test_status_prints_migrations_row_counts_and_sizes(populated: Path) -> None:
    result = cwdb_command(populated.parent, "status")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"database  {populated}" in out.splitlines()
    for migration in MIGRATIONS:
        assert f"applied  {migration}" in out
    assert "pending" not in out
    assert row_count_line(out, "initiatives") == "initiatives 2"
    assert row_count_line(out, "agent_log_chunks") == "agent_log_chunks 3"
    assert row_count_line(out, "accounts") == "accounts 1"
    for table in TABLES:
        row_count_line(out, table)
    assert f"file      {populated.stat().st_size:,} bytes" in out
    assert "wal       " in out


def test_status_reports_the_size_of_a_live_wal(populated: Path) -> None:
    with cwdb.connect(populated) as db:
        initiative(db)
        wal = Path(f"{populated}-wal").stat().st_size
        result = cwdb_command(populated.parent, "status")
    assert wal > 0
    assert f"wal       {wal:,} bytes" in result.stdout
    assert row_count_line(result.stdout, "initiatives") == "initiatives 3"


def test_status_writes_nothing_to_the_database_file(populated: Path) -> None:
    before = digest(populated)
    assert cwdb_command(populated.parent, "status").returncode == 0
    assert digest(populated) == before


def test_status_of_a_missing_file_fails_in_one_line_and_creates_nothing(work: Path) -> None:
    message = assert_failed_in_one_line(cwdb_command(work, "status"))
    assert str(work / "cw.db") in message
    assert "does not exist" in message
    assert ", ".join(MIGRATIONS) in message
    assert not list(work.iterdir())


def test_status_of_a_behind_database_lists_what_is_pending(work: Path) -> None:
    empty_sqlite_file(work / "cw.db")
    before = digest(work / "cw.db")
    result = cwdb_command(work, "status")
    assert result.returncode == 0, result.stderr
    for migration in MIGRATIONS:
        assert f"pending  {migration}" in result.stdout
    assert "applied" not in result.stdout
    assert row_count_line(result.stdout, "tasks") == "tasks no table (pending migration)"
    assert digest(work / "cw.db") == before


def test_status_of_a_database_ahead_names_the_unknown_migration(populated: Path) -> None:
    connection = apsw.Connection(str(populated))
    connection.execute(
        "INSERT INTO _yoyo_migration VALUES ('f00', '9999_from_the_future', '2999-01-01')"
    )
    connection.close()
    result = cwdb_command(populated.parent, "status")
    assert result.returncode == 0
    assert f"applied  {MIGRATIONS[-1]}" in result.stdout
    assert "unknown  9999_from_the_future" in result.stdout


# -- backup ---------------------------------------------------------------------


def test_backup_writes_a_private_copy(populated: Path) -> None:
    result = cwdb_command(populated.parent, "backup", "cw.db", "copy.db")
    assert result.returncode == 0, result.stderr
    copy = populated.parent / "copy.db"
    assert f"to {copy}" in result.stdout
    assert mode_of(copy) == 0o600
    with cwdb.connect(copy, migrate=False) as db:
        assert len(db.initiatives.find_all()) == 2


def test_backup_to_an_existing_file_fails_in_one_line_and_leaves_it(populated: Path) -> None:
    dest = populated.parent / "taken.db"
    dest.write_bytes(b"keep me")
    message = assert_failed_in_one_line(
        cwdb_command(populated.parent, "backup", "cw.db", "taken.db")
    )
    assert str(dest) in message
    assert "already exists" in message
    assert dest.read_bytes() == b"keep me"


def test_backup_of_a_missing_source_fails_and_creates_nothing(work: Path) -> None:
    message = assert_failed_in_one_line(cwdb_command(work, "backup", "cw.db", "copy.db"))
    assert str(work / "cw.db") in message
    assert not list(work.iterdir())


def test_backup_of_a_behind_database_copies_it_without_migrating(work: Path) -> None:
    empty_sqlite_file(work / "cw.db")
    before = digest(work / "cw.db")
    assert cwdb_command(work, "backup", "cw.db", "copy.db").returncode == 0
    assert digest(work / "cw.db") == before
    copy = apsw.Connection(str(work / "copy.db"))
    names = [row[0] for row in copy.execute("SELECT name FROM sqlite_schema")]
    copy.close()
    assert names == ["unrelated"]


# -- failures -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [("status",), ("migrate",), ("backup", "cw.db", "copy.db")], ids=lambda a: a[0]
)
def test_a_file_that_is_not_a_database_fails_in_one_line(work: Path, args: tuple[str]) -> None:
    (work / "cw.db").write_bytes(b"this is not a database, " * 100)
    message = assert_failed_in_one_line(cwdb_command(work, *args))
    assert str(work / "cw.db") in message
    assert not (work / "copy.db").exists()


def test_no_output_ever_contains_a_stored_credential(populated: Path) -> None:
    work = populated.parent
    (work / "taken.db").write_bytes(b"")
    runs = [
        ("status",),
        ("migrate",),
        ("backup", "cw.db", "copy.db"),
        ("backup", "cw.db", "taken.db"),
        ("status", "--database", "copy.db"),
        ("review",),
        ("--help",),
    ]
    for args in runs:
        result = cwdb_command(work, *args)
        assert SENTINEL not in result.stdout + result.stderr, args
    assert SENTINEL.encode() in (work / "copy.db").read_bytes()


def test_an_unexpected_failure_is_one_line_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli, "_status", broken)
    assert cli.run(["status"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "cwdb: error: RuntimeError: boom second line\n"
    assert captured.out == ""


# -- review ---------------------------------------------------------------------


def test_review_delegates_to_cwdb_review_with_the_database_path(
    monkeypatch: pytest.MonkeyPatch, populated: Path, tmp_path: Path
) -> None:
    monkeypatch.chdir(populated.parent)
    calls: list[str | None] = []

    def run(database: str | None, out: object = None, *, extra: object = ()) -> int:
        calls.append(database)
        return 3

    from cwdb.ops.sqlite import review

    monkeypatch.setattr(review, "run", run)
    assert cli.run(["review", "--database", "cw.db"]) == 3
    assert cli.run(["review"]) == 3  # ./cw.db, the default, exists here
    monkeypatch.chdir(tmp_path)
    assert cli.run(["review"]) == 3  # no ./cw.db: production-like statistics
    assert calls == [str(populated), str(populated), None]


def test_a_warning_of_a_command_that_succeeds_is_printed_as_one_line(populated: Path) -> None:
    os.chmod(populated, 0o644)
    result = cwdb_command(populated.parent, "migrate")
    assert result.returncode == 0
    assert result.stderr.startswith("cwdb: warning: database ")
    assert "has mode 644" in result.stderr
    assert result.stderr.count("\n") == 1


def test_review_plans_on_the_database_given(populated: Path) -> None:
    result = cwdb_command(populated.parent, "review", "--database", "cw.db")
    assert result.returncode in (0, 1)  # 1: the review found a query to fix
    assert result.stdout.startswith("cwdb review: ")
    assert "-- _status.count_agent_log_chunks" in result.stdout
    assert result.stderr == ""


def test_review_of_a_missing_database_fails_in_one_line_and_creates_nothing(work: Path) -> None:
    message = assert_failed_in_one_line(cwdb_command(work, "review", "--database", "cw.db"))
    assert str(work / "cw.db") in message
    assert not list(work.iterdir())


def test_status_counts_every_table_of_the_schema(populated: Path) -> None:
    connection = apsw.Connection(str(populated))
    tables = {
        str(row[0])
        for row in connection.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
        if "yoyo" not in str(row[0])
    }
    connection.close()
    counted = [table for table, _ in read_status(str(populated)).rows]
    assert sorted(counted) == sorted(tables)
    assert counted == TABLES


# -- a reader that went away -------------------------------------------------------


@pytest.mark.parametrize("args", [("status",), ("review",), ("review", "--database", "cw.db")])
def test_a_closed_output_pipe_is_not_a_failure_and_prints_nothing(
    populated: Path, args: tuple[str, ...]
) -> None:
    expected = cwdb_command(populated.parent, *args).returncode
    result = cwdb_into_closed_pipe(populated.parent, *args)
    assert (result.returncode, result.stderr) == (expected, "")


def test_migrate_into_a_closed_pipe_applies_everything_and_exits_0(work: Path) -> None:
    result = cwdb_into_closed_pipe(work, "migrate", "--database", "x.db")
    assert (result.returncode, result.stderr) == (0, "")
    assert read_status(str(work / "x.db")).applied == tuple(MIGRATIONS)


def test_backup_into_a_closed_pipe_still_copies_and_exits_0(populated: Path) -> None:
    result = cwdb_into_closed_pipe(populated.parent, "backup", "cw.db", "copy.db")
    assert (result.returncode, result.stderr) == (0, "")
    assert (populated.parent / "copy.db").exists()


# -- one error format ----------------------------------------------------------------


def test_review_of_a_missing_database_uses_the_common_error_line(work: Path) -> None:
    message = assert_failed_in_one_line(cwdb_command(work, "review", "--database", "nope.db"))
    assert not message.startswith("cwdb review:")


def test_review_of_a_sqlite_file_that_is_not_cwdb_fails_in_one_line(work: Path) -> None:
    empty_sqlite_file(work / "other.db")
    result = cwdb_command(work, "review", "--database", "other.db")
    message = assert_failed_in_one_line(result)
    assert "is not a cwdb database" in message
    assert result.stdout == ""


@pytest.mark.parametrize("command", ["status", "migrate", "review"])
def test_a_directory_given_as_the_database_is_named_as_one(work: Path, command: str) -> None:
    (work / "folder").mkdir()
    message = assert_failed_in_one_line(cwdb_command(work, command, "--database", "folder"))
    assert f"{work / 'folder'}" in message
    assert "is a directory" in message
    assert "disk I/O error" not in message


def test_backup_of_a_directory_is_named_as_one(work: Path) -> None:
    (work / "folder").mkdir()
    message = assert_failed_in_one_line(cwdb_command(work, "backup", "folder", "copy.db"))
    assert "is a directory" in message
    assert not (work / "copy.db").exists()


# -- places the user may only read ----------------------------------------------------


def unwritable_wal_and_shm(database: Path) -> None:
    """Make the -wal and -shm of ``database`` impossible to create, as in a folder
    the user may only read (chmod cannot do it when the tests run as root):
    SQLite opens them with O_NOFOLLOW, so a dangling symlink refuses them."""
    for suffix in ("-wal", "-shm"):
        os.symlink(database.parent / "no-such-folder" / "file", f"{database}{suffix}")


def test_status_reads_a_database_whose_wal_and_shm_cannot_be_created(populated: Path) -> None:
    unwritable_wal_and_shm(populated)
    result = cwdb_command(populated.parent, "status")
    assert (result.returncode, result.stderr) == (0, "")
    assert row_count_line(result.stdout, "initiatives") == "initiatives 2"


def test_backup_reads_a_database_whose_wal_and_shm_cannot_be_created(populated: Path) -> None:
    unwritable_wal_and_shm(populated)
    result = cwdb_command(populated.parent, "backup", "cw.db", "copy.db")
    assert (result.returncode, result.stderr) == (0, "")
    assert read_status(str(populated.parent / "copy.db")).rows[0] == ("initiatives", 2)


def test_backup_of_a_corrupt_database_fails_in_one_line_and_leaves_no_copy(work: Path) -> None:
    corrupt_database(work / "cw.db")
    message = assert_failed_in_one_line(cwdb_command(work, "backup", "cw.db", "copy.db"))
    assert "copy.db" in message
    assert not (work / "copy.db").exists()
