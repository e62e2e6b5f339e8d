"""ChatSessionRepository: one active chat per target, its messages."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import cwdb
from tests.support.factories import agent, initiative
from tests.support.helpers import (
    FakeClock,
    add_change_set,
    execute,
    snapshot,
    storable_text,
    unique,
)

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def start(db: cwdb.Database, **fields: Any) -> cwdb.ChatSession:
    """A new active session on a new phase target, parents made unless given."""
    fields.setdefault("target_type", "phase")
    fields.setdefault("target_id", unique("phase"))
    if "initiative_id" not in fields:
        fields["initiative_id"] = initiative(db).id
    return db.chat_sessions.create_session(**fields)


def change_set(db: cwdb.Database, initiative_id: str) -> str:
    """A change set row (no repository has them yet), made with plain SQL."""
    change_set_id = unique("change-set")
    add_change_set(db, change_set_id, initiative_id)
    return change_set_id


def ids(rows: list[Any]) -> list[str]:
    return [r.id for r in rows]


# -- create_session -------------------------------------------------------------------------------


def test_create_session_returns_an_active_session_as_stored(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    owner = initiative(clocked_db)
    made = clocked_db.chat_sessions.create_session("task", "task-1", owner.id)
    assert (made.target_type, made.target_id, made.initiative_id) == ("task", "task-1", owner.id)
    assert (made.agent_id, made.status) == (None, "active")
    assert made.created_at == made.updated_at == clock.now
    assert len(made.id) == 21
    assert clocked_db.chat_sessions.find_active_session("task", "task-1") == made


def test_create_session_stores_the_agent(db: cwdb.Database) -> None:
    helper = agent(db)
    assert start(db, agent_id=helper.id).agent_id == helper.id


def test_create_session_accepts_the_enum_member(db: cwdb.Database) -> None:
    made = start(db, target_type=cwdb.ChatSessionTargetType.TASK)
    assert made.target_type == "task"
    assert type(made.target_type) is str


def test_a_second_active_session_for_a_target_is_a_conflict(db: cwdb.Database) -> None:
    first = start(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError, match="UNIQUE"):
        start(db, target_id=first.target_id, initiative_id=first.initiative_id)
    assert snapshot(db) == before


def test_the_same_target_id_under_another_target_type_is_a_different_target(
    db: cwdb.Database,
) -> None:
    on_phase = start(db, target_type="phase", target_id="x")
    on_task = start(db, target_type="task", target_id="x", initiative_id=on_phase.initiative_id)
    assert db.chat_sessions.find_active_session("phase", "x") == on_phase
    assert db.chat_sessions.find_active_session("task", "x") == on_task


def test_closing_a_session_lets_the_target_have_a_new_active_one(db: cwdb.Database) -> None:
    first = start(db)
    db.chat_sessions.update_session(first.id, status="closed")
    second = start(db, target_id=first.target_id, initiative_id=first.initiative_id)
    assert second.id != first.id
    assert db.chat_sessions.find_active_session("phase", first.target_id) == second


def test_concurrent_create_session_for_one_target_makes_exactly_one(
    file_db: cwdb.Database,
) -> None:
    owner = initiative(file_db)
    threads = 8
    barrier = threading.Barrier(threads)
    made: list[cwdb.ChatSession] = []
    conflicts: list[int] = []
    other: list[BaseException] = []

    def create(n: int) -> None:
        try:
            barrier.wait()
            made.append(file_db.chat_sessions.create_session("task", "contested", owner.id))
        except cwdb.ConflictError:
            conflicts.append(n)
        except BaseException as error:
            other.append(error)

    workers = [threading.Thread(target=create, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert other == []
    assert (len(made), len(conflicts)) == (1, threads - 1)
    assert file_db.chat_sessions.find_active_session("task", "contested") == made[0]


def test_create_session_refuses_a_bad_target_type_and_writes_nothing(db: cwdb.Database) -> None:
    owner = initiative(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=r"target_type: 'bogus' is not one of 'phase'"):
        db.chat_sessions.create_session("bogus", "x", owner.id)
    assert snapshot(db) == before


@pytest.mark.parametrize("field", ["initiative_id", "agent_id"])
def test_create_session_with_an_unknown_referenced_id_is_an_integrity_error(
    db: cwdb.Database, field: str
) -> None:
    fields = {"target_type": "phase", "target_id": "x", "initiative_id": initiative(db).id}
    before = snapshot(db)
    noun = field.removesuffix("_id")
    with pytest.raises(cwdb.IntegrityError, match=f"^{field}: no {noun} with id 'no-such-id'$"):
        db.chat_sessions.create_session(**{**fields, field: "no-such-id"})
    assert snapshot(db) == before


def test_create_session_with_a_wrong_argument_is_a_type_error(db: cwdb.Database) -> None:
    with pytest.raises(TypeError):
        db.chat_sessions.create_session("phase", "x", "i", status="closed")  # type: ignore[call-arg]


# -- find_active_session --------------------------------------------------------------------------


def test_find_active_session_ignores_closed_sessions(db: cwdb.Database) -> None:
    made = start(db)
    db.chat_sessions.update_session(made.id, status="closed")
    assert db.chat_sessions.find_active_session("phase", made.target_id) is None


def test_find_active_session_of_an_unknown_target_returns_none(db: cwdb.Database) -> None:
    start(db)
    assert db.chat_sessions.find_active_session("phase", "no-such-target") is None


def test_find_active_session_accepts_the_enum_member(db: cwdb.Database) -> None:
    made = start(db)
    found = db.chat_sessions.find_active_session(cwdb.ChatSessionTargetType.PHASE, made.target_id)
    assert found == made


def test_find_active_session_refuses_a_bad_target_type(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="target_type"):
        db.chat_sessions.find_active_session("bogus", "x")


# -- find_active_session_by_agent_id --------------------------------------------------------------


def test_find_active_session_by_agent_id_returns_the_most_recently_created_active_one(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    helper = agent(clocked_db)
    start(clocked_db, agent_id=helper.id)
    clock.advance(seconds=1)
    newest_active = start(clocked_db, agent_id=helper.id)
    clock.advance(seconds=1)
    newer_closed = start(clocked_db, agent_id=helper.id)
    clocked_db.chat_sessions.update_session(newer_closed.id, status="closed")
    start(clocked_db, agent_id=agent(clocked_db).id)  # another agent's, newer still
    assert clocked_db.chat_sessions.find_active_session_by_agent_id(helper.id) == newest_active


def test_find_active_session_by_agent_id_breaks_a_millisecond_tie_by_creation(
    clocked_db: cwdb.Database,
) -> None:
    helper = agent(clocked_db)
    made = [start(clocked_db, agent_id=helper.id) for _ in range(3)]
    assert clocked_db.chat_sessions.find_active_session_by_agent_id(helper.id) == made[-1]


def test_find_active_session_by_agent_id_goes_by_creation_not_by_update(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    helper = agent(clocked_db)
    older = start(clocked_db, agent_id=helper.id)
    clock.advance(seconds=1)
    newer = start(clocked_db, agent_id=helper.id)
    clock.advance(seconds=1)
    clocked_db.chat_sessions.update_session(older.id, target_id=unique("phase"))
    assert clocked_db.chat_sessions.find_active_session_by_agent_id(helper.id) == newer


def test_find_active_session_by_agent_id_without_active_sessions_returns_none(
    db: cwdb.Database,
) -> None:
    helper = agent(db)
    db.chat_sessions.update_session(start(db, agent_id=helper.id).id, status="closed")
    assert db.chat_sessions.find_active_session_by_agent_id(helper.id) is None
    assert db.chat_sessions.find_active_session_by_agent_id("no-such-agent") is None


# -- update_session -------------------------------------------------------------------------------


def test_update_session_changes_only_the_given_field(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = start(clocked_db, agent_id=agent(clocked_db).id)
    clock.advance(seconds=1)
    closed = clocked_db.chat_sessions.update_session(made.id, status="closed")
    assert closed.status == "closed"
    assert closed.updated_at == clock.now
    unchanged = ("id", "target_type", "target_id", "initiative_id", "agent_id", "created_at")
    assert all(getattr(closed, name) == getattr(made, name) for name in unchanged)


def test_update_session_can_change_several_fields_and_clear_the_agent(db: cwdb.Database) -> None:
    made = start(db, agent_id=agent(db).id)
    changed = db.chat_sessions.update_session(
        made.id, agent_id=None, target_type="task", target_id="t-9"
    )
    assert (changed.agent_id, changed.target_type, changed.target_id) == (None, "task", "t-9")


def test_update_session_without_changes_returns_the_row_as_stored(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = start(clocked_db)
    clock.advance(seconds=1)
    assert clocked_db.chat_sessions.update_session(made.id) == made


def test_update_session_never_moves_updated_at_back(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = start(clocked_db)
    clock.advance(seconds=-1)
    assert clocked_db.chat_sessions.update_session(made.id, status="closed").updated_at == (
        made.updated_at
    )


@pytest.mark.parametrize("changes", [{}, {"status": "closed"}], ids=["no changes", "a change"])
def test_update_session_of_an_unknown_id_is_not_found_and_writes_nothing(
    db: cwdb.Database, changes: dict[str, Any]
) -> None:
    start(db)
    before = snapshot(db)
    with pytest.raises(cwdb.NotFoundError, match="no-such-id"):
        db.chat_sessions.update_session("no-such-id", **changes)
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bogus": 1}, "bogus: unknown field"),
        ({"id": "new-id"}, "id: immutable field"),
        ({"created_at": None}, "created_at: immutable field"),
        ({"updated_at": None}, "updated_at: immutable field"),
        ({"status": "bogus"}, "status: 'bogus' is not one of 'active', 'closed'"),
        ({"target_type": "initiative"}, "target_type: 'initiative' is not one of"),
        ({"status": None}, "status: may not be None"),
        ({"target_id": 7}, "target_id: expected text"),
    ],
)
def test_update_session_refuses_a_bad_change_and_writes_nothing(
    db: cwdb.Database, changes: dict[str, Any], message: str
) -> None:
    made = start(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=message):
        db.chat_sessions.update_session(made.id, **changes)
    assert snapshot(db) == before


def test_update_session_takes_the_id_positionally_only(db: cwdb.Database) -> None:
    made = start(db)
    with pytest.raises(cwdb.ValidationError, match="id: immutable field"):
        db.chat_sessions.update_session(made.id, id=made.id)  # type: ignore[call-arg]


def test_reactivating_a_session_whose_target_has_another_active_one_is_a_conflict(
    db: cwdb.Database,
) -> None:
    first = start(db)
    db.chat_sessions.update_session(first.id, status="closed")
    start(db, target_id=first.target_id, initiative_id=first.initiative_id)
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError):
        db.chat_sessions.update_session(first.id, status="active")
    assert snapshot(db) == before


def test_update_session_to_an_unknown_agent_is_an_integrity_error(db: cwdb.Database) -> None:
    made = start(db)
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError, match=r"^agent_id: no agent with id 'no-such-agent'$"):
        db.chat_sessions.update_session(made.id, agent_id="no-such-agent")
    assert snapshot(db) == before


# -- create_message / find_messages_by_session_id -------------------------------------------------


def test_create_message_returns_the_message_as_stored(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    session = start(clocked_db)

    def create(content: str) -> cwdb.ChatMessage:
        return clocked_db.chat_sessions.create_message(session.id, "user", content)

    content = storable_text(clocked_db, "hello\x00\U0001f600", "content", create)
    made = create(content)
    assert (made.chat_session_id, made.role, made.content) == (session.id, "user", content)
    assert (made.change_set_id, made.created_at) == (None, clock.now)
    assert len(made.id) == 21
    assert clocked_db.chat_sessions.find_messages_by_session_id(session.id) == [made]


def test_create_message_stores_the_change_set(db: cwdb.Database) -> None:
    session = start(db)
    applied = change_set(db, session.initiative_id)
    made = db.chat_sessions.create_message(session.id, "assistant", "done", applied)
    assert made.change_set_id == applied


def test_create_message_refuses_a_bad_role_and_writes_nothing(db: cwdb.Database) -> None:
    session = start(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=r"role: 'bot' is not one of 'user'"):
        db.chat_sessions.create_message(session.id, "bot", "hi")
    assert snapshot(db) == before


def test_create_message_for_an_unknown_session_is_an_integrity_error(db: cwdb.Database) -> None:
    before = snapshot(db)
    expected = "^chat_session_id: no chat session with id 'no-such-session'$"
    with pytest.raises(cwdb.IntegrityError, match=expected):
        db.chat_sessions.create_message("no-such-session", "user", "hi")
    assert snapshot(db) == before


def test_create_message_with_an_unknown_change_set_is_an_integrity_error(
    db: cwdb.Database,
) -> None:
    session = start(db)
    before = snapshot(db)
    expected = "^change_set_id: no change set with id 'no-such-change-set'$"
    with pytest.raises(cwdb.IntegrityError, match=expected):
        db.chat_sessions.create_message(session.id, "assistant", "hi", "no-such-change-set")
    assert snapshot(db) == before


def test_find_messages_by_session_id_is_oldest_first_and_stable_within_a_millisecond(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    session, other = start(clocked_db), start(clocked_db)
    chat = clocked_db.chat_sessions
    last = chat.create_message(session.id, "assistant", "later")
    clock.advance(milliseconds=-5)
    same_ms = [chat.create_message(session.id, "user", str(i)) for i in range(3)]
    chat.create_message(other.id, "user", "elsewhere")
    assert ids(chat.find_messages_by_session_id(session.id)) == [*ids(same_ms), last.id]


def test_find_messages_by_session_id_of_an_unknown_session_is_empty(db: cwdb.Database) -> None:
    assert db.chat_sessions.find_messages_by_session_id("no-such-session") == []


# -- cascades -------------------------------------------------------------------------------------


def test_deleting_the_initiative_deletes_its_sessions_and_their_messages(
    db: cwdb.Database,
) -> None:
    session = start(db)
    db.chat_sessions.create_message(session.id, "user", "hi")
    kept = start(db)
    db.initiatives.delete(session.initiative_id)
    assert db.chat_sessions.find_active_session("phase", session.target_id) is None
    assert db.chat_sessions.find_messages_by_session_id(session.id) == []
    assert db.chat_sessions.find_active_session("phase", kept.target_id) == kept


def test_deleting_the_agent_keeps_the_session_without_an_agent(db: cwdb.Database) -> None:
    helper = agent(db)
    session = start(db, agent_id=helper.id)
    db.agents.delete(helper.id)
    found = db.chat_sessions.find_active_session("phase", session.target_id)
    assert found is not None
    assert found.agent_id is None
    assert db.chat_sessions.find_active_session_by_agent_id(helper.id) is None


def test_deleting_the_change_set_keeps_the_message_without_it(db: cwdb.Database) -> None:
    session = start(db)
    applied = change_set(db, session.initiative_id)
    made = db.chat_sessions.create_message(session.id, "assistant", "done", applied)
    execute(db, "DELETE FROM change_sets WHERE id = ?", (applied,))
    (found,) = db.chat_sessions.find_messages_by_session_id(session.id)
    assert (found.id, found.change_set_id) == (made.id, None)


# -- the port -------------------------------------------------------------------------------------


def test_the_adapter_has_exactly_the_ports_methods(db: cwdb.Database) -> None:
    assert isinstance(db.chat_sessions, cwdb.ChatSessionRepository)
    public = {name for name in dir(db.chat_sessions) if not name.startswith("_")}
    assert public == {
        "create_session",
        "find_active_session",
        "find_active_session_by_agent_id",
        "update_session",
        "create_message",
        "find_messages_by_session_id",
    }
