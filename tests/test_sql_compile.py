"""The SQL files and the code agree: every query prepares, is used, and is bound as written.

* every named query of ``sql/`` prepares against the migrated schema, and
  SQLite sees the parameters the loader found;
* a scenario that calls every repository method and every piece of the
  library's machinery (migrating, status, review) runs every query of
  ``sql/``, each bound with exactly the names its SQL uses (the statement
  tracer of tests/support/tracer.py records what ran and checks the bindings);
* every query an adapter asks for exists: a ``Database`` can be built, and
  one whose file lacks a query is refused at ``connect()``;
* the suffix of every name tells the truth: SQLite finds a statement
  read-only exactly when its suffix does not end in ``!``;
* every statement an adapter binds to a record returns that record's columns,
  in field order (``RETURNING`` included), read from SQLite's description of
  the prepared statement without running it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apsw
import apsw.ext
import attrs
import pytest
import yoyo

import cwdb
from cwdb import cli
from cwdb.adapters import sqlfiles
from cwdb.adapters.apsw import database as wiring
from cwdb.adapters.repositories.crud import codec_for
from cwdb.adapters.sqlfiles import SHAPES, Query, QueryFileError, Shape, load_all, parse_file
from cwdb.adapters.statements import Queries, Statement
from cwdb.ops.sqlite import review
from cwdb.ops.sqlite.schema_snapshot import current_schema_text
from cwdb.records._columns import columns_of
from tests.support import factories, tracer
from tests.support.busy import build_busy
from tests.support.factories import CRUD_CASES
from tests.support.helpers import backend_of, raw_connection, unique

ALL_QUERIES = [query for file in load_all().values() for query in file.values()]
#: Files whose names start with "_" are the library's machinery, used by these modules.
MACHINERY = {
    "_migrations": "cwdb/adapters/apsw/migrator.py (ensure_schema, connect)",
    "_status": "cwdb/ops/sqlite/status.py (python -m cwdb status)",
    "_review": "cwdb/ops/sqlite/ (python -m cwdb review, schema.sql)",
    "_references": "cwdb/adapters/apsw/explain.py (naming a missing foreign key)",
    "_copy": "cwdb/ops/sqlite/copy.py (python -m cwdb copy)",
}


def prepare_problem(connection: apsw.Connection, query: Query) -> str | None:
    """Why ``query`` does not prepare as one statement with its parameters, or None."""
    try:
        info = apsw.ext.query_info(connection, query.sql)
    except apsw.Error as error:
        return f"{query.qualified_name} does not prepare: {error}"
    if info.query_remaining and info.query_remaining.strip():
        return f"{query.qualified_name} holds more than one statement"
    if tuple(info.bindings_names or ()) != query.params:
        return f"{query.qualified_name}: SQLite sees {info.bindings_names}, loader {query.params}"
    return None


@pytest.fixture(scope="module")
def schema_connection() -> Iterator[apsw.Connection]:
    """The migrated schema, analysed once (the review's statements need sqlite_stat1)."""
    with cwdb.connect(":memory:") as db:
        connection = raw_connection(db)
        connection.execute(load_all()["_review"]["load_stats"].sql)
        yield connection
        connection.close()


@pytest.mark.parametrize("query", ALL_QUERIES, ids=lambda q: q.qualified_name)
def test_every_query_prepares_against_the_migrated_schema(
    schema_connection: apsw.Connection, query: Query
) -> None:
    assert prepare_problem(schema_connection, query) is None


def test_a_broken_query_is_caught(schema_connection: apsw.Connection, tmp_path: Path) -> None:
    broken = tmp_path / "initiatives.sql"
    broken.write_text(
        "-- name: find_by_status\n-- Typo in a column.\n"
        "SELECT id FROM initiatives WHERE stat = :status;\n"
    )
    problem = prepare_problem(schema_connection, parse_file(broken)["find_by_status"])
    assert problem is not None
    assert "no such column: stat" in problem


def test_two_statements_under_one_name_are_caught(
    schema_connection: apsw.Connection, tmp_path: Path
) -> None:
    doubled = tmp_path / "initiatives.sql"
    doubled.write_text("-- name: twice\n-- Two.\nSELECT 1;\nSELECT 2;\n")
    assert "more than one statement" in str(
        prepare_problem(schema_connection, parse_file(doubled)["twice"])
    )


# -- every query is used, bound as written -----------------------------------


def run_every_update(repository: Any, file: str, row: Any) -> None:
    """The generic update (a change of every field) and each specialised variant.

    Each sets the fields to the values they have, so the row stays valid.
    """
    every = codec_for(type(row)).mutable
    repository.update(row.id, **{name: getattr(row, name) for name in every})
    for columns in sqlfiles.query_file(file).variants("update").values():
        repository.update(row.id, **{name: getattr(row, name) for name in columns})


def run_every_repository_method(db: cwdb.Database) -> None:
    """Call every method of every repository (docs/reference.md §4, §8) at least once."""
    for case in CRUD_CASES:
        repository = getattr(db, case.repository)
        row = repository.create(**case.fields(db))
        assert repository.find_by_id(row.id) == row
        assert row in repository.find_all()
        field, value = case.change
        repository.update(row.id, **{field: value})
        run_every_update(repository, case.repository, row)
        repository.delete(row.id)
    now = datetime.now(UTC)
    owner = factories.initiative(db)
    db.initiatives.find_by_status("active")

    first, second = factories.phase(db, initiative_id=owner.id), factories.phase(db)
    db.phases.find_by_initiative_id(owner.id)
    db.phases.create_dependency(second.id, first.id)
    db.phases.create_dependency(second.id, first.id)
    with pytest.raises(cwdb.ValidationError):
        db.phases.create_dependency(first.id, second.id)
    db.phases.get_dependencies(second.id)
    db.phases.get_dependents(first.id)
    with pytest.raises(cwdb.IntegrityError, match="no phase with id"):  # _references.sql
        db.phases.create_dependency(second.id, "no-such-phase")

    parent = factories.task(db, phase_id=first.id, initiative_id=owner.id)
    child = factories.task(db, phase_id=first.id, parent_task_id=parent.id)
    db.tasks.find_by_phase_id(first.id)
    db.tasks.find_by_initiative_id(owner.id)
    db.tasks.find_by_parent_task_id(parent.id)
    db.tasks.create_dependency(child.id, parent.id)
    with pytest.raises(cwdb.ValidationError):
        db.tasks.create_dependency(parent.id, child.id)
    db.tasks.get_dependencies(child.id)
    db.tasks.get_dependents(parent.id)
    db.tasks.increment_retry_count(parent.id)

    worker = factories.agent(db, task_id=parent.id, session_id=unique("session"))
    other = factories.agent(db)
    db.agents.find_by_name(worker.name)
    db.agents.find_by_task_id(parent.id)
    db.agents.find_by_session_id(str(worker.session_id))
    db.agents.find_by_status("idle")

    question = factories.message(db, requires_response=True)
    factories.message(db, parent_message_id=question.id)
    db.messages.find_pending_for_user()
    db.messages.find_requiring_response()
    db.messages.find_replies(question.id)

    root = db.pages.get_or_create_root_page(owner.id)
    db.pages.get_or_create_root_page(owner.id)
    factories.page(db, initiative_id=owner.id, parent_page_id=root.id)
    db.pages.find_by_initiative_id(owner.id)
    db.pages.find_root_page(owner.id)
    db.pages.find_by_parent_page_id(root.id)

    linked, dropped = factories.project(db), factories.project(db)
    db.projects.find_by_name(linked.name)
    db.projects.find_by_url(linked.url)
    db.projects.set_initiative_projects(owner.id, [linked.id, dropped.id])
    db.projects.set_initiative_projects(owner.id, [linked.id])
    with pytest.raises(cwdb.IntegrityError):
        db.projects.set_initiative_projects(owner.id, ["no-such-project"])
    db.projects.find_projects_by_initiative_id(owner.id)

    used, resting = factories.account(db), factories.account(db)
    db.accounts.find_next_available()
    db.accounts.mark_exhausted(used.id, now - timedelta(hours=1))
    db.accounts.mark_exhausted(resting.id, now - timedelta(hours=1))
    db.accounts.find_next_available()
    db.accounts.clear_expired_exhaustion()

    db.proposals.create(
        agent_id=worker.id,
        initiative_id=owner.id,
        target_type="task",
        title=unique("p"),
        summary="s",
        content="c",
    )
    db.proposals.find_by_agent_id_and_status(worker.id, "pending")
    db.proposals.update_many_by_agent_id(worker.id, status="accepted")
    db.proposals.update_many_by_agent_id(worker.id)
    db.proposals.update_many_by_agent_id(worker.id, sort_order=1)
    db.proposals.count_by_agent_id_and_status(worker.id, "accepted")

    db.log_chunks.insert_chunk(worker.id, worker.name, "line 1\n")
    db.log_chunks.insert_chunks([{"agent_id": other.id, "agent_name": other.name, "content": "x"}])
    db.log_chunks.find_by_agent_id(worker.id)
    db.log_chunks.find_by_agent_ids([worker.id, other.id])
    list(db.log_chunks.iter_by_agent_id(worker.id, batch_size=1))
    db.log_chunks.get_session_count(worker.id)
    db.log_chunks.delete_by_agent_id(other.id)
    db.log_chunks.delete_older_than(now - timedelta(days=30))

    asked = db.conversations.create(worker.id, other.id, "why?", initiative_id=owner.id)
    db.conversations.find_by_id(asked.id)
    db.conversations.find_pending_for_agent(other.id)
    db.conversations.answer(asked.id, "because")
    with pytest.raises(cwdb.ConflictError):
        db.conversations.answer(asked.id, "again")
    with pytest.raises(cwdb.NotFoundError):
        db.conversations.answer("no-such-conversation", "hello?")
    db.conversations.count_by_from_agent_ids([worker.id, other.id])
    db.conversations.find_by_from_agent_id(worker.id)

    chat = db.chat_sessions.create_session("task", parent.id, owner.id, agent_id=worker.id)
    db.chat_sessions.find_active_session("task", parent.id)
    db.chat_sessions.find_active_session_by_agent_id(worker.id)
    db.chat_sessions.create_message(chat.id, "user", "hello")
    db.chat_sessions.find_messages_by_session_id(chat.id)
    db.chat_sessions.update_session(chat.id)
    db.chat_sessions.update_session(chat.id, agent_id=worker.id)
    db.chat_sessions.update_session(chat.id, status="closed")

    comment = db.review_comments.create(first.id, "a.py", 3, "added", "why this?")
    db.review_comments.find_by_phase_id(first.id)
    db.review_comments.resolve(comment.id)
    db.review_comments.unresolve(comment.id)
    db.review_comments.delete(comment.id)

    errand = factories.errand(db, project_id=linked.id)
    db.errands.find_all(project_id=linked.id)
    db.errands.find_all(status="active")
    db.errands.find_all(project_id=linked.id, status="active")
    db.errands.delete(errand.id)
    _ = db.schema_version


def run_the_machinery(tmp_path: Path) -> None:
    """Migrate (clearing a dead process's lock), reopen, back up, status, review, copy."""
    path = tmp_path / "cw.db"
    _leave_a_dead_yoyo_lock(path)
    cwdb.ensure_schema(path)
    with cwdb.connect(path, migrate=False) as db:
        db.backup(tmp_path / "copy.db")
    assert cli.run(["status", "--database", str(path)]) == 0
    with cwdb.connect(path) as db:
        run_every_repository_method(db)
    analyzed = apsw.Connection(str(path))
    analyzed.execute("ANALYZE")
    analyzed.close()
    assert review.run(None, out=io.StringIO()) in (0, 1)
    assert review.run(str(path), out=io.StringIO()) in (0, 1)
    assert review.run(str(tmp_path / "copy.db"), out=io.StringIO()) in (0, 1)
    assert "CREATE TABLE initiatives" in current_schema_text()
    build_busy(tmp_path / "busy.db")  # a row in every table, so every insert_<table> runs
    assert cli.run(["copy", "--quiet", str(tmp_path / "busy.db"), str(tmp_path / "to.db")]) == 0


def _leave_a_dead_yoyo_lock(path: Path) -> None:
    """A yoyo_lock row whose process is gone (the migrator clears it), in yoyo's own lock table."""
    with yoyo.get_backend(f"sqlite:///{path}") as backend, backend.transaction():
        backend.execute("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, NULL, 2147483646)")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tracer.StatementLog:
    """What cwdb ran while every method and command was used once."""
    with tracer.recording() as log:
        run_the_machinery(tmp_path_factory.mktemp("scenario"))
    return log


def never_run(queries: list[Query], log: tracer.StatementLog) -> list[str]:
    """The queries whose SQL the log never saw run."""
    ran = {sql for sql, _names in log.seen}
    return [query.qualified_name for query in queries if query.sql not in ran]


def test_every_query_in_sql_runs_in_the_scenario(scenario: tracer.StatementLog) -> None:
    assert never_run(ALL_QUERIES, scenario) == [], "unused queries: remove them or use them"


def test_every_statement_is_bound_with_exactly_its_querys_parameters(
    scenario: tracer.StatementLog,
) -> None:
    assert scenario.problems() == []


def test_a_parameter_the_sql_does_not_use_is_caught() -> None:
    statement = Queries(sqlfiles.query_file("initiatives")).many("find_by_status", cwdb.Initiative)
    with tracer.recording() as log, cwdb.connect(":memory:") as db:
        db._runner.all(statement, {"status": "active", "stauts": "x"})
    (problem,) = log.problems()
    assert "initiatives.find_by_status bound with ['status', 'stauts']" in problem


def test_a_query_nothing_runs_is_caught(scenario: tracer.StatementLog, tmp_path: Path) -> None:
    extra = tmp_path / "initiatives.sql"
    extra.write_text("-- name: forgotten\n-- Never used.\nSELECT 1 FROM initiatives;\n")
    queries = [*ALL_QUERIES, parse_file(extra)["forgotten"]]
    assert never_run(queries, scenario) == ["initiatives.forgotten"]


# -- every query an adapter asks for exists -----------------------------------


def bound_statements(db: cwdb.Database) -> list[Statement[object]]:
    """Every statement the repositories of ``db`` bound, found by walking them."""
    found: list[Statement[object]] = []
    seen: set[int] = set()

    def walk(value: object) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, Statement):
            found.append(value)
        elif attrs.has(type(value)):
            for field in attrs.fields(type(value)):
                walk(getattr(value, field.name))
        elif isinstance(value, tuple):  # specialised updates: UpdateStatements.variants
            for item in value:
                walk(item)
        elif type(value).__module__.startswith("cwdb.adapters"):
            for attribute in vars(value).values():
                walk(attribute)

    for name in wiring.Database.__annotations__:
        walk(getattr(db, name))
    return found


