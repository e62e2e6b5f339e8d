"""Migration 0003: the seed's rules, on every SQLite a DBA uses, and the data kept.

The seed (the original module's documentation) allows initiatives in
'pending_review' and tasks in 'quality_review', knows only the task type
'auto', lists proposal target types as page, phase, task, requires a
proposal's summary and content and an errand's project (deleted with it).
Every JSON check accepts NULL on SQLite 3.40 (Python's ``sqlite3``, Debian
12's shell) as on APSW's SQLite. Databases at 0002 keep every row and rowid;
rows the new rules cannot hold stop the migration before anything changes.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import apsw
import pytest
from yoyo import get_backend, read_migrations

import cwdb
from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.migrator import Migrator, shipped_migrations
from tests.support import factories
from tests.support.helpers import snapshot

ROOT = Path(__file__).resolve().parent.parent
YOYO = Path(sys.executable).parent / "yoyo"
SEED = "0003_seed_schema"
BEFORE_SEED = ["0001_initial_schema", "0002_log_chunks_agent_order"]

#: A DBA's minimal valid hand-written INSERT into every table, parents first.
#: Each is valid before 0003 as well, so the same rows seed a 0002 database.
MINIMAL_INSERTS = [
    "INSERT INTO initiatives (id, name, created_at, updated_at) VALUES ('i1', 'n', 0, 0)",
    "INSERT INTO phases (id, initiative_id, name, created_at, updated_at) "
    "VALUES ('ph1', 'i1', 'n', 0, 0), ('ph2', 'i1', 'n', 0, 0)",
    "INSERT INTO phase_dependencies (phase_id, depends_on_phase_id, created_at) "
    "VALUES ('ph2', 'ph1', 0)",
    "INSERT INTO tasks (id, phase_id, name, created_at, updated_at) "
    "VALUES ('t1', 'ph1', 'n', 0, 0), ('t2', 'ph1', 'n', 0, 0)",
    "INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at) "
    "VALUES ('t2', 't1', 0)",
    "INSERT INTO accounts (id, email, created_at, updated_at) VALUES ('ac1', 'a@x', 0, 0)",
    "INSERT INTO agents (id, name, worktree_id, created_at, updated_at) "
    "VALUES ('a1', 'dba-agent', 'w', 0, 0)",
    "INSERT INTO proposals (id, agent_id, initiative_id, target_type, title, summary, "
    "content, created_at, updated_at) VALUES ('pr1', 'a1', 'i1', 'page', 't', 's', 'c', 0, 0)",
    "INSERT INTO pages (id, initiative_id, title, created_at, updated_at) "
    "VALUES ('pg1', 'i1', 't', 0, 0)",
    "INSERT INTO projects (id, name, url, created_at, updated_at) "
    "VALUES ('pj1', 'n', 'https://git.example/n.git', 0, 0)",
    "INSERT INTO initiative_projects (initiative_id, project_id, created_at) "
    "VALUES ('i1', 'pj1', 0)",
    "INSERT INTO messages (id, sender_type, recipient_type, content, created_at, updated_at) "
    "VALUES ('m1', 'user', 'agent', 'hi', 0, 0)",
    "INSERT INTO agent_log_chunks (id, agent_id, agent_name, content, created_at) "
    "VALUES ('l1', 'a1', 'dba-agent', '{}', 0)",
    "INSERT INTO conversations (id, from_agent_id, to_agent_id, question, created_at, "
    "updated_at) VALUES ('c1', 'a1', 'a1', 'why?', 0, 0)",
    "INSERT INTO change_sets (id, initiative_id, created_at, updated_at) "
    "VALUES ('cs1', 'i1', 0, 0)",
    "INSERT INTO chat_sessions (id, target_type, target_id, initiative_id, created_at, "
    "updated_at) VALUES ('s1', 'phase', 'ph1', 'i1', 0, 0)",
    "INSERT INTO chat_messages (id, chat_session_id, role, content, created_at) "
    "VALUES ('cm1', 's1', 'user', 'hi', 0)",
    "INSERT INTO errands (id, description, branch, project_id, created_at, updated_at) "
    "VALUES ('e1', 'd', 'b', 'pj1', 0, 0)",
    "INSERT INTO review_comments (id, phase_id, file_path, line_number, line_type, body, "
    "created_at, updated_at) VALUES ('rc1', 'ph1', 'f.py', 1, 'added', 'b', 0, 0)",
]

#: (what is wrong, an INSERT that every SQLite must refuse) on top of MINIMAL_INSERTS.
BAD_INSERTS = [
    ("enum", "INSERT INTO initiatives (id, name, status, created_at, updated_at) "
     "VALUES ('x', 'n', 'bogus', 0, 0)"),
    ("old task type", "INSERT INTO tasks (id, name, type, created_at, updated_at) "
     "VALUES ('x', 'n', 'checkpoint:decision', 0, 0)"),
    ("boolean", "INSERT INTO initiatives (id, name, quality_review, created_at, updated_at) "
     "VALUES ('x', 'n', 2, 0, 0)"),
    ("json", "INSERT INTO agents (id, name, worktree_id, result, created_at, updated_at) "
     "VALUES ('x', 'n', 'w', '{not json', 0, 0)"),
    ("null project", "INSERT INTO errands (id, description, branch, created_at, updated_at) "
     "VALUES ('x', 'd', 'b', 0, 0)"),
    ("null summary", "INSERT INTO proposals (id, agent_id, initiative_id, target_type, "
     "title, content, created_at, updated_at) VALUES ('x', 'a1', 'i1', 'page', 't', 'c', 0, 0)"),
    ("dangling key", "INSERT INTO phases (id, initiative_id, name, created_at, updated_at) "
     "VALUES ('x', 'nope', 'n', 0, 0)"),
    ("text in an integer", "INSERT INTO tasks (id, name, created_at, updated_at) "
     "VALUES ('x', 'n', 'soon', 0)"),
]  # fmt: skip

Execute = Callable[[str], object]


def _sqlite3(path: Path) -> Iterator[Execute]:
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        yield connection.execute


def _apsw(path: Path) -> Iterator[Execute]:
    connection = apsw.Connection(str(path))
    try:
        connection.pragma("foreign_keys", True)
        yield connection.execute
    finally:
        connection.close()


#: The two SQLite builds a DBA meets: Python's own (3.40 on Debian 12) and APSW's.
SQLITES = {"sqlite3": _sqlite3, "apsw": _apsw}
sqlites = pytest.mark.parametrize("sqlite", list(SQLITES))


def sqlite_session(sqlite: str, path: Path) -> Iterator[Execute]:
    return SQLITES[sqlite](path)


def rows_of_every_table(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows with their rowids, and the applied migrations (through sqlite3)."""
    with closing(sqlite3.connect(path)) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('_yoyo_log', 'yoyo_lock') ORDER BY name"
            )
        ]
        return {
            table: connection.execute(f'SELECT rowid, * FROM "{table}" ORDER BY rowid').fetchall()
            for table in tables
        }


