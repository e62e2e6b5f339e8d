"""Errors from codes and fields, never prose: the same on SQLite, English and German PostgreSQL.

Each bad call below runs on a SQLite file, on a PostgreSQL database whose
``lc_messages`` is English (``C``) and on one whose ``lc_messages`` is German
(``de_DE.UTF-8``, generated with ``localedef`` if missing; issue 20). The
error's class, message and attributes (``table``, ``fields``, ``constraint``,
``value``) must be the same everywhere (docs/reference.md, errors), and the
call must leave every table's row count as it was. The constraint table the
messages are built from (``cwdb/adapters/constraints.py``) is checked against
the server's catalog (``sql/postgresql/_constraints.sql``) and SQLite's schema.
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Callable
from typing import Any

import apsw
import pytest

import cwdb
from cwdb.adapters import constraints
from cwdb.adapters.sqlfiles import query_file
from tests.support import factories, postgres_server
from tests.support.helpers import use_ids

SECRET = "s3cret-credential-value"  # noqa: S105 -- a sentinel that must never show
CONFIG = f'{{"token": "{SECRET}"}}'
TABLES = sorted({c.table for c in constraints.POSTGRESQL.values()})

Fail = Callable[[Callable[[], object]], cwdb.Error]


# -- the bad calls -----------------------------------------------------------------


def phase_of_missing_initiative(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    return fail(lambda: db.phases.create(initiative_id="x", name="p"))


def agent_name_taken_on_create(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    factories.agent(db, name="builder-1")
    return fail(lambda: factories.agent(db, name="builder-1"))


def agent_name_taken_on_update(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    factories.agent(db, name="builder-2")
    other = factories.agent(db, name="builder-3")
    return fail(lambda: db.agents.update(other.id, name="builder-2"))


def project_name_taken(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    factories.project(db, name="cwdb", url="https://git.example/a.git")
    return fail(lambda: factories.project(db, name="cwdb", url="https://git.example/b.git"))


def project_url_taken(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    factories.project(db, name="one", url="https://git.example/same.git")
    return fail(lambda: factories.project(db, name="two", url="https://git.example/same.git"))


def errand_id_taken(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    project = factories.project(db)
    factories.errand(db, id="errand-42", project_id=project.id)
    return fail(lambda: factories.errand(db, id="errand-42", project_id=project.id))


def second_root_page(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    owner = factories.initiative(db)
    db.pages.get_or_create_root_page(owner.id)
    return fail(lambda: db.pages.create(initiative_id=owner.id, title="another root"))


def second_active_chat_session(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    owner = factories.initiative(db)
    fields = {"target_type": "phase", "target_id": "phase-7", "initiative_id": owner.id}
    db.chat_sessions.create_session(**fields)
    return fail(lambda: db.chat_sessions.create_session(**fields))


def dependency_on_missing_phase(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    phase = factories.phase(db)
    return fail(lambda: db.phases.create_dependency(phase.id, "no-such-id"))


def task_parent_missing_on_update(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    task = factories.task(db)
    return fail(lambda: db.tasks.update(task.id, parent_task_id="gone"))


def agent_of_missing_task(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    return fail(lambda: factories.agent(db, name="lost", task_id="no-such-task"))


def account_id_taken(db: cwdb.Database, fail: Fail) -> cwdb.Error:
    taken = factories.account(db)
    use_ids(db, lambda: taken.id)
    return fail(lambda: db.accounts.create(email="e", credentials=SECRET, config_json=CONFIG))


BAD_CALLS = [
    phase_of_missing_initiative,
    agent_name_taken_on_create,
    agent_name_taken_on_update,
    project_name_taken,
    project_url_taken,
    errand_id_taken,
    second_root_page,
    second_active_chat_session,
    dependency_on_missing_phase,
    task_parent_missing_on_update,
    agent_of_missing_task,
    account_id_taken,
]

#: What each bad call gives, on every backend and in every server language.
EXPECTED: dict[str, tuple[str, str]] = {
    "phase_of_missing_initiative": (
        "IntegrityError",
        "initiative_id: no initiative with id 'x'",
    ),
    "agent_name_taken_on_create": (
        "ConflictError",
        "agents.name: 'builder-1' is already taken (UNIQUE constraint agents_name_unique)",
    ),
    "agent_name_taken_on_update": (
        "ConflictError",
        "agents.name: 'builder-2' is already taken (UNIQUE constraint agents_name_unique)",
    ),
    "project_name_taken": (
        "ConflictError",
        "projects.name: 'cwdb' is already taken (UNIQUE constraint projects_name_unique)",
    ),
    "project_url_taken": (
        "ConflictError",
        "projects.url: 'https://git.example/same.git' is already taken "
        "(UNIQUE constraint projects_url_unique)",
    ),
    "errand_id_taken": (
        "ConflictError",
        "errands.id: 'errand-42' is already taken (PRIMARY KEY errands_pkey)",
    ),
    "second_root_page": (
        "ConflictError",
        "pages.initiative_id: 'second_root_page-1' is already taken "
        "(UNIQUE constraint pages_one_root_per_initiative)",
    ),
    "second_active_chat_session": (
        "ConflictError",
        "chat_sessions.(target_type, target_id): ('phase', 'phase-7') is already taken "
        "(UNIQUE constraint chat_sessions_one_active_per_target)",
    ),
    "dependency_on_missing_phase": (
        "IntegrityError",
        "depends_on_phase_id: no phase with id 'no-such-id'",
    ),
    "task_parent_missing_on_update": (
        "IntegrityError",
        "parent_task_id: no task with id 'gone'",
    ),
    "agent_of_missing_task": (
        "IntegrityError",
        "task_id: no task with id 'no-such-task'",
    ),
    "account_id_taken": (
        "ConflictError",
        "accounts.id: 'account_id_taken-1' is already taken (PRIMARY KEY accounts_pkey)",
    ),
}


# -- running them ----------------------------------------------------------------------


def counts(target: str) -> dict[str, int]:
    """Every cwdb table's row count, read outside the library's sessions."""
    if target.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(target) as connection:
            # test-only: table names come from the constraint table
            return {
                t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # type: ignore[index]
                for t in TABLES
            }
    connection = apsw.Connection(target)
    try:
        return {
            t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in TABLES
        }
    finally:
        connection.close()


def outcome(error: cwdb.Error) -> tuple[Any, ...]:
    """What a caller can see of an error: class, message and attributes."""
    attributes = ("table", "fields", "constraint", "value")
    return (type(error).__name__, str(error), *(getattr(error, a, None) for a in attributes))


def run_bad_call(target: str, bad_call: Callable[[cwdb.Database, Fail], cwdb.Error]) -> cwdb.Error:
    """The error of one bad call on ``target``; the call must change no row count."""
    with cwdb.connect(target) as db:
        made = itertools.count(1)
        use_ids(db, lambda: f"{bad_call.__name__}-{next(made)}")

        def fail(call: Callable[[], object]) -> cwdb.Error:
            before = counts(target)
            with pytest.raises(cwdb.Error) as raised:
                call()
            assert counts(target) == before, f"{bad_call.__name__} changed the database"
            return raised.value

        return bad_call(db, fail)


@pytest.fixture(scope="module")
def english(pg_server: postgres_server.PostgresServer) -> str:
    url = pg_server.create_database("errors_en")
    postgres_server.set_messages_locale(url, "C")
    cwdb.ensure_schema(url)
    return url


@pytest.fixture(scope="module")
def german(pg_server: postgres_server.PostgresServer) -> str:
    locale = postgres_server.german_locale_or_skip()
    url = pg_server.create_database("errors_de")
    postgres_server.set_messages_locale(url, locale)
    cwdb.ensure_schema(url)
    return url


@pytest.fixture(scope="module")
def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("errors") / "cw.db"
    cwdb.ensure_schema(path)
    return str(path)


@pytest.fixture(scope="module")
def english_errors(english: str) -> dict[str, cwdb.Error]:
    return {call.__name__: run_bad_call(english, call) for call in BAD_CALLS}


@pytest.mark.parametrize("bad_call", BAD_CALLS, ids=lambda c: c.__name__)
def test_english_postgresql_gives_the_pinned_error(
    english_errors: dict[str, cwdb.Error], bad_call: Callable[..., cwdb.Error]
) -> None:
    error = english_errors[bad_call.__name__]
    assert (type(error).__name__, str(error)) == EXPECTED[bad_call.__name__]


@pytest.mark.parametrize("bad_call", BAD_CALLS, ids=lambda c: c.__name__)
def test_german_postgresql_gives_the_english_error(
    german: str, english_errors: dict[str, cwdb.Error], bad_call: Callable[..., cwdb.Error]
) -> None:
    error = run_bad_call(german, bad_call)
    assert outcome(error) == outcome(english_errors[bad_call.__name__])


@pytest.mark.parametrize("bad_call", BAD_CALLS, ids=lambda c: c.__name__)
def test_sqlite_gives_the_postgresql_error(
    sqlite_file: str, english_errors: dict[str, cwdb.Error], bad_call: Callable[..., cwdb.Error]
) -> None:
    error = run_bad_call(sqlite_file, bad_call)
    assert outcome(error) == outcome(english_errors[bad_call.__name__])


def test_the_german_database_really_speaks_german(german: str) -> None:
    """Else the comparison above would prove nothing: the server's own text is German."""
    with cwdb.connect(german) as db, pytest.raises(cwdb.IntegrityError) as raised:
        db.phases.create(initiative_id="nowhere", name="p")
    assert "verletzt" in str(raised.value.__cause__)


