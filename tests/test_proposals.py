"""ProposalRepository beyond CRUD: per-agent lists, counts, bulk update, JSON."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

import cwdb
from tests.support.factories import agent, proposal, proposal_fields
from tests.support.helpers import FakeClock, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def ids(rows: list[cwdb.Proposal]) -> list[str]:
    return [r.id for r in rows]


# -- find_by_agent_id_and_status ------------------------------------------------------------


def test_find_by_agent_id_and_status_filters_by_both(db: cwdb.Database) -> None:
    owner = agent(db)
    wanted = proposal(db, agent_id=owner.id)
    proposal(db, agent_id=owner.id, status="accepted")
    proposal(db)  # another agent's, pending
    assert ids(db.proposals.find_by_agent_id_and_status(owner.id, "pending")) == [wanted.id]


def test_find_by_agent_id_and_status_orders_by_sort_order_then_creation(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    owner = agent(clocked_db)
    last = proposal(clocked_db, agent_id=owner.id, sort_order=5)
    clock.advance(milliseconds=1)
    second = proposal(clocked_db, agent_id=owner.id, sort_order=1)
    clock.advance(milliseconds=-10)
    first_same_ms = [proposal(clocked_db, agent_id=owner.id, sort_order=1) for _ in range(3)]
    found = clocked_db.proposals.find_by_agent_id_and_status(owner.id, "pending")
    assert ids(found) == [*ids(first_same_ms), second.id, last.id]


def test_find_by_agent_id_and_status_accepts_the_enum_member(db: cwdb.Database) -> None:
    made = proposal(db, status="dismissed")
    found = db.proposals.find_by_agent_id_and_status(made.agent_id, cwdb.ProposalStatus.DISMISSED)
    assert ids(found) == [made.id]


def test_find_by_agent_id_and_status_of_an_unknown_agent_is_empty(db: cwdb.Database) -> None:
    assert db.proposals.find_by_agent_id_and_status("no-such-agent", "pending") == []


def test_find_by_agent_id_and_status_refuses_a_bad_status(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match=r"status: 'bogus' is not one of 'pending'"):
        db.proposals.find_by_agent_id_and_status("any", "bogus")


# -- count_by_agent_id_and_status ---------------------------------------------------------


def test_count_by_agent_id_and_status_counts_the_agents_proposals_in_that_status(
    db: cwdb.Database,
) -> None:
    owner = agent(db)
    for _ in range(3):
        proposal(db, agent_id=owner.id)
    proposal(db, agent_id=owner.id, status="accepted")
    proposal(db)  # another agent's
    assert db.proposals.count_by_agent_id_and_status(owner.id, "pending") == 3
    assert db.proposals.count_by_agent_id_and_status(owner.id, "accepted") == 1
    assert db.proposals.count_by_agent_id_and_status(owner.id, "dismissed") == 0


def test_count_by_agent_id_and_status_of_an_unknown_agent_is_zero(db: cwdb.Database) -> None:
    assert db.proposals.count_by_agent_id_and_status("no-such-agent", "pending") == 0


def test_count_by_agent_id_and_status_refuses_a_bad_status(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="status"):
        db.proposals.count_by_agent_id_and_status("any", "bogus")


# -- update_many_by_agent_id ------------------------------------------------------------------


def test_update_many_by_agent_id_changes_every_proposal_of_the_agent(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    owner = agent(clocked_db)
    made = [proposal(clocked_db, agent_id=owner.id) for _ in range(3)]
    other = proposal(clocked_db)
    clock.advance(seconds=1)
    assert clocked_db.proposals.update_many_by_agent_id(owner.id, status="dismissed") == 3
    for before in made:
        after = clocked_db.proposals.find_by_id(before.id)
        assert after is not None
        assert after.status == "dismissed"
        assert after.updated_at == clock.now
        assert after.title == before.title
    assert clocked_db.proposals.find_by_id(other.id) == other


def test_update_many_by_agent_id_counts_rows_matched_not_rows_that_differed(
    db: cwdb.Database,
) -> None:
    owner = agent(db)
    proposal(db, agent_id=owner.id, status="accepted")
    proposal(db, agent_id=owner.id, status="pending")
    assert db.proposals.update_many_by_agent_id(owner.id, status="accepted") == 2


def test_update_many_by_agent_id_changes_several_fields_at_once(db: cwdb.Database) -> None:
    made = proposal(db, summary="old")
    changed = db.proposals.update_many_by_agent_id(
        made.agent_id, sort_order=9, summary="new", metadata={"k": [1]}
    )
    assert changed == 1
    after = db.proposals.find_by_id(made.id)
    assert after is not None
    assert (after.sort_order, after.summary, after.metadata) == (9, "new", {"k": [1]})
    assert after.status == made.status


def test_update_many_by_agent_id_of_an_unknown_agent_is_zero(db: cwdb.Database) -> None:
    proposal(db)
    before = snapshot(db)
    assert db.proposals.update_many_by_agent_id("no-such-agent", status="accepted") == 0
    assert snapshot(db) == before


def test_update_many_by_agent_id_without_changes_counts_and_writes_nothing(
    db: cwdb.Database,
) -> None:
    owner = agent(db)
    proposal(db, agent_id=owner.id)
    proposal(db, agent_id=owner.id, status="accepted")
    before = snapshot(db)
    assert db.proposals.update_many_by_agent_id(owner.id) == 2
    assert db.proposals.update_many_by_agent_id("no-such-agent") == 0
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"no_such_field": 1}, "no_such_field"),
        ({"id": "other"}, "id"),
        ({"created_at": datetime(2020, 1, 1, tzinfo=UTC)}, "created_at"),
        ({"updated_at": datetime(2020, 1, 1, tzinfo=UTC)}, "updated_at"),
        ({"status": "bogus"}, "status"),
        ({"title": None}, "title"),
        ({"sort_order": "1"}, "sort_order"),
        ({"metadata": math.nan}, "metadata"),
    ],
)
def test_update_many_by_agent_id_refuses_bad_changes_and_writes_nothing(
    db: cwdb.Database, changes: dict[str, Any], named: str
) -> None:
    made = proposal(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=named):
        db.proposals.update_many_by_agent_id(made.agent_id, content="ok", **changes)
    assert snapshot(db) == before


def test_update_many_by_agent_id_to_an_unknown_agent_writes_nothing(db: cwdb.Database) -> None:
    owner = agent(db)
    proposal(db, agent_id=owner.id)
    proposal(db, agent_id=owner.id)
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        db.proposals.update_many_by_agent_id(owner.id, agent_id="no-such-agent")
    assert snapshot(db) == before


def test_update_many_by_agent_id_can_move_proposals_to_another_agent(db: cwdb.Database) -> None:
    old, new = agent(db), agent(db)
    made = proposal(db, agent_id=old.id)
    assert db.proposals.update_many_by_agent_id(old.id, agent_id=new.id) == 1
    assert ids(db.proposals.find_by_agent_id_and_status(new.id, "pending")) == [made.id]
    assert db.proposals.count_by_agent_id_and_status(old.id, "pending") == 0


def test_update_many_by_agent_id_never_moves_updated_at_back(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = proposal(clocked_db)
    clock.advance(minutes=-5)
    clocked_db.proposals.update_many_by_agent_id(made.agent_id, status="accepted")
    after = clocked_db.proposals.find_by_id(made.id)
    assert after is not None
    assert after.updated_at == made.updated_at


# -- metadata (JSON) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"files": ["a.py", "b.py"], "nested": {"n": 1, "x": 1.5, "ok": True, "none": None}},
        [1, "two", 3.0, False],
        "just text",
        42,
        0,
        "",
        {"unicode": "é 漢字 \U0001f600"},
    ],
)
def test_metadata_round_trips(db: cwdb.Database, value: Any) -> None:
    made = proposal(db, metadata=value)
    assert made.metadata == value
    stored = db.proposals.find_by_id(made.id)
    assert stored is not None
    assert stored.metadata == value


def test_metadata_none_is_stored_as_null(db: cwdb.Database) -> None:
    made = proposal(db, metadata={"a": 1})
    assert db.proposals.update(made.id, metadata=None).metadata is None
    assert proposal(db).metadata is None


def test_metadata_tuple_comes_back_as_a_list(db: cwdb.Database) -> None:
    assert proposal(db, metadata=(1, 2)).metadata == [1, 2]


@pytest.mark.parametrize("value", [math.nan, math.inf, {"x": -math.inf}, {1, 2}, object()])
def test_metadata_that_is_not_json_is_refused(db: cwdb.Database, value: Any) -> None:
    fields = proposal_fields(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="metadata"):
        db.proposals.create(**fields, metadata=value)
    assert snapshot(db) == before


# -- references and cascades ----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["agent_id", "initiative_id"])
def test_create_with_an_unknown_parent_raises_integrity_error(
    db: cwdb.Database, field: str
) -> None:
    fields = {**proposal_fields(db), field: "no-such-id"}
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        db.proposals.create(**fields)
    assert snapshot(db) == before


def test_deleting_the_agent_deletes_its_proposals(db: cwdb.Database) -> None:
    made = proposal(db)
    other = proposal(db)
    db.agents.delete(made.agent_id)
    assert db.proposals.find_by_id(made.id) is None
    assert ids(db.proposals.find_all()) == [other.id]


def test_deleting_the_initiative_deletes_its_proposals(db: cwdb.Database) -> None:
    made = proposal(db)
    other = proposal(db)
    db.initiatives.delete(made.initiative_id)
    assert db.proposals.find_by_id(made.id) is None
    assert ids(db.proposals.find_all()) == [other.id]
