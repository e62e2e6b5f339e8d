"""ReviewCommentRepository: its five methods, their errors and ordering."""

from __future__ import annotations

from typing import Any

import pytest

import cwdb
from tests.support.factories import phase
from tests.support.helpers import FakeClock, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def comment(db: cwdb.Database, phase_id: str | None = None, **fields: Any) -> cwdb.ReviewComment:
    args: dict[str, Any] = {
        "file_path": "src/app.py",
        "line_number": 12,
        "line_type": "added",
        "body": "why?",
        **fields,
    }
    return db.review_comments.create(phase_id or phase(db).id, **args)


# -- create ----------------------------------------------------------------------------


def test_create_returns_the_stored_unresolved_comment(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    reviewed = phase(clocked_db)
    made = clocked_db.review_comments.create(reviewed.id, "src/app.py", 12, "removed", "gone?")
    assert (made.phase_id, made.file_path, made.line_number) == (reviewed.id, "src/app.py", 12)
    assert (made.line_type, made.body) == ("removed", "gone?")
    assert made.author == "you"
    assert made.resolved is False
    assert made.created_at == made.updated_at == clock.now
    assert len(made.id) == 21
    assert clocked_db.review_comments.find_by_phase_id(reviewed.id) == [made]


def test_create_takes_an_author_and_every_line_type(db: cwdb.Database) -> None:
    reviewed = phase(db)
    for line_type in cwdb.ReviewCommentLineType:
        made = comment(db, reviewed.id, line_type=line_type, author="reviewer-bot")
        assert made.line_type == line_type
        assert made.author == "reviewer-bot"


def test_create_with_a_bad_line_type_raises_validation_error(db: cwdb.Database) -> None:
    reviewed = phase(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=r"line_type: 'bogus' is not one of 'added'"):
        comment(db, reviewed.id, line_type="bogus")
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"line_number": "12"}, "line_number"),
        ({"line_number": True}, "line_number"),
        ({"body": None}, "body"),
        ({"file_path": 3}, "file_path"),
        ({"author": None}, "author"),
    ],
)
def test_create_with_a_value_of_the_wrong_type_raises_validation_error(
    db: cwdb.Database, fields: dict[str, Any], named: str
) -> None:
    reviewed = phase(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=named):
        comment(db, reviewed.id, **fields)
    assert snapshot(db) == before


def test_create_with_an_unknown_phase_raises_integrity_error(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        comment(db, "no-such-phase")
    assert snapshot(db) == before


def test_create_with_wrong_arguments_raises_type_error(db: cwdb.Database) -> None:
    reviewed = phase(db)
    create: Any = db.review_comments.create
    with pytest.raises(TypeError):
        create(reviewed.id, "a.py", 1, "added")
    with pytest.raises(TypeError):
        create(reviewed.id, "a.py", 1, "added", "body", resolved=True)
    with pytest.raises(TypeError):
        create(reviewed.id, "a.py", 1, "added", "body", "you", "extra")


# -- find_by_phase_id ----------------------------------------------------------------------


def test_find_by_phase_id_is_oldest_first_and_stable_within_a_millisecond(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    reviewed = phase(clocked_db)
    later_first = comment(clocked_db, reviewed.id)
    clock.advance(milliseconds=-10)
    same_ms = [comment(clocked_db, reviewed.id).id for _ in range(3)]
    comment(clocked_db)  # another phase's
    found = clocked_db.review_comments.find_by_phase_id(reviewed.id)
    assert [c.id for c in found] == [*same_ms, later_first.id]


def test_find_by_phase_id_of_an_unknown_phase_is_empty(db: cwdb.Database) -> None:
    assert db.review_comments.find_by_phase_id("no-such-phase") == []


# -- resolve / unresolve ----------------------------------------------------------------------


def test_resolve_marks_the_comment_resolved_and_moves_updated_at(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = comment(clocked_db)
    clock.advance(seconds=1)
    resolved = clocked_db.review_comments.resolve(made.id)
    assert resolved.resolved is True
    assert resolved.updated_at == clock.now > made.created_at
    assert resolved.body == made.body
    assert clocked_db.review_comments.find_by_phase_id(made.phase_id) == [resolved]


def test_unresolve_marks_the_comment_unresolved_and_moves_updated_at(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = comment(clocked_db)
    clocked_db.review_comments.resolve(made.id)
    clock.advance(seconds=1)
    unresolved = clocked_db.review_comments.unresolve(made.id)
    assert unresolved.resolved is False
    assert unresolved.updated_at == clock.now


def test_resolve_never_moves_updated_at_back(clocked_db: cwdb.Database, clock: FakeClock) -> None:
    made = comment(clocked_db)
    clock.advance(minutes=-5)
    assert clocked_db.review_comments.resolve(made.id).updated_at == made.updated_at


@pytest.mark.parametrize("method", ["resolve", "unresolve", "delete"])
def test_an_unknown_id_raises_not_found(db: cwdb.Database, method: str) -> None:
    comment(db)
    before = snapshot(db)
    with pytest.raises(cwdb.NotFoundError, match="no-such-comment"):
        getattr(db.review_comments, method)("no-such-comment")
    assert snapshot(db) == before


# -- delete and cascades ------------------------------------------------------------------------


def test_delete_removes_only_that_comment(db: cwdb.Database) -> None:
    reviewed = phase(db)
    gone = comment(db, reviewed.id)
    kept = comment(db, reviewed.id)
    db.review_comments.delete(gone.id)
    assert db.review_comments.find_by_phase_id(reviewed.id) == [kept]


def test_deleting_the_phase_deletes_its_comments(db: cwdb.Database) -> None:
    made = comment(db)
    db.phases.delete(made.phase_id)
    assert db.review_comments.find_by_phase_id(made.phase_id) == []


# -- the port -------------------------------------------------------------------------------------


def test_the_adapter_satisfies_its_port(db: cwdb.Database) -> None:
    assert isinstance(db.review_comments, cwdb.ReviewCommentRepository)


def test_the_repository_has_exactly_the_listed_methods(db: cwdb.Database) -> None:
    public = {name for name in dir(db.review_comments) if not name.startswith("_")}
    assert public == {"create", "find_by_phase_id", "resolve", "unresolve", "delete"}
