"""The schema: records, enums and defaults agree with migrations/; SQLite 3.40 reads it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import apsw
import pytest

import cwdb
from cwdb.records._columns import REQUIRED, Kind, columns_of
from tests.support.helpers import backend_of, postgres_url, raw_connection

TABLE_OF = {
    cwdb.Initiative: "initiatives",
    cwdb.Phase: "phases",
    cwdb.Task: "tasks",
    cwdb.Agent: "agents",
    cwdb.Account: "accounts",
    cwdb.Proposal: "proposals",
    cwdb.Page: "pages",
    cwdb.Project: "projects",
    cwdb.Message: "messages",
    cwdb.LogChunk: "agent_log_chunks",
    cwdb.Conversation: "conversations",
    cwdb.ChatSession: "chat_sessions",
    cwdb.ChatMessage: "chat_messages",
    cwdb.Errand: "errands",
    cwdb.ReviewComment: "review_comments",
}

ALL_TABLES = {
    "initiatives", "phases", "phase_dependencies", "tasks", "task_dependencies", "agents",
    "accounts", "proposals", "pages", "projects", "initiative_projects", "messages",
    "agent_log_chunks", "conversations", "chat_sessions", "chat_messages", "change_sets",
    "errands", "review_comments",
}  # fmt: skip

_CHECK_IN = re.compile(r"CONSTRAINT (\w+)\s+CHECK \((\w+) IN \(([^)]*)\)\)", re.S)


@pytest.fixture(scope="module")
def schema() -> dict[str, str]:
    with cwdb.connect(":memory:") as db:
        rows = raw_connection(db).execute(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'table'"
        )
        return dict(rows)


def enum_checks(sql: str) -> dict[str, tuple[str, list[str]]]:
    return {
        column: (name, [v.strip().strip("'") for v in values.split(",")])
        for name, column, values in _CHECK_IN.findall(sql)
    }


def test_the_schema_has_all_19_tables_and_each_is_strict(schema: dict[str, str]) -> None:
    ours = {name for name in schema if "yoyo" not in name}
    assert ours == ALL_TABLES
    for table in ALL_TABLES:
        assert schema[table].rstrip().endswith("STRICT"), table


@pytest.mark.parametrize("record", list(TABLE_OF), ids=lambda r: r.__name__)
def test_every_enum_field_matches_its_named_check_constraint(
    schema: dict[str, str], record: type
) -> None:
    table = TABLE_OF[record]
    checks = enum_checks(schema[table])
    for column in columns_of(record):
        if column.kind is Kind.ENUM:
            assert column.enum is not None
            name, values = checks[column.name]
            assert name == f"{table}_{column.name}_check"
            assert values == [m.value for m in column.enum], column.name
            expected = f"{record.__name__}{column.name.title().replace('_', '')}"
            assert column.enum.__name__ == expected
            assert getattr(cwdb, expected) is column.enum


def test_change_set_status_matches_its_check(schema: dict[str, str]) -> None:
    _name, values = enum_checks(schema["change_sets"])["status"]
    assert values == [m.value for m in cwdb.ChangeSetStatus]


def _sql_default(value: object) -> str | None:
    if value is REQUIRED or value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return f"'{value}'"


@pytest.mark.parametrize("record", list(TABLE_OF), ids=lambda r: r.__name__)
def test_records_match_their_tables_columns_nullability_and_defaults(record: type) -> None:
    with cwdb.connect(":memory:") as db:
        info = raw_connection(db).execute(f"PRAGMA table_info({TABLE_OF[record]})").fetchall()
    columns = columns_of(record)
    assert [row[1] for row in info] == [c.name for c in columns]
    for (_, name, _, notnull, default, _), column in zip(info, columns, strict=True):
        assert bool(notnull) == (not column.nullable), name
        if not column.managed:
            assert default == _sql_default(column.default), name


def test_every_boolean_and_json_column_has_a_named_check(schema: dict[str, str]) -> None:
    for record, table in TABLE_OF.items():
        for column in columns_of(record):
            if column.kind in (Kind.BOOL, Kind.JSON):
                assert f"CONSTRAINT {table}_{column.name}_check" in schema[table]


def test_every_foreign_key_child_column_is_indexed() -> None:
    with cwdb.connect(":memory:") as db:
        connection = raw_connection(db)
        for table in ALL_TABLES:
            indexed = {
                connection.execute(f"PRAGMA index_info({index[1]})").fetchall()[0][2]
                for index in connection.execute(f"PRAGMA index_list({table})")
            }
            for fk in connection.execute(f"PRAGMA foreign_key_list({table})"):
                assert fk[3] in indexed, f"{table}.{fk[3]}"


def test_sqlite_340_reads_every_table_of_a_migrated_file(db_path: Path) -> None:
    with cwdb.connect(db_path) as db:
        db.initiatives.create(name="readable")
    connection = sqlite3.connect(db_path)
    try:
        for table in ALL_TABLES:
            connection.execute(f"SELECT * FROM {table}").fetchall()
        assert connection.execute("SELECT name FROM initiatives").fetchall() == [("readable",)]
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()
    assert sqlite3.sqlite_version_info >= (3, 37)


def test_a_dbas_hand_written_insert_with_a_bad_value_is_refused_by_sqlite(db_path: Path) -> None:
    cwdb.ensure_schema(db_path)
    connection = apsw.Connection(str(db_path))
    with pytest.raises(apsw.ConstraintError, match="initiatives_status_check"):
        connection.execute(
            "INSERT INTO initiatives (id, name, status, created_at, updated_at) "
            "VALUES ('x', 'n', 'bogus', 0, 0)"
        )
    with pytest.raises(apsw.ConstraintError):
        connection.execute(
            "INSERT INTO initiatives (id, name, created_at, updated_at) "
            "VALUES ('x', 'n', 'soon', 0)"
        )
    with pytest.raises(apsw.ConstraintError, match="agents_result_check"):
        connection.execute(
            "INSERT INTO agents (id, name, worktree_id, result, created_at, updated_at) "
            "VALUES ('a', 'n', 'w', '{not json', 0, 0)"
        )
    connection.close()


def test_a_check_failure_becomes_an_integrity_error_naming_the_rule(db: cwdb.Database) -> None:
    if backend_of(db) == "postgresql":
        import psycopg

        from cwdb.adapters.psycopg.translate import translate as translate_pg

        with psycopg.connect(postgres_url(db), autocommit=True) as pg:
            try:
                pg.execute(
                    "INSERT INTO initiatives (id, name, status, created_at, updated_at) "
                    "VALUES ('x', 'n', 'bogus', now(), now())"
                )
            except psycopg.Error as error:
                failed = translate_pg(error, busy_timeout_ms=1)
        assert type(failed) is cwdb.IntegrityError
        assert "initiatives_status_check" in str(failed)
        return
    from cwdb.adapters.apsw.translate import translate

    connection = raw_connection(db)
    try:
        connection.execute(
            "INSERT INTO initiatives (id, name, status, created_at, updated_at) "
            "VALUES ('x', 'n', 'bogus', 0, 0)"
        )
    except apsw.ConstraintError as error:
        translated = translate(error, busy_timeout_ms=1)
    assert type(translated) is cwdb.IntegrityError
    assert "initiatives_status_check" in str(translated)
