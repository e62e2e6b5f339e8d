"""A write that refers to a missing row: the error names the field and the id.

SQLite says only that a FOREIGN KEY constraint failed; the library looks the
referenced ids up again in the failed call's own transaction (see
``cwdb/adapters/apsw/explain.py`` and ``sql/_references.sql``).
"""

from __future__ import annotations

import pytest

import cwdb
from cwdb.adapters.sqlfiles import query_file
from tests.support import factories
from tests.support.helpers import raw_connection, snapshot


def test_a_create_referring_to_a_missing_row_names_the_field_and_the_id(
    db: cwdb.Database,
) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError, match=r"^initiative_id: no initiative with id 'nope'$"):
        db.phases.create(initiative_id="nope", name="p")
    session = db.chat_sessions.create_session("phase", "x", factories.initiative(db).id)
    before = snapshot(db)
    expected = r"^chat_session_id: no chat session with id 'nope'$"
    with pytest.raises(cwdb.IntegrityError, match=expected):
        db.chat_sessions.create_message("nope", "user", "hi")
    with pytest.raises(cwdb.IntegrityError, match=r"^change_set_id: no change set with id 'cs'$"):
        db.chat_sessions.create_message(session.id, "user", "hi", "cs")
    assert snapshot(db) == before


@pytest.mark.parametrize("noun", ["phase", "task"])
def test_a_dependency_on_a_missing_row_names_the_field_and_the_id(
    db: cwdb.Database, noun: str
) -> None:
    repository = getattr(db, f"{noun}s")
    made = getattr(factories, noun)(db)
    before = snapshot(db)
    expected = rf"^depends_on_{noun}_id: no {noun} with id 'nope'$"
    with pytest.raises(cwdb.IntegrityError, match=expected):
        repository.create_dependency(made.id, "nope")
    with pytest.raises(cwdb.NotFoundError):  # the id the call is about
        repository.create_dependency("nope", made.id)
    assert snapshot(db) == before


def test_an_update_to_a_missing_parent_names_the_field_inside_a_transaction(
    db: cwdb.Database,
) -> None:
    task = factories.task(db)
    with db.transaction():
        kept = db.initiatives.create(name="kept")
        with pytest.raises(cwdb.IntegrityError, match=r"^parent_task_id: no task with id 'gone'$"):
            db.tasks.update(task.id, parent_task_id="gone")
    assert db.initiatives.find_by_id(kept.id) == kept
    assert db.tasks.find_by_id(task.id) == task


@pytest.mark.sqlite_only(
    "sql/_references.sql explains SQLite's foreign-key failures; PostgreSQL's detail names the key"
)
def test_every_table_a_foreign_key_refers_to_can_be_looked_up(db: cwdb.Database) -> None:
    """sql/_references.sql's row_exists knows every parent table of the schema."""
    connection = raw_connection(db)
    try:
        queries = query_file("_references")
        tables = [str(r[0]) for r in connection.execute(query_file("_review")["tables"].sql)]
        parents = {
            str(parent)
            for table in tables
            for _, parent in connection.execute(queries["foreign_keys"].sql, {"table": table})
        }
        assert len(parents) == 10
        for parent in parents:
            assert f"WHEN '{parent}' THEN EXISTS (SELECT 1 FROM {parent} " in (
                queries["row_exists"].sql
            )
    finally:
        connection.close()