def schema_of(path: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()


def migrate_to_0002(path: Path) -> None:
    """A file at migration 0002, as a user who last ran the previous release has."""
    connection = connections.open_file(str(path), busy_timeout_ms=5000, create=True)
    try:
        Migrator(connection, shipped_migrations()[:2]).apply_pending()
    finally:
        connection.close()


def execute_all(path: Path, statements: list[str]) -> None:
    connection = apsw.Connection(str(path))
    try:
        for sql in statements:
            connection.execute(sql)
    finally:
        connection.close()


# -- the seed's values ---------------------------------------------------------------


def test_an_initiative_may_be_pending_review(db: cwdb.Database) -> None:
    made = factories.initiative(db, status="pending_review")
    assert db.initiatives.find_by_status(cwdb.InitiativeStatus.PENDING_REVIEW) == [made]
    assert db.initiatives.update(made.id, status="archived").status == "archived"


def test_a_task_may_be_in_quality_review(db: cwdb.Database) -> None:
    made = factories.task(db)
    assert db.tasks.update(made.id, status="quality_review").status == "quality_review"


def test_the_enums_list_the_seeds_values_in_the_seeds_order() -> None:
    assert list(cwdb.InitiativeStatus) == ["active", "pending_review", "completed", "archived"]
    assert list(cwdb.TaskStatus) == [
        "pending", "in_progress", "quality_review", "completed", "blocked"
    ]  # fmt: skip
    assert list(cwdb.TaskType) == ["auto"]
    assert list(cwdb.ProposalTargetType) == ["page", "phase", "task"]


def test_a_checkpoint_task_type_is_refused_before_any_write(db: cwdb.Database) -> None:
    fields = factories.task_fields(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=r"type: .*'auto'"):
        db.tasks.create(**fields, type="checkpoint:decision")
    assert snapshot(db) == before


@pytest.mark.parametrize("field", ["summary", "content"])
def test_a_proposal_needs_a_summary_and_content(db: cwdb.Database, field: str) -> None:
    fields = factories.proposal_fields(db)
    made = factories.proposal(db)
    before = snapshot(db)
    del fields[field]
    with pytest.raises(cwdb.ValidationError, match=rf"^missing required field: {field}$"):
        db.proposals.create(**fields)
    with pytest.raises(cwdb.ValidationError, match=field):
        db.proposals.update(made.id, **{field: None})
    assert snapshot(db) == before


def test_an_errand_needs_a_project(db: cwdb.Database) -> None:
    made = factories.errand(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=r"^missing required field: project_id$"):
        db.errands.create(id="e-new", description="d", branch="b")  # type: ignore[call-arg]
    with pytest.raises(cwdb.ValidationError, match="project_id"):
        db.errands.update(made.id, project_id=None)  # type: ignore[arg-type]
    assert snapshot(db) == before


# -- every SQLite a DBA uses ---------------------------------------------------------------


@sqlites
def test_a_dbas_minimal_insert_into_every_table_succeeds(db_path: Path, sqlite: str) -> None:
    cwdb.ensure_schema(db_path)
    for execute in sqlite_session(sqlite, db_path):
        for sql in MINIMAL_INSERTS:
            execute(sql)
    tables = rows_of_every_table(db_path)
    assert all(tables[table] for table in tables if not table.startswith("_yoyo")), tables
    with closing(sqlite3.connect(db_path)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


@sqlites
@pytest.mark.parametrize(("rule", "sql"), BAD_INSERTS, ids=[rule for rule, _ in BAD_INSERTS])
def test_a_dbas_bad_insert_is_refused_by_every_sqlite(
    db_path: Path, sqlite: str, rule: str, sql: str
) -> None:
    cwdb.ensure_schema(db_path)
    execute_all(db_path, MINIMAL_INSERTS)
    before = rows_of_every_table(db_path)
    for execute in sqlite_session(sqlite, db_path):
        with pytest.raises((sqlite3.IntegrityError, apsw.ConstraintError)):
            execute(sql)
    assert rows_of_every_table(db_path) == before, rule


@sqlites
def test_the_demos_database_passes_integrity_and_foreign_key_checks(
    tmp_path: Path, sqlite: str
) -> None:
    path = tmp_path / "demo.db"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for execute in sqlite_session(sqlite, path):
        assert list(execute("PRAGMA integrity_check")) == [("ok",)]  # type: ignore[call-overload]
        assert list(execute("PRAGMA foreign_key_check")) == []  # type: ignore[call-overload]
        agents = list(execute("SELECT count(*) FROM agents WHERE result IS NULL"))  # type: ignore[call-overload]
        assert agents[0][0] > 0, "the demo should leave an agent with a NULL JSON field"


def test_yoyos_stock_sqlite_backend_applies_0003_and_rolls_it_back(tmp_path: Path) -> None:
    path = tmp_path / "stock.db"
    migrate_to_0002(path)
    execute_all(path, MINIMAL_INSERTS)
    # 0001's JSON checks refuse NULL on SQLite 3.40: give the rows JSON values
    # that both schemas hold on every SQLite, so the rollback can restore them.
    execute_all(
        path,
        [
            "UPDATE agents SET result = 'null', pending_questions = '[]'",
            "UPDATE proposals SET metadata = '{}'",
        ],
    )
    before_schema, before_rows = schema_of(path), rows_of_every_table(path)
    migrations = read_migrations(str(ROOT / "migrations"))
    with get_backend(f"sqlite:///{path}") as backend:
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations))
        assert [m.id for m in backend.to_apply(migrations)] == []
        for execute in sqlite_session("sqlite3", path):
            assert list(execute("PRAGMA integrity_check")) == [("ok",)]  # type: ignore[call-overload]
            execute(
                "INSERT INTO agents (id, name, worktree_id, created_at, updated_at) "
                "VALUES ('a2', 'on-340', 'w', 0, 0)"
            )
            execute("DELETE FROM agents WHERE id = 'a2'")
        with backend.lock():
            backend.rollback_migrations(migrations.filter(lambda m: m.id == SEED))
    assert schema_of(path) == before_schema
    after = rows_of_every_table(path)
    assert after.pop("_yoyo_migration") == before_rows.pop("_yoyo_migration")
    assert after == before_rows