def test_a_database_builds_and_binds_every_repository_query(db: cwdb.Database) -> None:
    bound = {statement.query.qualified_name for statement in bound_statements(db)}
    repository_queries = {q.qualified_name for q in ALL_QUERIES if not q.file.startswith("_")}
    assert repository_queries - bound == set()


@pytest.mark.parametrize("query", ALL_QUERIES, ids=lambda q: q.qualified_name)
def test_the_suffix_says_whether_a_query_writes(
    schema_connection: apsw.Connection, query: Query
) -> None:
    info = apsw.ext.query_info(schema_connection, query.sql)
    assert info.is_readonly is not query.shape.writes, (
        f"{query.qualified_name}: suffix {query.shape.value!r} but SQLite finds it "
        f"{'read-only' if info.is_readonly else 'writing'}"
    )


def column_problem(connection: Any, statement: Statement[object]) -> str | None:
    """Why the statement's columns are not its record's, in order, or None.

    ``connection`` is an APSW connection, or a libpq one (``PGconn``) for the
    PostgreSQL statements, which the server describes without running them.
    """
    if statement.record is None or not attrs.has(statement.record):
        return None
    if isinstance(connection, apsw.Connection):
        description = apsw.ext.query_info(connection, statement.sql).description or ()
        names = tuple(column[0] for column in description)
    else:
        sql = statement.query.numbered_sql
        connection.prepare(b"described", sql.encode())
        described = connection.describe_prepared(b"described")
        connection.exec_(b"DEALLOCATE described")
        names = tuple(described.fname(i).decode() for i in range(described.nfields))
    expected = tuple(column.name for column in columns_of(statement.record))
    if names != expected:
        return f"{statement.query.qualified_name} returns {names}, its record expects {expected}"
    return None


