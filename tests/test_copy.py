"""``python -m cwdb copy``: SQLite to PostgreSQL and back, all or nothing, verified.

Real files and the real PostgreSQL server of ``pg_server``; failures are
injected through real data (a row PostgreSQL cannot store, a trigger that
changes what is written) or a KeyboardInterrupt from the progress callback.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from pathlib import Path
from typing import Any

import apsw
import psycopg
import pytest

import cwdb
from cwdb import cli
from cwdb.adapters.apsw.migrator import Migrator, shipped_migrations
from cwdb.ops.copy import TABLES, CopyError, canonical_json, copy_database
from tests.support.busy import build_busy
from tests.support.postgres_server import PostgresServer

#: The repositories that can list every record (find_all).
LISTINGS = (
    "initiatives", "projects", "phases", "tasks", "accounts", "agents", "messages",
    "proposals", "pages",
)  # fmt: skip
JSON_COLUMNS = {(t.name, c) for t in TABLES for c in t.json}


def raw_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every cwdb table with its rowid, read by plain SQL; JSON parsed."""
    connection = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        found = {}
        for table in TABLES:
            names = [row[1] for row in connection.execute(f"PRAGMA table_info({table.name})")]
            rows = connection.execute(f"SELECT rowid, * FROM {table.name} ORDER BY rowid")
            found[table.name] = [
                tuple(
                    json.loads(value) if (table.name, name) in JSON_COLUMNS and value else value
                    for name, value in zip(["rowid", *names], row, strict=True)
                )
                for row in rows
            ]
        return found
    finally:
        connection.close()


def pg_rowids(url: str) -> dict[str, list[int]]:
    with psycopg.connect(url) as connection:
        return {
            table.name: [
                row[0]
                for row in connection.execute(f"SELECT rowid FROM {table.name} ORDER BY rowid")
            ]
            for table in TABLES
        }


def records(target: str | Path) -> dict[str, Any]:
    """What the repositories give back: the listings, plus the rest by their parents."""
    with cwdb.connect(target, migrate=False) as db:
        found: dict[str, Any] = {name: getattr(db, name).find_all() for name in LISTINGS}
        agents = [agent.id for agent in found["agents"]]
        found["log_chunks"] = db.log_chunks.find_by_agent_ids(agents)
        found["conversations"] = [db.conversations.find_by_from_agent_id(a) for a in agents]
        found["errands"] = db.errands.find_all()
        phases = [phase.id for phase in found["phases"]]
        found["review_comments"] = [db.review_comments.find_by_phase_id(p) for p in phases]
        found["dependencies"] = [db.phases.get_dependencies(p) for p in phases]
        found["chats"] = [
            db.chat_sessions.find_messages_by_session_id(session.id)
            for p in phases
            for session in [db.chat_sessions.find_active_session("phase", p)]
            if session is not None
        ]
        found["schema"] = db.schema_version
        return found


def row_counts(path: Path) -> dict[str, int]:
    return {table: len(rows) for table, rows in raw_rows(path).items()}


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("busy") / "busy.db"
    build_busy(path)
    return path


# -- round trips ----------------------------------------------------------------


def test_sqlite_to_postgresql_to_sqlite_keeps_every_row(
    busy: Path, tmp_path: Path, pg_server: PostgresServer
) -> None:
    url = pg_server.create_database()
    back = tmp_path / "back.db"
    there = copy_database(str(busy), url)
    home = copy_database(url, str(back))

    source = raw_rows(busy)
    assert all(source[table.name] for table in TABLES), "every table holds rows"
    assert raw_rows(back) == source
    assert pg_rowids(url) == {t: [row[0] for row in rows] for t, rows in source.items()}
    assert records(url) == records(busy) == records(back)
    assert dict(there.rows) == dict(home.rows) == {t: len(r) for t, r in source.items()}
    assert there.migrated == tuple(m.id for m in shipped_migrations())


def test_postgresql_identity_continues_after_the_copied_rowids(
    busy: Path, pg_server: PostgresServer
) -> None:
    url = pg_server.create_database()
    copy_database(str(busy), url)
    with cwdb.connect(url) as db:
        db.initiatives.create(name="new on the server")
    rowids = pg_rowids(url)["initiatives"]
    assert rowids[-1] == max(row[0] for row in raw_rows(busy)["initiatives"]) + 1