def test_rolling_back_0003_on_sqlite_340_refuses_null_json_that_0001_cannot_hold(
    tmp_path: Path,
) -> None:
    path = tmp_path / "stock.db"
    cwdb.ensure_schema(path)
    execute_all(path, MINIMAL_INSERTS)
    before_schema, before_rows = schema_of(path), rows_of_every_table(path)
    migrations = read_migrations(str(ROOT / "migrations"))
    with (
        get_backend(f"sqlite:///{path}") as backend,
        pytest.raises(sqlite3.IntegrityError, match="migration_refused_rows"),
        backend.lock(),
    ):
        backend.rollback_migrations(migrations.filter(lambda m: m.id == SEED))
    assert schema_of(path) == before_schema
    assert rows_of_every_table(path) == before_rows


# -- data at migration time -----------------------------------------------------------


def test_0003_keeps_every_row_value_and_rowid(db_path: Path) -> None:
    migrate_to_0002(db_path)
    execute_all(db_path, MINIMAL_INSERTS)
    execute_all(db_path, ["DELETE FROM initiatives WHERE 0"])  # no-op: rowids below stay sparse
    execute_all(
        db_path,
        [
            "INSERT INTO tasks (rowid, id, name, created_at, updated_at) "
            "VALUES (90, 't90', 'late', 5, 5)",
            "INSERT INTO agents (id, name, worktree_id, result, pending_questions, created_at, "
            "updated_at) VALUES ('a9', 'json-agent', 'w', '{\"ok\": [1]}', 'null', 1, 1)",
        ],
    )
    before = rows_of_every_table(db_path)

    assert cwdb.ensure_schema(db_path) == [SEED]

    after = rows_of_every_table(db_path)
    assert after.pop("_yoyo_migration")[:2] == before.pop("_yoyo_migration")
    assert after == before
    with cwdb.connect(db_path) as db:
        assert [t.id for t in db.tasks.find_by_phase_id("ph1")] == ["t1", "t2"]
        assert db.agents.find_by_name("json-agent").result == {"ok": [1]}  # type: ignore[union-attr]