# -- the translation of statements that are not cwdb's (no parameters to read) -------------

INSERT_INITIATIVE = (
    "INSERT INTO initiatives (id, name, status, created_at, updated_at) "
    "VALUES (%s, 'n', %s, now(), now())"
)
RAW_STATEMENTS = {
    "check": (INSERT_INITIATIVE, ("raw-2", "bogus")),
    "primary_key": (INSERT_INITIATIVE, ("raw-1", "active")),
    "not_null": (
        "INSERT INTO errands (id, description, branch, created_at, updated_at) "
        "VALUES ('raw-e', 'd', 'b', now(), now())",
        (),
    ),
    "foreign_key": (
        "INSERT INTO phases (id, initiative_id, name, created_at, updated_at) "
        "VALUES ('raw-p', 'nope', 'n', now(), now())",
        (),
    ),
}
RAW_EXPECTED = {
    "check": ("IntegrityError", "CHECK constraint failed: initiatives_status_check",
              "initiatives", ("status",), "initiatives_status_check", None),
    "primary_key": ("ConflictError",
                    "initiatives.id: the value is already taken (PRIMARY KEY initiatives_pkey)",
                    "initiatives", ("id",), "initiatives_pkey", None),
    "not_null": ("IntegrityError", "NOT NULL constraint failed: errands.project_id",
                 "errands", ("project_id",), None, None),
    "foreign_key": ("IntegrityError",
                    "FOREIGN KEY constraint failed: phases.initiative_id "
                    "(phases_initiative_id_fkey)",
                    "phases", ("initiative_id",), "phases_initiative_id_fkey", None),
}  # fmt: skip


