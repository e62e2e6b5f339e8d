"""InitiativeRepository beyond the shared CRUD contract (docs/reference.md §4, §7)."""

from __future__ import annotations

import pytest

import cwdb
from tests.support.helpers import FakeClock, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def test_find_by_status_returns_only_that_status_oldest_first(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    first = clocked_db.initiatives.create(name="first")
    clock.advance(seconds=1)
    clocked_db.initiatives.create(name="elsewhere", status="completed")
    second = clocked_db.initiatives.create(name="second")
    assert clocked_db.initiatives.find_by_status("active") == [first, second]


def test_find_by_status_keeps_insertion_order_within_one_millisecond(
    clocked_db: cwdb.Database,
) -> None:
    made = [clocked_db.initiatives.create(name=f"same ms {i}") for i in range(5)]
    assert clocked_db.initiatives.find_by_status("active") == made


def test_find_by_status_moves_with_an_update(db: cwdb.Database) -> None:
    initiative = db.initiatives.create(name="moving")
    db.initiatives.update(initiative.id, status="completed")
    assert db.initiatives.find_by_status("active") == []
    assert [i.id for i in db.initiatives.find_by_status("completed")] == [initiative.id]


def test_find_by_status_accepts_an_enum_member(db: cwdb.Database) -> None:
    initiative = db.initiatives.create(name="member")
    assert db.initiatives.find_by_status(cwdb.InitiativeStatus.ACTIVE) == [initiative]


def test_find_by_status_of_a_status_nobody_has_is_empty(db: cwdb.Database) -> None:
    db.initiatives.create(name="active one")
    assert db.initiatives.find_by_status("archived") == []


@pytest.mark.parametrize("bad", ["bogus", "ACTIVE", "", 1])
def test_find_by_status_of_a_bad_value_is_a_validation_error_naming_the_choices(
    db: cwdb.Database, bad: object
) -> None:
    with pytest.raises(cwdb.ValidationError, match=r"status: .* is not one of .*'active'"):
        db.initiatives.find_by_status(bad)  # type: ignore[arg-type]


def test_find_by_status_of_none_is_a_validation_error(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="status: may not be None"):
        db.initiatives.find_by_status(None)  # type: ignore[arg-type]


def test_create_with_a_bad_status_writes_nothing(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="status"):
        db.initiatives.create(name="bad", status="bogus")  # type: ignore[typeddict-item]
    assert snapshot(db) == before