def test_postgresql_rowid_gaps_come_back_as_sqlite_rowids(
    tmp_path: Path, pg_server: PostgresServer
) -> None:
    url = pg_server.create_database()
    with cwdb.connect(url) as db:
        made = [db.initiatives.create(name=f"i{n}") for n in range(5)]
        db.initiatives.delete(made[1].id)
        db.initiatives.delete(made[3].id)
    copy_database(url, str(tmp_path / "back.db"))
    assert [row[0] for row in raw_rows(tmp_path / "back.db")["initiatives"]] == pg_rowids(url)[
        "initiatives"
    ]
    assert records(tmp_path / "back.db")["initiatives"] == records(url)["initiatives"]


def test_sqlite_to_sqlite_is_the_same_rows(busy: Path, tmp_path: Path) -> None:
    copy_database(str(busy), str(tmp_path / "copy.db"))
    assert raw_rows(tmp_path / "copy.db") == raw_rows(busy)
    assert (tmp_path / "copy.db").stat().st_mode & 0o777 == 0o600


def test_postgresql_to_postgresql(busy: Path, pg_server: PostgresServer) -> None:
    first, second = pg_server.create_database(), pg_server.create_database()
    copy_database(str(busy), first)
    copy_database(first, second)
    assert records(second) == records(busy)


def test_an_empty_source_copies_into_a_migrated_destination(tmp_path: Path) -> None:
    cwdb.ensure_schema(tmp_path / "empty.db")
    report = copy_database(str(tmp_path / "empty.db"), str(tmp_path / "copy.db"))
    assert report.total == 0
    with cwdb.connect(tmp_path / "copy.db", migrate=False) as db:
        assert db.schema_version == shipped_migrations()[-1].id


def test_json_from_postgresql_is_written_to_sqlite_as_cwdb_writes_it(
    tmp_path: Path, pg_server: PostgresServer
) -> None:
    url = pg_server.create_database()
    with cwdb.connect(url) as db:
        agent = db.agents.create(name="a", worktree_id="w", provider="p")
        db.agents.update(agent.id, result={"ok": True, "note": "é", "n": [1, 2.5]})
    copy_database(url, str(tmp_path / "back.db"))
    connection = apsw.Connection(str(tmp_path / "back.db"))
    stored = connection.execute("SELECT result FROM agents").fetchall()
    connection.close()
    # jsonb prints {"n": [1, 2.5], "ok": true, "note": "é"}; cwdb writes no spaces.
    assert stored == [('{"n":[1,2.5],"ok":true,"note":"é"}',)]


def test_canonical_json_is_the_same_for_jsonb_and_the_text_sqlite_kept() -> None:
    assert canonical_json('{"b": 1e2, "a": [1.50, "é"]}') == canonical_json(
        '{"a":[1.5,"\\u00e9"],"b":100}'
    )
    assert canonical_json('{"a": 1}') != canonical_json('{"a": 2}')


# -- refusals ---------------------------------------------------------------------


