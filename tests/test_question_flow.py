"""The three places a question lives, and how each is closed (docs/reference.md §4).

A reply among ``messages`` does not close its question: the caller marks the
question ``responded`` in the same block. A conversation is closed by its one
answer. ``Agent.pending_questions`` is the caller's to clear.
"""

from __future__ import annotations

import pytest

import cwdb
from tests.support.factories import agent
from tests.support.helpers import snapshot


def test_a_reply_leaves_the_question_pending_until_it_is_marked_responded(
    db: cwdb.Database,
) -> None:
    asker = agent(db)
    question = db.messages.create(
        sender_type="agent",
        sender_id=asker.id,
        recipient_type="user",
        type="question",
        content="Which branch?",
        requires_response=True,
    )
    with db.transaction():
        reply = db.messages.create(
            sender_type="user",
            recipient_type="agent",
            recipient_id=asker.id,
            type="response",
            content="main",
            parent_message_id=question.id,
        )
        assert db.messages.find_requiring_response() == [question]
        db.messages.update(question.id, status="responded")
    assert db.messages.find_requiring_response() == []
    assert db.messages.find_replies(question.id) == [reply]


def test_a_conversation_is_closed_by_its_one_answer_and_a_second_changes_nothing(
    db: cwdb.Database,
) -> None:
    asker, answerer = agent(db), agent(db)
    asked = db.conversations.create(
        from_agent_id=asker.id, to_agent_id=answerer.id, question="Done?"
    )
    assert db.conversations.find_pending_for_agent(answerer.id) == [asked]
    answered = db.conversations.answer(asked.id, "yes")
    assert (answered.status, answered.answer) == ("answered", "yes")
    assert db.conversations.find_pending_for_agent(answerer.id) == []
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError):
        db.conversations.answer(asked.id, "no")
    assert snapshot(db) == before


def test_pending_questions_stay_on_the_agent_until_the_caller_clears_them(
    db: cwdb.Database,
) -> None:
    waiting = agent(db, status="waiting_for_input", pending_questions=[{"q": "Which?"}])
    assert db.agents.find_by_id(waiting.id) == waiting
    resumed = db.agents.update(waiting.id, pending_questions=None, status="running")
    assert (resumed.pending_questions, resumed.status) == (None, "running")