def test_0003_keeps_every_index_and_named_constraint(tmp_path: Path) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    migrate_to_0002(old)
    cwdb.ensure_schema(new)
    old_indexes = [row for row in schema_of(old) if row[0] == "index"]
    new_indexes = [row for row in schema_of(new) if row[0] == "index"]
    assert new_indexes == old_indexes
    for _, name, sql in schema_of(old):
        for constraint in (word for word in (sql or "").split() if word.endswith("_check")):
            assert any(constraint in (s or "") for _, n, s in schema_of(new)), (name, constraint)


BROKEN_AT_0002 = [
    "INSERT INTO errands (id, description, branch, created_at, updated_at) "
    "VALUES ('e-orphan-1', 'd', 'b', 0, 0), ('e-orphan-2', 'd', 'b', 0, 0)",
    "INSERT INTO proposals (id, agent_id, initiative_id, target_type, title, created_at, "
    "updated_at) VALUES ('pr-empty', 'a1', 'i1', 'task', 't', 0, 0)",
    "INSERT INTO tasks (id, name, type, created_at, updated_at) "
    "VALUES ('t-check', 'n', 'checkpoint:decision', 0, 0)",
]


def test_rows_the_seed_refuses_stop_0003_naming_table_rule_and_count(db_path: Path) -> None:
    migrate_to_0002(db_path)
    execute_all(db_path, MINIMAL_INSERTS + BROKEN_AT_0002)
    before_schema, before_rows = schema_of(db_path), rows_of_every_table(db_path)

    with pytest.raises(cwdb.MigrationError) as raised:
        cwdb.ensure_schema(db_path)

    message = str(raised.value)
    assert f"migration {SEED} refused" in message
    assert "errands: 2 rows break project_id NOT NULL" in message
    assert "proposals: 1 row break summary NOT NULL" in message
    assert "proposals: 1 row break content NOT NULL" in message
    assert "tasks: 1 row break type IN ('auto')" in message
    assert "nothing was changed" in message
    assert schema_of(db_path) == before_schema
    assert rows_of_every_table(db_path) == before_rows