def test_every_bound_statement_returns_its_records_columns_in_order(
    db: cwdb.Database, schema_connection: apsw.Connection
) -> None:
    statements = bound_statements(db)
    assert sum(statement.mapper is not None for statement in statements) > 50
    if backend_of(db) == "sqlite":
        problems = [column_problem(schema_connection, statement) for statement in statements]
    else:
        with db._runner.held_connection() as held:  # a pooled connection, lent for the check
            # One transaction: behind PgBouncer (transaction pooling) a prepared
            # statement lives only as long as the server connection stays this one.
            held.pgconn.exec_(b"BEGIN")
            try:
                problems = [column_problem(held.pgconn, statement) for statement in statements]
            finally:
                held.pgconn.exec_(b"ROLLBACK")
    assert [problem for problem in problems if problem] == []


def test_a_statement_with_columns_out_of_order_is_caught(
    schema_connection: apsw.Connection, tmp_path: Path
) -> None:
    shipped = load_all()["initiatives"]["find_by_id"].sql
    swapped = shipped.replace("id, name", "name, id", 1)
    assert swapped != shipped
    path = tmp_path / "initiatives.sql"
    path.write_text(f"-- name: find_by_id^\n-- Columns swapped.\n{swapped};\n")
    statement = Queries(parse_file(path)).one("find_by_id", cwdb.Initiative)
    problem = column_problem(schema_connection, statement)
    assert problem is not None
    assert "returns ('name', 'id'" in problem


