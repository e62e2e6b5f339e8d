"""connect(clock=...): every timestamp written, and every "now" compared, comes from it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

import cwdb
from cwdb.records._codec import ms_from_time
from tests.support import factories
from tests.support.helpers import FakeClock, raw_connection, snapshot

#: Far from the real time, so a timestamp taken from the system clock shows.
T1 = datetime(2001, 2, 3, 4, 5, 6, 789_000, tzinfo=UTC)
T2 = T1 + timedelta(days=1, milliseconds=1)
#: Columns the caller gives (the library writes what it is told).
CALLER_GIVEN = {"exhausted_until", "user_dismissed_at", "last_fetched_at"}


@pytest.fixture
def fixed() -> FakeClock:
    return FakeClock(T1)


@pytest.fixture
def fixed_db(fixed: FakeClock) -> Iterator[cwdb.Database]:
    with cwdb.connect(":memory:", clock=fixed) as database:
        yield database


def stored_times(db: cwdb.Database) -> dict[str, dict[str, set[int]]]:
    """table -> library-written timestamp column -> the values stored."""
    connection = raw_connection(db)
    try:
        tables = [
            str(row[0])
            for row in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '%yoyo%'"
            )
        ]
        found: dict[str, dict[str, set[int]]] = {}
        for table in tables:
            columns = [
                str(row[1])
                for row in connection.execute(f"PRAGMA table_info({table})")
                if str(row[1]).endswith(("_at", "_until")) and row[1] not in CALLER_GIVEN
            ]
            found[table] = {
                column: {
                    row[0]
                    for row in connection.execute(f"SELECT {column} FROM {table}")
                    if row[0] is not None
                }
                for column in columns
            }
        return found
    finally:
        connection.close()


def every_repository_writes(db: cwdb.Database) -> dict[str, Any]:
    """One row (at least) in every table that has a repository."""
    initiative = factories.initiative(db)
    design, build = factories.phase(db, initiative_id=initiative.id), factories.phase(db)
    db.phases.create_dependency(build.id, design.id)
    first, second = factories.task(db), factories.task(db)
    db.tasks.create_dependency(second.id, first.id)
    agent, other = factories.agent(db), factories.agent(db)
    account = factories.account(db)
    project = factories.project(db)
    db.projects.set_initiative_projects(initiative.id, [project.id])
    page = factories.page(db)
    proposal = factories.proposal(db, agent_id=agent.id)
    message = factories.message(db)
    errand = factories.errand(db)
    db.log_chunks.insert_chunk(agent.id, agent.name, "hello")
    db.log_chunks.insert_chunks([{"agent_id": agent.id, "agent_name": agent.name, "content": "."}])
    conversation = db.conversations.create(agent.id, other.id, "Which palette?")
    chat = db.chat_sessions.create_session("phase", build.id, initiative.id)
    db.chat_sessions.create_message(chat.id, "user", "Why?")
    comment = db.review_comments.create(build.id, "a.css", 3, "added", "Use a variable.")
    return {
        "initiative": initiative, "phase": build, "task": first, "agent": agent,
        "account": account, "project": project, "page": page, "proposal": proposal,
        "message": message, "errand": errand, "conversation": conversation, "chat": chat,
        "comment": comment,
    }  # fmt: skip


def test_every_timestamp_written_comes_from_the_clock(
    fixed_db: cwdb.Database, fixed: FakeClock
) -> None:
    every_repository_writes(fixed_db)
    times = stored_times(fixed_db)
    for table, columns in times.items():
        if table == "change_sets":  # no repository writes it yet
            continue
        assert columns["created_at"] == {ms_from_time(T1, "T1")}, table
        for column, values in columns.items():
            assert values <= {ms_from_time(T1, "T1")}, f"{table}.{column}"


def test_every_update_takes_its_time_from_the_clock(
    fixed_db: cwdb.Database, fixed: FakeClock
) -> None:
    made = every_repository_writes(fixed_db)
    fixed.now = T2
    db = fixed_db
    changed = [
        db.initiatives.update(made["initiative"].id, status="completed"),
        db.phases.update(made["phase"].id, status="in_progress"),
        db.tasks.update(made["task"].id, priority="high"),
        db.tasks.increment_retry_count(made["task"].id),
        db.agents.update(made["agent"].id, status="running"),
        db.accounts.update(made["account"].id, sort_order=4),
        db.projects.update(made["project"].id, default_branch="trunk"),
        db.pages.update(made["page"].id, title="renamed"),
        db.proposals.update(made["proposal"].id, status="accepted"),
        db.messages.update(made["message"].id, status="read"),
        db.errands.update(made["errand"].id, status="merged"),
        db.conversations.answer(made["conversation"].id, "The dark one."),
        db.chat_sessions.update_session(made["chat"].id, status="closed"),
        db.review_comments.resolve(made["comment"].id),
    ]
    for record in changed:
        assert record.updated_at == T2, type(record).__name__
        assert record.created_at == T1, type(record).__name__
    assert db.proposals.update_many_by_agent_id(made["agent"].id, status="dismissed") == 1
    stored = db.proposals.find_by_id(made["proposal"].id)
    assert stored is not None
    assert stored.updated_at == T2
    for table, columns in stored_times(db).items():
        for column, values in columns.items():
            allowed = {ms_from_time(T1, "T1"), ms_from_time(T2, "T2")}
            assert values <= allowed, f"{table}.{column}"


def test_an_account_pick_stamps_last_used_at_from_the_clock(
    fixed_db: cwdb.Database, fixed: FakeClock
) -> None:
    factories.account(fixed_db)
    fixed.now = T2
    picked = fixed_db.accounts.find_next_available()
    assert picked is not None
    assert picked.last_used_at == T2


def test_exhaustion_expires_by_the_clock_not_the_system_time(
    fixed_db: cwdb.Database, fixed: FakeClock
) -> None:
    account = factories.account(fixed_db)
    fixed_db.accounts.mark_exhausted(account.id, T1 + timedelta(hours=1))
    assert fixed_db.accounts.find_next_available() is None
    fixed.advance(hours=2)
    picked = fixed_db.accounts.find_next_available()
    assert picked is not None
    assert picked.id == account.id
    assert not picked.is_exhausted


def test_clearing_expired_exhaustion_compares_with_the_clock(
    fixed_db: cwdb.Database, fixed: FakeClock
) -> None:
    account = factories.account(fixed_db)
    fixed_db.accounts.mark_exhausted(account.id, T1 + timedelta(hours=1))
    assert fixed_db.accounts.clear_expired_exhaustion() == 0
    fixed.advance(hours=2)
    assert fixed_db.accounts.clear_expired_exhaustion() == 1


WRITES = {
    "create": lambda db, agent: db.initiatives.create(name="x"),
    "update": lambda db, agent: db.agents.update(agent.id, status="running"),
    "insert_chunk": lambda db, agent: db.log_chunks.insert_chunk(agent.id, "n", "c"),
    "insert_chunks": lambda db, agent: db.log_chunks.insert_chunks(
        [{"agent_id": agent.id, "agent_name": "n", "content": "c"}]
    ),
    "conversation": lambda db, agent: db.conversations.create(agent.id, agent.id, "q?"),
    "pick_account": lambda db, agent: db.accounts.find_next_available(),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize(
    "bad_now", [datetime(2026, 1, 1, 12, 0), "2026-01-01T12:00:00Z"], ids=["naive", "str"]
)
def test_a_clock_giving_no_aware_datetime_is_a_validation_error_and_writes_nothing(
    fixed_db: cwdb.Database, fixed: FakeClock, write: str, bad_now: Any
) -> None:
    agent = factories.agent(fixed_db)
    factories.account(fixed_db)
    before = snapshot(fixed_db)
    fixed.now = bad_now
    with pytest.raises(cwdb.ValidationError, match="clock"):
        WRITES[write](fixed_db, agent)
    assert snapshot(fixed_db) == before


def test_a_clock_in_another_zone_stores_the_same_instant_returned_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    clock = FakeClock(datetime(2026, 6, 1, 14, 0, tzinfo=paris))
    with cwdb.connect(":memory:", clock=clock) as db:
        made = factories.initiative(db)
    assert made.created_at == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert made.created_at.utcoffset() == timedelta(0)


def test_the_default_clock_is_the_system_time_in_utc(db: cwdb.Database) -> None:
    before = time.time_ns() // 1_000_000
    made = factories.initiative(db)
    after = time.time_ns() // 1_000_000
    assert made.created_at.utcoffset() == timedelta(0)
    assert before <= ms_from_time(made.created_at, "created_at") <= after