def test_a_destination_with_data_is_refused_and_left_alone(busy: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest.db"
    with cwdb.connect(dest) as db:
        db.initiatives.create(name="already here")
    before = raw_rows(dest)
    with pytest.raises(CopyError, match="not empty: initiatives \\(1 rows\\)"):
        copy_database(str(busy), str(dest))
    assert raw_rows(dest) == before


def test_a_postgresql_destination_with_data_is_refused(
    busy: Path, pg_server: PostgresServer
) -> None:
    url = pg_server.create_database()
    with cwdb.connect(url) as db:
        db.log_chunks.insert_chunks([{"agent_id": "a", "agent_name": "a", "content": "x"}])
    with pytest.raises(CopyError, match="not empty: agent_log_chunks"):
        copy_database(str(busy), url)
    assert sum(map(len, pg_rowids(url).values())) == 1


def test_a_destination_at_another_schema_version_is_refused(busy: Path, tmp_path: Path) -> None:
    dest = tmp_path / "newer.db"
    cwdb.ensure_schema(dest)
    connection = apsw.Connection(str(dest))
    connection.execute(
        "INSERT INTO _yoyo_migration VALUES ('f00d', '0004_from_the_future', '2030-01-01')"
    )
    connection.close()
    before = raw_rows(dest)
    with pytest.raises(CopyError, match=r"another schema version.*0004_from_the_future"):
        copy_database(str(busy), str(dest))
    assert raw_rows(dest) == before


def test_a_source_that_is_behind_is_refused_with_the_command_to_migrate_it(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.db"
    connection = apsw.Connection(str(old))
    Migrator(connection, shipped_migrations()[:1]).apply_pending()
    connection.close()
    with pytest.raises(CopyError, match=r"lacks migrations 0002.*python -m cwdb migrate"):
        copy_database(str(old), str(tmp_path / "dest.db"))
    assert not (tmp_path / "dest.db").exists()


def test_a_source_that_is_not_cwdb_is_refused(tmp_path: Path) -> None:
    apsw.Connection(str(tmp_path / "other.db")).execute("CREATE TABLE t (x)")
    with pytest.raises(CopyError, match="not a cwdb database"):
        copy_database(str(tmp_path / "other.db"), str(tmp_path / "dest.db"))


def test_a_database_is_not_copied_onto_itself(busy: Path) -> None:
    with pytest.raises(CopyError, match="both the source and the destination"):
        copy_database(str(busy), str(busy))


# -- all or nothing -----------------------------------------------------------------


def assert_empty_and_migrated(target: str | Path) -> None:
    with cwdb.connect(target, migrate=False) as db:
        assert db.schema_version == shipped_migrations()[-1].id
    if isinstance(target, Path):
        assert all(not rows for rows in raw_rows(target).values())
    else:
        assert all(not rowids for rowids in pg_rowids(target).values())


def interrupt_after(batches: int, during: str = "copy") -> Any:
    """A progress callback that presses Ctrl-C at the n-th batch of a phase."""
    seen = []

    def progress(phase: str, table: str, rows: int) -> None:
        if phase == during:
            seen.append(table)
        if len(seen) == batches:
            raise KeyboardInterrupt

    return progress


@pytest.mark.parametrize("during", ["copy", "verify"])
def test_ctrl_c_mid_copy_leaves_a_sqlite_destination_empty(
    busy: Path, tmp_path: Path, during: str
) -> None:
    dest = tmp_path / "dest.db"
    with pytest.raises(KeyboardInterrupt):
        copy_database(str(busy), str(dest), batch_size=3, progress=interrupt_after(20, during))
    assert_empty_and_migrated(dest)


@pytest.mark.parametrize("during", ["copy", "verify"])
def test_ctrl_c_mid_copy_leaves_a_postgresql_destination_empty(
    busy: Path, pg_server: PostgresServer, during: str
) -> None:
    url = pg_server.create_database()
    with pytest.raises(KeyboardInterrupt):
        copy_database(str(busy), url, batch_size=3, progress=interrupt_after(20, during))
    assert_empty_and_migrated(url)
    copy_database(str(busy), url)  # and the copy can simply be run again
    assert records(url) == records(busy)


def test_ctrl_c_mid_copy_from_postgresql_leaves_the_source_usable(
    busy: Path, tmp_path: Path, pg_server: PostgresServer
) -> None:
    url = pg_server.create_database()
    copy_database(str(busy), url)
    with pytest.raises(KeyboardInterrupt):
        copy_database(url, str(tmp_path / "dest.db"), batch_size=3, progress=interrupt_after(20))
    assert_empty_and_migrated(tmp_path / "dest.db")
    copy_database(url, str(tmp_path / "dest.db"))  # the same destination, again
    assert raw_rows(tmp_path / "dest.db") == raw_rows(busy)


def test_a_row_postgresql_cannot_store_rolls_the_whole_copy_back(
    busy: Path, tmp_path: Path, pg_server: PostgresServer
) -> None:
    source = tmp_path / "nul.db"
    copy_database(str(busy), str(source))
    with cwdb.connect(source) as db:
        agent = db.agents.find_all()[0]
        db.log_chunks.insert_chunks(
            [{"agent_id": agent.id, "agent_name": agent.name, "content": "a NUL: \x00"}]
        )
    url = pg_server.create_database()
    with pytest.raises(cwdb.Error, match="agent_log_chunks"):
        copy_database(str(source), url)
    assert_empty_and_migrated(url)


def test_a_failed_verification_names_the_table_and_rolls_back(busy: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest.db"
    cwdb.ensure_schema(dest)
    connection = apsw.Connection(str(dest))
    connection.execute(
        "CREATE TRIGGER garble AFTER INSERT ON review_comments BEGIN "
        "UPDATE review_comments SET body = 'garbled' WHERE rowid = new.rowid; END"
    )
    connection.close()
    with pytest.raises(CopyError, match="verification failed: the rows of review_comments"):
        copy_database(str(busy), str(dest))
    assert_empty_and_migrated(dest)


# -- a source that keeps changing ----------------------------------------------------


class Writer:
    """A thread adding an initiative and its phase in one transaction, again and again."""

    def __init__(self, target: str | Path) -> None:
        self.target = target
        self.done = 0
        self.started = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with cwdb.connect(self.target) as db:
                while not self.stop.is_set():
                    with db.transaction():
                        made = db.initiatives.create(name=f"written during the copy {self.done}")
                        db.phases.create(initiative_id=made.id, name="its phase")
                    self.done += 1
                    if self.done == 20:
                        self.started.set()
        except BaseException as error:
            self.error = error
            self.started.set()

    def progress(self, phase: str, table: str, rows: int) -> None:
        """On the first batch, start writing and wait until 20 transactions committed."""
        if not self.thread.is_alive() and not self.stop.is_set():
            self.thread.start()
            assert self.started.wait(30)

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(30)
        assert self.error is None


@pytest.fixture
def paired_source(tmp_path: Path) -> Path:
    path = tmp_path / "paired.db"
    with cwdb.connect(path) as db:
        for n in range(30):
            made = db.initiatives.create(name=f"initiative {n}")
            db.phases.create(initiative_id=made.id, name="phase")
    return path


def assert_consistent_snapshot(copied: dict[str, Any], written: int) -> None:
    """The copy is the source as it was when the copy began: none of the writer's pairs."""
    initiatives, phases = copied["initiatives"], copied["phases"]
    assert written >= 20
    assert len(initiatives) == len(phases) == 30
    assert {phase.initiative_id for phase in phases} == {i.id for i in initiatives}


def test_a_sqlite_source_is_copied_as_of_one_instant_while_it_is_written(
    paired_source: Path, tmp_path: Path
) -> None:
    writer = Writer(paired_source)
    try:
        copy_database(str(paired_source), str(tmp_path / "dest.db"), progress=writer.progress)
    finally:
        writer.finish()
    assert_consistent_snapshot(records(tmp_path / "dest.db"), writer.done)


def test_a_postgresql_source_is_copied_as_of_one_instant_while_it_is_written(
    paired_source: Path, tmp_path: Path, pg_server: PostgresServer
) -> None:
    url = pg_server.create_database()
    copy_database(str(paired_source), url)
    writer = Writer(url)
    try:
        copy_database(url, str(tmp_path / "dest.db"), progress=writer.progress)
    finally:
        writer.finish()
    assert_consistent_snapshot(records(tmp_path / "dest.db"), writer.done)


# -- the command -------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.run(["copy", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_copy_command_reports_rows_rate_and_verification(
    busy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(capsys, str(busy), str(tmp_path / "dest.db"))
    assert status == 0, err
    total = sum(row_counts(busy).values())
    assert f"copied {total:,} rows of 19 tables from {busy} to {tmp_path / 'dest.db'}" in out
    assert "rows/s" in out
    assert "verified" in out
    assert "migrated" in out
    assert err == ""  # stderr is not a terminal: no progress bar


def test_copy_command_quiet_prints_nothing(
    busy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "--quiet", str(busy), str(tmp_path / "dest.db")) == (0, "", "")
    assert row_counts(tmp_path / "dest.db") == row_counts(busy)


def test_copy_command_refusal_is_one_line_and_exit_status_1(
    busy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(capsys, "--quiet", str(busy), str(busy))
    assert (status, out) == (1, "")
    assert err.startswith("cwdb: error: ")
    assert err.count("\n") == 1


def test_copy_command_never_prints_a_password(
    busy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], pg_server: PostgresServer
) -> None:
    url = "postgresql://cwdb:s3cret-pw@/nowhere?host=" + str(tmp_path)
    status, out, err = run_cli(capsys, str(busy), url)
    assert status == 1
    assert "s3cret-pw" not in out + err
    assert "***" in err


def test_copy_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["copy", "--help"]) == 0
    out = capsys.readouterr().out
    assert "SRC" in out
    assert "DEST" in out
    assert "--quiet" in out


def test_progress_is_told_every_row(busy: Path, tmp_path: Path) -> None:
    told: dict[str, int] = {}
    totals: list[int] = []

    def progress(phase: str, table: str, rows: int) -> None:
        told[phase] = told.get(phase, 0) + rows

    copy_database(
        str(busy), str(tmp_path / "dest.db"), batch_size=7, progress=progress,
        counted=totals.append,
    )  # fmt: skip
    total = sum(row_counts(busy).values())
    assert totals == [total]
    assert told == {"copy": total, "verify": total}


class _Terminal(io.StringIO):
    """stderr as a terminal (isatty), keeping what is written to it."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet", [False, True])
def test_copy_command_shows_a_progress_bar_on_a_terminal_unless_quiet(
    busy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    options = ["--quiet"] if quiet else []
    assert cli.run(["copy", *options, str(busy), str(tmp_path / "dest.db")]) == 0
    shown = terminal.getvalue()
    if quiet:
        assert shown == ""
    else:
        assert "copying" in shown
        assert "verifying" in shown
