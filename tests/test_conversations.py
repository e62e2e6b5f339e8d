"""ConversationRepository: questions between agents, answered at most once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import cwdb
from tests.support.factories import agent, initiative, phase, task
from tests.support.helpers import FakeClock, snapshot, storable_text

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def ids(rows: list[cwdb.Conversation]) -> list[str]:
    return [r.id for r in rows]


def ask(db: cwdb.Database, **fields: Any) -> cwdb.Conversation:
    """A new conversation; agents are made unless given."""
    if "from_agent_id" not in fields:
        fields["from_agent_id"] = agent(db).id
    if "to_agent_id" not in fields:
        fields["to_agent_id"] = agent(db).id
    fields.setdefault("question", "which branch?")
    return db.conversations.create(**fields)


# -- create / find_by_id ----------------------------------------------------------------------


def test_create_returns_a_pending_conversation_as_stored(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    asker, asked = agent(clocked_db), agent(clocked_db)
    made = clocked_db.conversations.create(asker.id, asked.id, "which branch?")
    assert (made.from_agent_id, made.to_agent_id, made.question) == (
        asker.id,
        asked.id,
        "which branch?",
    )
    assert (made.status, made.answer) == ("pending", None)
    assert (made.initiative_id, made.phase_id, made.task_id) == (None, None, None)
    assert made.created_at == made.updated_at == clock.now
    assert len(made.id) == 21
    assert clocked_db.conversations.find_by_id(made.id) == made


def context(db: cwdb.Database) -> tuple[str, str, str]:
    """A new (initiative id, phase id, task id) chain."""
    owner = initiative(db)
    step = phase(db, initiative_id=owner.id)
    return owner.id, step.id, task(db, phase_id=step.id).id


def test_create_stores_the_context_ids(db: cwdb.Database) -> None:
    initiative_id, phase_id, task_id = context(db)
    made = ask(db, initiative_id=initiative_id, phase_id=phase_id, task_id=task_id)
    assert (made.initiative_id, made.phase_id, made.task_id) == (initiative_id, phase_id, task_id)


@pytest.mark.parametrize(
    "field", ["from_agent_id", "to_agent_id", "initiative_id", "phase_id", "task_id"]
)
def test_create_with_an_unknown_referenced_id_is_an_integrity_error(
    db: cwdb.Database, field: str
) -> None:
    fields = {"from_agent_id": agent(db).id, "to_agent_id": agent(db).id, "question": "q"}
    before = snapshot(db)
    noun = field.removesuffix("_id").removeprefix("from_").removeprefix("to_")
    with pytest.raises(cwdb.IntegrityError, match=f"^{field}: no {noun} with id 'no-such-id'$"):
        db.conversations.create(**{**fields, field: "no-such-id"})
    assert snapshot(db) == before


def test_create_refuses_a_question_that_is_not_a_str(db: cwdb.Database) -> None:
    asker, asked = agent(db), agent(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="question"):
        db.conversations.create(asker.id, asked.id, None)  # type: ignore[arg-type]
    assert snapshot(db) == before


def test_create_with_a_wrong_argument_is_a_type_error(db: cwdb.Database) -> None:
    with pytest.raises(TypeError):
        db.conversations.create("a", "b", "q", status="answered")  # type: ignore[call-arg]


def test_find_by_id_of_an_unknown_id_returns_none(db: cwdb.Database) -> None:
    assert db.conversations.find_by_id("no-such-id") is None


# -- find_pending_for_agent -------------------------------------------------------------------


def test_find_pending_for_agent_returns_only_pending_questions_to_that_agent(
    db: cwdb.Database,
) -> None:
    asked = agent(db)
    wanted = ask(db, to_agent_id=asked.id)
    answered = ask(db, to_agent_id=asked.id)
    db.conversations.answer(answered.id, "done")
    ask(db)  # to someone else
    ask(db, from_agent_id=asked.id)  # asked by the agent, not to it
    assert ids(db.conversations.find_pending_for_agent(asked.id)) == [wanted.id]


def test_find_pending_for_agent_is_oldest_first_and_stable_within_a_millisecond(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    asked = agent(clocked_db)
    last = ask(clocked_db, to_agent_id=asked.id)
    clock.advance(milliseconds=-5)
    same_ms = [ask(clocked_db, to_agent_id=asked.id) for _ in range(3)]
    found = clocked_db.conversations.find_pending_for_agent(asked.id)
    assert ids(found) == [*ids(same_ms), last.id]


def test_find_pending_for_agent_of_an_unknown_agent_is_empty(db: cwdb.Database) -> None:
    assert db.conversations.find_pending_for_agent("no-such-agent") == []


# -- answer -------------------------------------------------------------------------------------


def test_answer_stores_the_answer_and_marks_it_answered(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = ask(clocked_db)
    clock.advance(seconds=1)
    answered = clocked_db.conversations.answer(made.id, "use main")
    assert (answered.answer, answered.status) == ("use main", "answered")
    assert answered.updated_at == clock.now
    assert answered.created_at == made.created_at
    assert clocked_db.conversations.find_by_id(made.id) == answered


def test_answer_never_moves_updated_at_back(clocked_db: cwdb.Database, clock: FakeClock) -> None:
    made = ask(clocked_db)
    clock.advance(seconds=-1)
    assert clocked_db.conversations.answer(made.id, "ok").updated_at == made.updated_at


def test_answer_keeps_the_answer_byte_for_byte(db: cwdb.Database) -> None:
    asked = ask(db)

    def answer(text: str) -> cwdb.Conversation:
        return db.conversations.answer(asked.id, text)

    text = storable_text(db, "line 1\r\nnul \x00 \U0001f600", "answer", answer)
    assert answer(text).answer == text


def test_answer_of_an_unknown_id_is_not_found_and_writes_nothing(db: cwdb.Database) -> None:
    ask(db)
    before = snapshot(db)
    with pytest.raises(cwdb.NotFoundError, match="no-such-id"):
        db.conversations.answer("no-such-id", "hello")
    assert snapshot(db) == before


def test_answer_of_an_answered_conversation_is_a_conflict_and_keeps_the_first_answer(
    db: cwdb.Database,
) -> None:
    made = ask(db)
    first = db.conversations.answer(made.id, "first")
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError, match="already answered"):
        db.conversations.answer(made.id, "second")
    assert snapshot(db) == before
    assert db.conversations.find_by_id(made.id) == first


@pytest.mark.parametrize("bad", [None, 42, b"bytes"])
def test_answer_refuses_a_value_that_is_not_a_str(db: cwdb.Database, bad: Any) -> None:
    made = ask(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="answer"):
        db.conversations.answer(made.id, bad)
    assert snapshot(db) == before


def test_answer_inside_a_transaction_conflicts_without_undoing_the_block(
    db: cwdb.Database,
) -> None:
    made, other = ask(db), ask(db)
    db.conversations.answer(made.id, "first")
    with db.transaction():
        db.conversations.answer(other.id, "kept")
        with pytest.raises(cwdb.ConflictError):
            db.conversations.answer(made.id, "second")
    assert db.conversations.find_by_id(other.id).answer == "kept"  # type: ignore[union-attr]


def test_concurrent_answers_exactly_one_wins(file_db: cwdb.Database) -> None:
    made = ask(file_db)
    threads = 8
    barrier = threading.Barrier(threads)
    won: list[str] = []
    conflicts: list[str] = []
    other: list[BaseException] = []

    def answer(n: int) -> None:
        try:
            barrier.wait()
            file_db.conversations.answer(made.id, f"answer {n}")
            won.append(f"answer {n}")
        except cwdb.ConflictError:
            conflicts.append(f"answer {n}")
        except BaseException as error:
            other.append(error)

    workers = [threading.Thread(target=answer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert other == []
    assert len(won) == 1
    assert len(conflicts) == threads - 1
    stored = file_db.conversations.find_by_id(made.id)
    assert stored is not None
    assert (stored.answer, stored.status) == (won[0], "answered")


# -- count_by_from_agent_ids --------------------------------------------------------------------


def test_count_by_from_agent_ids_counts_every_status_and_gives_zero_for_the_rest(
    db: cwdb.Database,
) -> None:
    busy, quiet = agent(db), agent(db)
    for _ in range(2):
        ask(db, from_agent_id=busy.id)
    db.conversations.answer(ask(db, from_agent_id=busy.id).id, "done")
    ask(db, to_agent_id=quiet.id)  # asked of quiet, not by it
    counts = db.conversations.count_by_from_agent_ids([busy.id, quiet.id, "no-such-agent"])
    assert counts == {busy.id: 3, quiet.id: 0, "no-such-agent": 0}


def test_count_by_from_agent_ids_of_an_empty_batch_is_empty(db: cwdb.Database) -> None:
    ask(db)
    assert db.conversations.count_by_from_agent_ids([]) == {}
    assert db.conversations.count_by_from_agent_ids(iter(())) == {}


def test_count_by_from_agent_ids_accepts_any_iterable_and_duplicates(db: cwdb.Database) -> None:
    made = ask(db)
    ids_twice = (i for i in [made.from_agent_id, made.from_agent_id])
    assert db.conversations.count_by_from_agent_ids(ids_twice) == {made.from_agent_id: 1}
    assert db.conversations.count_by_from_agent_ids({made.from_agent_id}) == {made.from_agent_id: 1}


def test_count_by_from_agent_ids_binds_a_batch_larger_than_sqlites_variable_limit(
    db: cwdb.Database,
) -> None:
    made = ask(db)
    many = [f"agent-{i}" for i in range(40_000)] + [made.from_agent_id]
    counts = db.conversations.count_by_from_agent_ids(many)
    assert len(counts) == 40_001
    assert counts[made.from_agent_id] == 1
    assert sum(counts.values()) == 1


def test_count_by_from_agent_ids_refuses_a_single_str(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="agent_ids"):
        db.conversations.count_by_from_agent_ids("agent-1")


# -- find_by_from_agent_id ----------------------------------------------------------------------


def test_find_by_from_agent_id_returns_that_agents_questions_oldest_first(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    asker = agent(clocked_db)
    later = ask(clocked_db, from_agent_id=asker.id)
    clock.advance(milliseconds=-5)
    same_ms = [ask(clocked_db, from_agent_id=asker.id) for _ in range(3)]
    clocked_db.conversations.answer(same_ms[1].id, "answered ones count too")
    ask(clocked_db)  # someone else's
    ask(clocked_db, to_agent_id=asker.id)  # asked of the agent
    found = clocked_db.conversations.find_by_from_agent_id(asker.id)
    assert ids(found) == [*ids(same_ms), later.id]


def test_find_by_from_agent_id_of_an_unknown_agent_is_empty(db: cwdb.Database) -> None:
    assert db.conversations.find_by_from_agent_id("no-such-agent") == []


# -- cascades -------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["from_agent_id", "to_agent_id"])
def test_deleting_either_agent_deletes_the_conversation(db: cwdb.Database, side: str) -> None:
    made = ask(db)
    db.agents.delete(getattr(made, side))
    assert db.conversations.find_by_id(made.id) is None


@pytest.mark.parametrize("repository", ["tasks", "phases", "initiatives"])
def test_deleting_the_context_sets_its_id_to_none_and_keeps_the_conversation(
    db: cwdb.Database, repository: str
) -> None:
    initiative_id, phase_id, task_id = context(db)
    made = ask(db, initiative_id=initiative_id, phase_id=phase_id, task_id=task_id)
    field, doomed = {
        "tasks": ("task_id", task_id),
        "phases": ("phase_id", phase_id),
        "initiatives": ("initiative_id", initiative_id),
    }[repository]
    getattr(db, repository).delete(doomed)
    kept = db.conversations.find_by_id(made.id)
    assert kept is not None
    assert getattr(kept, field) is None
    assert kept.question == made.question


# -- the port -------------------------------------------------------------------------------------


def test_the_adapter_has_exactly_the_ports_methods(db: cwdb.Database) -> None:
    assert isinstance(db.conversations, cwdb.ConversationRepository)
    public = {name for name in dir(db.conversations) if not name.startswith("_")}
    assert public == {
        "create",
        "find_by_id",
        "find_pending_for_agent",
        "answer",
        "count_by_from_agent_ids",
        "find_by_from_agent_id",
    }