def raw_error(url: str, kind: str) -> cwdb.Error:
    import psycopg

    from cwdb.adapters.psycopg.translate import translate

    sql, params = RAW_STATEMENTS[kind]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO initiatives (id, name, status, created_at, updated_at) "
            "VALUES ('raw-1', 'n', 'active', now(), now()) ON CONFLICT DO NOTHING"
        )
        try:
            connection.execute(sql, params)
        except psycopg.Error as error:
            return translate(error, busy_timeout_ms=1)
    raise AssertionError(f"{kind}: the statement did not fail")


@pytest.mark.parametrize("kind", sorted(RAW_STATEMENTS))
def test_a_raw_failure_translates_from_its_fields_alone_in_both_languages(
    english: str, german: str, kind: str
) -> None:
    assert outcome(raw_error(english, kind)) == RAW_EXPECTED[kind]
    assert outcome(raw_error(german, kind)) == RAW_EXPECTED[kind]


def test_nul_in_text_stays_a_validation_error_naming_the_field_in_german(german: str) -> None:
    with cwdb.connect(german) as db:
        with pytest.raises(cwdb.ValidationError) as raised:
            db.initiatives.create(name="a\x00b")
        with pytest.raises(cwdb.ValidationError) as json_raised:
            factories.agent(db, pending_questions={"q": "a\x00b"})
    assert str(raised.value).startswith("name: PostgreSQL text cannot hold the NUL")
    assert raised.value.field == "name"
    assert json_raised.value.field == "pending_questions"


# -- the constraint table is the schema's ---------------------------------------------------


def test_the_constraint_table_is_the_catalogs(english: str) -> None:
    import psycopg

    sql = query_file("_constraints", "postgresql")["constraints"].sql
    with psycopg.connect(english) as connection:
        rows = connection.execute(sql).fetchall()
    catalog = {
        name: constraints.Constraint(name, kind, table, tuple(columns), refers_to)
        for name, kind, table, columns, refers_to in rows
        if "yoyo" not in table
    }
    assert catalog == dict(constraints.POSTGRESQL)