def test_yoyo_apply_refuses_the_same_rows_and_changes_nothing(db_path: Path) -> None:
    migrate_to_0002(db_path)
    execute_all(db_path, MINIMAL_INSERTS + BROKEN_AT_0002[:1])
    before_schema, before_rows = schema_of(db_path), rows_of_every_table(db_path)
    result = subprocess.run(
        [
            *(str(YOYO), "apply", "--no-config-file", "--batch"),
            *("--database", f"apsw:///{db_path}", str(ROOT / "migrations")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "migration_refused_rows_that_break_the_new_schema" in result.stderr
    assert schema_of(db_path) == before_schema
    assert rows_of_every_table(db_path) == before_rows


def test_rolling_back_0003_refuses_rows_only_the_seed_allows(db_path: Path) -> None:
    with cwdb.connect(db_path) as db:
        factories.initiative(db, status="pending_review")
    before_schema, before_rows = schema_of(db_path), rows_of_every_table(db_path)
    migrations = read_migrations(str(ROOT / "migrations"))
    with (
        get_backend(f"apsw:///{db_path}") as backend,
        backend.lock(),
        pytest.raises(apsw.ConstraintError, match="migration_refused_rows"),
    ):
        backend.rollback_migrations(migrations.filter(lambda m: m.id == SEED))
    assert schema_of(db_path) == before_schema
    assert rows_of_every_table(db_path) == before_rows


# -- many processes opening at once ------------------------------------------------------

PROCESSES = 3
ROUNDS = 12


def _open_in_rounds(paths: list[str], how: str, start: Any, results: Any) -> None:
    """A child: for each path, wait for the others, then open it at the same instant."""
    for index, path in enumerate(paths):
        start.wait()
        try:
            if how == "ensure_schema":
                applied = cwdb.ensure_schema(path)
            else:
                with cwdb.connect(path) as db:
                    db.initiatives.find_all()
                    applied = []
            results.put((index, "ok", applied))
        except Exception as error:  # reported to the parent, which fails the test
            results.put((index, "error", f"{type(error).__name__}: {error}"))


@pytest.mark.parametrize("how", ["ensure_schema", "connect"])
@pytest.mark.parametrize("start_from", ["new file", "needs 0003"])
def test_processes_opening_one_file_at_the_same_instant_all_succeed(
    tmp_path: Path, how: str, start_from: str
) -> None:
    paths = [tmp_path / f"round-{index}.db" for index in range(ROUNDS)]
    if start_from == "needs 0003":
        for path in paths:
            migrate_to_0002(path)
            execute_all(path, MINIMAL_INSERTS)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(PROCESSES), context.Queue()
    children = [
        context.Process(target=_open_in_rounds, args=([str(p) for p in paths], how, start, results))
        for _ in range(PROCESSES)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in range(PROCESSES * ROUNDS)]
    for child in children:
        child.join(timeout=60)
    errors = [outcome for outcome in outcomes if outcome[1] == "error"]
    assert errors == []
    expected = [SEED] if start_from == "needs 0003" else [*BEFORE_SEED, SEED]
    for index, path in enumerate(paths):
        applied = [id for i, _, ids in outcomes if i == index for id in ids]
        if how == "ensure_schema":
            assert sorted(applied) == sorted(expected), f"round {index}"
        with closing(sqlite3.connect(path)) as connection:
            ids = [row[0] for row in connection.execute("SELECT migration_id FROM _yoyo_migration")]
        assert ids == [*BEFORE_SEED, SEED], f"round {index}"