def test_a_returning_clause_out_of_order_is_caught(
    schema_connection: apsw.Connection, tmp_path: Path
) -> None:
    shipped = load_all()["initiatives"]["update"].sql
    head, returning = shipped.split("RETURNING")
    swapped = head + "RETURNING" + returning.replace("id, name", "name, id", 1)
    path = tmp_path / "initiatives.sql"
    path.write_text(f"-- name: update<!\n-- Columns swapped.\n{swapped};\n")
    statement = Queries(parse_file(path)).one("update", cwdb.Initiative)
    assert "returns ('name', 'id'" in str(column_problem(schema_connection, statement))


def test_binding_a_record_to_a_statement_without_rows_is_refused() -> None:
    with pytest.raises(QueryFileError, match=r"'clear_expired_exhaustion' \(write, no rows"):
        Queries(sqlfiles.query_file("accounts")).one("clear_expired_exhaustion", cwdb.Account)


@pytest.mark.parametrize(
    ("name", "kind", "allowed"),
    [
        ("find_by_id", "many", "one"),
        ("find_all", "one", "many"),
        ("count_by_agent_id", "one", "single"),
        ("create", "write", "many, one, single"),
        ("update_many_by_agent_id", "batch", "many, one, single"),
    ],
)
def test_the_suffix_decides_how_a_statement_may_be_bound(
    name: str, kind: str, allowed: str
) -> None:
    queries = Queries(sqlfiles.query_file("proposals"))
    bind = getattr(queries, kind)
    with pytest.raises(QueryFileError, match=rf"'{name}' .* cannot be run as '{kind}'") as raised:
        bind(name) if kind in {"write", "batch"} else bind(name, cwdb.Proposal)
    assert str(raised.value).endswith(f"its suffix allows {allowed}")


def test_every_shape_says_in_words_how_it_may_be_bound() -> None:
    assert set(SHAPES) == set(Shape)
    for shape in Shape:
        assert shape.description
        assert shape.kinds <= {"one", "many", "single", "write", "batch"}
        assert shape.kinds


def test_every_machinery_file_is_accounted_for() -> None:
    machinery = {name for name in load_all() if name.startswith("_")}
    assert machinery == set(MACHINERY)


def test_an_adapter_asking_for_a_missing_query_fails_at_connect(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shipped = load_all()["initiatives"]
    source = Path(shipped.path).read_text(encoding="utf-8")
    cut = tmp_path / "initiatives.sql"
    cut.write_text(source.replace("-- name: find_by_status\n", "-- name: find_by_state\n"))
    files = {**load_all(), "initiatives": parse_file(cut)}
    monkeypatch.setattr(sqlfiles, "load_all", lambda dialect="sqlite": files)
    with pytest.raises(QueryFileError, match="find_by_status"):
        cwdb.connect(":memory:")