def test_sqlite_has_the_same_keys_references_and_checks(sqlite_file: str) -> None:
    connection = apsw.Connection(sqlite_file)
    try:
        unique_keys = set()
        references = set()
        for table in TABLES:
            for _, index, unique, _, _ in connection.execute(f"PRAGMA index_list('{table}')"):
                if unique:
                    columns = [r[2] for r in connection.execute(f"PRAGMA index_info('{index}')")]
                    unique_keys.add((table, tuple(columns)))
            for row in connection.execute(f"PRAGMA foreign_key_list('{table}')"):
                references.add((table, row[3], row[2]))
        schema_sql = "\n".join(
            r[0] for r in connection.execute("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL")
        )
    finally:
        connection.close()
    for c in constraints.POSTGRESQL.values():
        if c.kind in ("p", "u"):
            assert (c.table, c.fields) in unique_keys, c
        elif c.kind == "f":
            assert (c.table, c.fields[0], c.refers_to) in references, c
        else:
            assert f"CONSTRAINT {c.name}" in schema_sql, c
    for c in constraints.SCHEMA.values():
        if c.name not in constraints.POSTGRESQL:
            assert f"CONSTRAINT {c.name}" in schema_sql, c


# -- structured errors on both backends (the db fixture) --------------------------------


def test_a_conflict_carries_table_fields_constraint_and_value(db: cwdb.Database) -> None:
    factories.agent(db, name="builder-9")
    with pytest.raises(cwdb.ConflictError) as raised:
        factories.agent(db, name="builder-9")
    error = raised.value
    assert (error.table, error.fields, error.constraint, error.value) == (
        "agents",
        ("name",),
        "agents_name_unique",
        "builder-9",
    )


def test_a_missing_reference_carries_table_fields_constraint_and_value(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.IntegrityError) as raised:
        db.phases.create(initiative_id="nope", name="p")
    error = raised.value
    assert type(error) is cwdb.IntegrityError
    assert (error.table, error.fields, error.constraint, error.value) == (
        "phases",
        ("initiative_id",),
        "phases_initiative_id_fkey",
        "nope",
    )


def test_a_conflict_on_an_account_never_carries_a_credential(
    db: cwdb.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = factories.account(db)
    use_ids(db, lambda: taken.id)
    with pytest.raises(cwdb.ConflictError) as raised:
        db.accounts.create(email="e", credentials=SECRET, config_json=CONFIG)
    error = raised.value
    assert error.value == taken.id
    shown = repr((str(error), vars(error), error.args, pickle.dumps(error)))
    assert SECRET not in shown


def test_a_secret_column_never_gives_its_value() -> None:
    error = constraints.conflict(
        "accounts", ("credentials",), None, {"credentials": SECRET}, name="x"
    )
    assert error.value is None
    assert SECRET not in str(error)


def test_errors_pickle_with_their_attributes(db: cwdb.Database) -> None:
    factories.project(db, name="pickled", url="https://git.example/p.git")
    with pytest.raises(cwdb.ConflictError) as raised:
        factories.project(db, name="pickled", url="https://git.example/q.git")
    copy = pickle.loads(pickle.dumps(raised.value))  # noqa: S301 -- our own bytes
    assert outcome(copy) == outcome(raised.value)
    missing = pickle.loads(pickle.dumps(cwdb.NotFoundError("m", table="tasks", id="t")))  # noqa: S301 -- our own bytes
    assert (missing.table, missing.id, str(missing)) == ("tasks", "t", "m")


def test_a_plain_error_keeps_working_without_attributes() -> None:
    error = cwdb.ConflictError("conversation 'c' is already answered")
    assert (error.table, error.fields, error.constraint, error.value) == (None,) * 4
    assert cwdb.ValidationError("v").field is None
    assert cwdb.NotFoundError("n").id is None


def test_not_found_names_table_and_id(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.NotFoundError) as raised:
        db.chat_sessions.update_session("no-such-session", status="closed")
    assert (raised.value.table, raised.value.id) == ("chat_sessions", "no-such-session")


def test_a_validation_error_names_its_field(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError) as raised:
        db.tasks.create(name="t", status="bogus")
    assert raised.value.field == "status"
    with pytest.raises(cwdb.ValidationError) as unknown:
        db.tasks.create(name="t", colour="red")
    assert unknown.value.field == "colour"
