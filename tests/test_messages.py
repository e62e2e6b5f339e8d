"""MessageRepository beyond CRUD: inbox, open questions, replies, cascades."""

from __future__ import annotations

import pytest

import cwdb
from tests.support.factories import agent, message
from tests.support.helpers import FakeClock, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def ids(rows: list[cwdb.Message]) -> list[str]:
    return [r.id for r in rows]


# -- find_pending_for_user ------------------------------------------------------


def test_find_pending_for_user_returns_only_pending_messages_to_the_user(
    db: cwdb.Database,
) -> None:
    wanted = message(db, recipient_type="user", status="pending")
    message(db, recipient_type="user", status="read")
    message(db, recipient_type="user", status="responded")
    message(db, recipient_type="agent", status="pending")
    assert ids(db.messages.find_pending_for_user()) == [wanted.id]


def test_find_pending_for_user_is_oldest_first_and_stable_within_a_millisecond(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    later_first = message(clocked_db, recipient_type="user")
    clock.advance(milliseconds=-10)
    same_ms = [message(clocked_db, recipient_type="user").id for _ in range(3)]
    assert ids(clocked_db.messages.find_pending_for_user()) == [*same_ms, later_first.id]


def test_find_pending_for_user_is_empty_without_messages(db: cwdb.Database) -> None:
    assert db.messages.find_pending_for_user() == []


# -- find_requiring_response ------------------------------------------------------


def test_find_requiring_response_returns_pending_messages_that_need_an_answer(
    db: cwdb.Database,
) -> None:
    to_agent = message(db, recipient_type="agent", requires_response=True)
    to_user = message(db, recipient_type="user", requires_response=True, type="question")
    message(db, requires_response=False)
    message(db, requires_response=True, status="read")
    message(db, requires_response=True, status="responded")
    assert ids(db.messages.find_requiring_response()) == [to_agent.id, to_user.id]


def test_find_requiring_response_is_oldest_first_and_stable_within_a_millisecond(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    later_first = message(clocked_db, requires_response=True)
    clock.advance(milliseconds=-10)
    same_ms = [message(clocked_db, requires_response=True).id for _ in range(3)]
    assert ids(clocked_db.messages.find_requiring_response()) == [*same_ms, later_first.id]


def test_requires_response_round_trips_as_a_bool(db: cwdb.Database) -> None:
    made = message(db, requires_response=True)
    assert made.requires_response is True
    assert db.messages.update(made.id, requires_response=False).requires_response is False


# -- find_replies ---------------------------------------------------------------


def test_find_replies_returns_direct_replies_oldest_first(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    parent = message(clocked_db)
    later_first = message(clocked_db, parent_message_id=parent.id)
    clock.advance(milliseconds=-10)
    same_ms = [message(clocked_db, parent_message_id=parent.id).id for _ in range(3)]
    message(clocked_db, parent_message_id=later_first.id)  # a grandchild
    message(clocked_db)  # unrelated
    assert ids(clocked_db.messages.find_replies(parent.id)) == [*same_ms, later_first.id]


def test_find_replies_of_an_unknown_message_is_empty(db: cwdb.Database) -> None:
    assert db.messages.find_replies("no-such-id") == []


def test_create_with_an_unknown_parent_raises_integrity_error(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        message(db, parent_message_id="no-such-id")
    assert snapshot(db) == before


def test_update_to_an_unknown_parent_raises_integrity_error(db: cwdb.Database) -> None:
    made = message(db)
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        db.messages.update(made.id, parent_message_id="no-such-id")
    assert snapshot(db) == before


# -- cascades and set-null ---------------------------------------------------------


def test_deleting_a_message_deletes_its_replies_and_theirs(db: cwdb.Database) -> None:
    parent = message(db)
    reply = message(db, parent_message_id=parent.id)
    nested = message(db, parent_message_id=reply.id)
    other = message(db)
    db.messages.delete(parent.id)
    assert db.messages.find_by_id(reply.id) is None
    assert db.messages.find_by_id(nested.id) is None
    assert ids(db.messages.find_all()) == [other.id]


def test_deleting_a_reply_keeps_its_parent(db: cwdb.Database) -> None:
    parent = message(db)
    reply = message(db, parent_message_id=parent.id)
    db.messages.delete(reply.id)
    assert db.messages.find_by_id(parent.id) == parent
    assert db.messages.find_replies(parent.id) == []


def test_deleting_the_sender_agent_sets_sender_id_to_none(db: cwdb.Database) -> None:
    sender = agent(db)
    made = message(db, sender_type="agent", sender_id=sender.id)
    db.agents.delete(sender.id)
    kept = db.messages.find_by_id(made.id)
    assert kept is not None
    assert kept.sender_id is None
    assert kept.sender_type == "agent"


def test_deleting_the_recipient_agent_sets_recipient_id_to_none(db: cwdb.Database) -> None:
    recipient = agent(db)
    made = message(db, recipient_type="agent", recipient_id=recipient.id)
    db.agents.delete(recipient.id)
    kept = db.messages.find_by_id(made.id)
    assert kept is not None
    assert kept.recipient_id is None


def test_create_with_an_unknown_sender_raises_integrity_error(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        message(db, sender_type="agent", sender_id="no-such-agent")
    assert snapshot(db) == before


def test_create_takes_the_schema_defaults(db: cwdb.Database) -> None:
    made = db.messages.create(sender_type="user", recipient_type="agent", content="hi")
    assert (made.type, made.status, made.requires_response) == ("info", "pending", False)
    assert (made.sender_id, made.recipient_id, made.parent_message_id) == (None, None, None)
