"""AgentRepository beyond the shared CRUD contract (docs/reference.md §3, §4, §7)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cwdb
from tests.support import factories
from tests.support.helpers import FakeClock, backend_of, execute, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)


def stored_column(db: cwdb.Database, agent_id: str, column: str) -> Any:
    """The column as stored (a JSON column as its text, on both backends)."""
    cast = "::text" if backend_of(db) == "postgresql" else ""
    return execute(db, f"SELECT {column}{cast} FROM agents WHERE id = ?", (agent_id,))[0][0]


# -- lookups ------------------------------------------------------------------


def test_find_by_name_returns_the_agent(db: cwdb.Database) -> None:
    factories.agent(db)
    made = factories.agent(db)
    assert db.agents.find_by_name(made.name) == made


def test_find_by_name_of_unknown_name_returns_none(db: cwdb.Database) -> None:
    factories.agent(db)
    assert db.agents.find_by_name("nobody") is None


def test_find_by_task_id_returns_the_most_recently_created_agent(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    task = factories.task(clocked_db)
    factories.agent(clocked_db, task_id=task.id)
    clock.advance(seconds=1)
    newest = factories.agent(clocked_db, task_id=task.id)
    clock.advance(seconds=1)
    factories.agent(clocked_db, task_id=factories.task(clocked_db).id)
    assert clocked_db.agents.find_by_task_id(task.id) == newest


def test_find_by_task_id_within_one_millisecond_returns_the_last_created(
    clocked_db: cwdb.Database,
) -> None:
    task = factories.task(clocked_db)
    made = [factories.agent(clocked_db, task_id=task.id) for _ in range(3)]
    assert clocked_db.agents.find_by_task_id(task.id) == made[-1]


def test_find_by_task_id_follows_created_at_not_insertion_order(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    task = factories.task(clocked_db)
    later = factories.agent(clocked_db, task_id=task.id)
    clock.advance(minutes=-1)
    factories.agent(clocked_db, task_id=task.id)
    assert clocked_db.agents.find_by_task_id(task.id) == later


def test_find_by_task_id_of_unknown_task_returns_none(db: cwdb.Database) -> None:
    factories.agent(db)
    assert db.agents.find_by_task_id("no-such-task") is None


def test_find_by_session_id_returns_the_agent(db: cwdb.Database) -> None:
    factories.agent(db, session_id="session-a")
    made = factories.agent(db, session_id="session-b")
    assert db.agents.find_by_session_id("session-b") == made


def test_find_by_session_id_shared_by_two_agents_returns_the_newest(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    factories.agent(clocked_db, session_id="shared")
    clock.advance(seconds=1)
    newest = factories.agent(clocked_db, session_id="shared")
    assert clocked_db.agents.find_by_session_id("shared") == newest


def test_find_by_session_id_of_unknown_session_returns_none(db: cwdb.Database) -> None:
    factories.agent(db)
    assert db.agents.find_by_session_id("no-such-session") is None


def test_find_by_status_returns_matching_agents_oldest_first(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    first = factories.agent(clocked_db, status="running")
    factories.agent(clocked_db, status="idle")
    clock.advance(seconds=1)
    second = factories.agent(clocked_db, status="running")
    assert clocked_db.agents.find_by_status("running") == [first, second]


def test_find_by_status_keeps_creation_order_within_one_millisecond(
    clocked_db: cwdb.Database,
) -> None:
    made = [factories.agent(clocked_db, status="crashed") for _ in range(4)]
    assert clocked_db.agents.find_by_status("crashed") == made


def test_find_by_status_orders_by_created_at_before_insertion(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    later = factories.agent(clocked_db, status="stopped")
    clock.advance(minutes=-1)
    earlier = factories.agent(clocked_db, status="stopped")
    assert clocked_db.agents.find_by_status("stopped") == [earlier, later]


def test_find_by_status_accepts_the_enum_member(db: cwdb.Database) -> None:
    made = factories.agent(db, status="waiting_for_input")
    assert db.agents.find_by_status(cwdb.AgentStatus.WAITING_FOR_INPUT) == [made]


def test_find_by_status_with_no_match_returns_empty_list(db: cwdb.Database) -> None:
    factories.agent(db)
    assert db.agents.find_by_status("crashed") == []


def test_find_by_status_outside_the_enum_is_a_validation_error(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="status: 'bogus' is not one of 'idle'"):
        db.agents.find_by_status("bogus")


# -- uniqueness and references ----------------------------------------------


def test_create_with_a_taken_name_raises_conflict(db: cwdb.Database) -> None:
    made = factories.agent(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError, match=r"agents\.name"):
        factories.agent(db, name=made.name)
    assert snapshot(db) == before


def test_update_to_a_taken_name_raises_conflict(db: cwdb.Database) -> None:
    taken = factories.agent(db)
    other = factories.agent(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError):
        db.agents.update(other.id, name=taken.name)
    assert snapshot(db) == before


def test_create_with_an_unknown_task_raises_integrity_error(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        factories.agent(db, task_id="no-such-task")
    assert snapshot(db) == before


def test_deleting_its_task_sets_task_id_to_none(db: cwdb.Database) -> None:
    task = factories.task(db)
    made = factories.agent(db, task_id=task.id)
    db.tasks.delete(task.id)
    found = db.agents.find_by_id(made.id)
    assert found is not None
    assert found.task_id is None
    assert found.name == made.name


def test_deleting_its_initiative_sets_initiative_id_to_none(db: cwdb.Database) -> None:
    initiative = factories.initiative(db)
    made = factories.agent(db, initiative_id=initiative.id)
    db.initiatives.delete(initiative.id)
    found = db.agents.find_by_id(made.id)
    assert found is not None
    assert found.initiative_id is None


def test_deleting_its_account_sets_account_id_to_none(db: cwdb.Database) -> None:
    account = factories.account(db)
    made = factories.agent(db, account_id=account.id)
    db.accounts.delete(account.id)
    found = db.agents.find_by_id(made.id)
    assert found is not None
    assert found.account_id is None


# -- JSON fields ----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(result=json_values, pending=json_values)
def test_json_fields_round_trip_any_json_value(result: Any, pending: Any) -> None:
    with cwdb.connect(":memory:") as db:
        made = factories.agent(db, result=result, pending_questions=pending)
        assert made.result == result
        assert made.pending_questions == pending
        assert db.agents.find_by_id(made.id) == made


def test_a_tuple_comes_back_as_a_list(db: cwdb.Database) -> None:
    made = factories.agent(db, result=(1, ("a", None)), pending_questions={"q": (True,)})
    assert made.result == [1, ["a", None]]
    assert made.pending_questions == {"q": [True]}


def test_json_none_is_stored_as_sql_null(db: cwdb.Database) -> None:
    made = factories.agent(db, result={"ok": True}, pending_questions=["why?"])
    changed = db.agents.update(made.id, result=None, pending_questions=None)
    assert changed.result is None
    assert changed.pending_questions is None
    assert stored_column(db, made.id, "result") is None
    assert stored_column(db, made.id, "pending_questions") is None


def test_json_is_stored_as_valid_json_text(db: cwdb.Database) -> None:
    made = factories.agent(db, result={"files": ["a.py"], "ok": True})
    text = stored_column(db, made.id, "result")
    assert isinstance(text, str)
    if backend_of(db) == "postgresql":
        check = "SELECT jsonb_typeof(?::jsonb) = 'object', (?::jsonb -> 'ok')::text = 'true'"
        assert execute(db, check, (text, text)) == [(True, True)]
    else:
        check = "SELECT json_valid(?), json_extract(?, '$.ok')"
        assert execute(db, check, (text, text)) == [(1, 1)]


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, {"score": math.nan}, [1, [math.inf]]],
    ids=["nan", "inf", "-inf", "nested-nan", "nested-inf"],
)
@pytest.mark.parametrize("field", ["result", "pending_questions"])
def test_non_finite_numbers_in_json_are_refused_on_create(
    db: cwdb.Database, field: str, value: Any
) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=field):
        factories.agent(db, **{field: value})
    assert snapshot(db) == before


@pytest.mark.parametrize("field", ["result", "pending_questions"])
def test_non_finite_numbers_in_json_are_refused_on_update(db: cwdb.Database, field: str) -> None:
    made = factories.agent(db, **{field: {"score": 1.5}})
    changes: dict[str, Any] = {field: {"score": math.inf}}
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=field):
        db.agents.update(made.id, **changes)
    assert snapshot(db) == before
    assert db.agents.find_by_id(made.id) == made


def test_a_value_json_cannot_encode_is_refused(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="result"):
        factories.agent(db, result={"when": datetime.now(UTC)})
    assert snapshot(db) == before


# -- user_dismissed_at -----------------------------------------------------------


def test_user_dismissed_at_round_trips_as_aware_utc(db: cwdb.Database) -> None:
    local = datetime(2026, 3, 1, 9, 30, 15, 123000, tzinfo=timezone(timedelta(hours=2)))
    made = factories.agent(db, user_dismissed_at=local)
    assert made.user_dismissed_at == local
    assert made.user_dismissed_at is not None
    assert made.user_dismissed_at.utcoffset() == timedelta(0)
    assert db.agents.find_by_id(made.id) == made


def test_user_dismissed_at_can_be_cleared(db: cwdb.Database) -> None:
    made = factories.agent(db, user_dismissed_at=datetime(2026, 3, 1, tzinfo=UTC))
    assert db.agents.update(made.id, user_dismissed_at=None).user_dismissed_at is None


def test_a_naive_user_dismissed_at_is_refused_on_create(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="user_dismissed_at"):
        factories.agent(db, user_dismissed_at=datetime(2026, 3, 1, 9, 30))
    assert snapshot(db) == before


def test_a_naive_user_dismissed_at_is_refused_on_update(db: cwdb.Database) -> None:
    made = factories.agent(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="user_dismissed_at"):
        db.agents.update(made.id, user_dismissed_at=datetime(2026, 3, 1, 9, 30))
    assert snapshot(db) == before


# -- defaults --------------------------------------------------------------------


def test_create_applies_the_schema_defaults(db: cwdb.Database) -> None:
    made = db.agents.create(name="solo", worktree_id="wt-1")
    assert (made.status, made.mode, made.provider) == ("idle", "execute", "claude")
    assert made.task_id is made.initiative_id is made.session_id is made.account_id is None
    assert made.result is made.pending_questions is made.user_dismissed_at is None
