"""Secrets stay secret, input stays data, ids come from where the contract says.

docs/reference.md §1, §3, §6, §7 and the README's security notes:
- files are private (0600) whatever the umask (the default-umask case is in
  tests/test_connect.py and tests/test_backup.py);
- ``Account.credentials`` and ``config_json`` never show in a ``repr()``, a
  log line, or an error message, on any path;
- no statement is built from input: strings made to break SQL are stored and
  looked up as plain data, and the schema is untouched (the statement tracer
  plugin, tests/support/tracer.py, checks the statement texts themselves);
- only errands take an id from the caller.
"""

from __future__ import annotations

import logging
import os
import stat
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apsw
import pytest

import cwdb
from tests.support import factories
from tests.support.helpers import backend_of, execute, snapshot, storable_text, use_ids

SENTINEL = "sk-SECRET-7d0c-never-in-output"
CONFIG = f'{{"api_key": "{SENTINEL}"}}'
MALICIOUS = [
    "'); DROP TABLE tasks; --",
    '"); DROP TABLE initiatives; --',
    "' OR '1'='1",
    "x'); DELETE FROM agents WHERE ('1'='1",
    "1; ATTACH DATABASE '/tmp/evil.db' AS evil; --",
    "*/ DROP TABLE pages; /*",
    "\x00'; DROP TABLE phases; --",
    ":id ?1 $now @x",
    "'||(SELECT group_concat(credentials) FROM accounts)||'",
]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def every_text(error: BaseException) -> str:
    """All an error can show: message, repr, notes, the whole chained traceback."""
    return "\n".join(
        [str(error), repr(error), *traceback.format_exception(error)]
        + [str(note) for note in getattr(error, "__notes__", [])]
    )


# -- files are private -----------------------------------------------------------------


def test_files_are_private_even_with_a_permissive_umask(db_path: Path) -> None:
    with umask(0o000), cwdb.connect(db_path) as db:
        factories.account(db, credentials=SENTINEL)
        assert mode_of(db_path) == 0o600
        assert mode_of(Path(f"{db_path}-wal")) == 0o600
        assert mode_of(Path(f"{db_path}-shm")) == 0o600


def test_ensure_schema_creates_a_private_file_even_with_a_permissive_umask(tmp_path: Path) -> None:
    path = tmp_path / "migrated.db"
    with umask(0o000):
        cwdb.ensure_schema(path)
    assert mode_of(path) == 0o600


# -- credentials never show ------------------------------------------------------------


def test_credentials_never_appear_in_the_repr_of_any_account_result(
    db: cwdb.Database,
) -> None:
    made = factories.account(db, credentials=SENTINEL, config_json=CONFIG)
    results: list[Any] = [
        made,
        db.accounts.find_by_id(made.id),
        db.accounts.find_all(),
        db.accounts.update(made.id, sort_order=1),
        db.accounts.find_next_available(),
        db.accounts.mark_exhausted(made.id, datetime(2000, 1, 1, tzinfo=UTC)),
        db.accounts.clear_expired_exhaustion(),
        db,
        db.accounts,
    ]
    for result in results:
        assert SENTINEL not in repr(result)
        assert SENTINEL not in str(result)
    found = db.accounts.find_by_id(made.id)
    assert found is not None
    assert (found.credentials, found.config_json) == (SENTINEL, CONFIG)


FAILING_ACCOUNT_CALLS: list[tuple[str, Callable[[cwdb.Database, str], Any]]] = [
    ("create without email", lambda db, _: db.accounts.create(credentials=SENTINEL)),
    ("create, email None", lambda db, _: db.accounts.create(email=None, credentials=SENTINEL)),
    (
        "create, credentials bytes",
        lambda db, _: db.accounts.create(email="e", credentials=SENTINEL.encode()),
    ),
    (
        "create, credentials list",
        lambda db, _: db.accounts.create(email="e", credentials=[SENTINEL]),
    ),
    (
        "create, config dict",
        lambda db, _: db.accounts.create(email="e", config_json={"k": SENTINEL}),
    ),
    (
        "create, unknown field",
        lambda db, _: db.accounts.create(email="e", credentials=SENTINEL, token=SENTINEL),
    ),
    ("create, id given", lambda db, _: db.accounts.create(email="e", credentials=SENTINEL, id="x")),
    ("update, wrong type", lambda db, i: db.accounts.update(i, credentials=SENTINEL.encode())),
    ("update, tuple", lambda db, i: db.accounts.update(i, config_json=(SENTINEL,))),
    ("update, None email", lambda db, i: db.accounts.update(i, email=None, credentials=SENTINEL)),
    (
        "update, naive time",
        lambda db, i: db.accounts.update(
            i, credentials=SENTINEL, exhausted_until=datetime(2030, 1, 1)
        ),
    ),
    (
        "update, int overflow",
        lambda db, i: db.accounts.update(i, credentials=SENTINEL, sort_order=2**64),
    ),
    ("update, missing id", lambda db, _: db.accounts.update("no-such-id", credentials=SENTINEL)),
    (
        "update, immutable",
        lambda db, i: db.accounts.update(i, credentials=SENTINEL, created_at=SENTINEL),
    ),
    ("mark_exhausted, naive", lambda db, i: db.accounts.mark_exhausted(i, datetime(2030, 1, 1))),
    ("provider not str", lambda db, _: db.accounts.find_next_available(provider=[SENTINEL])),
]


@pytest.mark.parametrize(
    ("what", "call"), FAILING_ACCOUNT_CALLS, ids=[w for w, _ in FAILING_ACCOUNT_CALLS]
)
def test_no_error_message_shows_the_credentials(
    db: cwdb.Database, what: str, call: Callable[[cwdb.Database, str], Any]
) -> None:
    made = factories.account(db, credentials=SENTINEL, config_json=CONFIG)
    before = snapshot(db)
    with pytest.raises(cwdb.Error) as raised:
        call(db, made.id)
    assert snapshot(db) == before
    assert SENTINEL not in every_text(raised.value)


def test_a_write_of_credentials_that_sqlite_refuses_does_not_show_them(
    db: cwdb.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = factories.account(db)
    # The only way to make SQLite itself refuse an account row: a taken id.
    use_ids(db, lambda: taken.id)
    with pytest.raises(cwdb.ConflictError) as raised:
        db.accounts.create(email="e", credentials=SENTINEL, config_json=CONFIG)
    assert SENTINEL not in every_text(raised.value)


def test_a_busy_write_of_credentials_does_not_show_them(db_path: Path) -> None:
    cwdb.ensure_schema(db_path)
    holder = apsw.Connection(str(db_path))
    holder.execute("BEGIN IMMEDIATE")
    try:
        with cwdb.connect(db_path, busy_timeout_ms=20) as db:
            with pytest.raises(cwdb.BusyError) as raised:
                db.accounts.create(email="e", credentials=SENTINEL, config_json=CONFIG)
            assert SENTINEL not in every_text(raised.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_no_log_line_shows_the_credentials(
    db_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    cwdb.connect(db_path).close()
    os.chmod(db_path, 0o644)  # so the readable-file warning is logged too
    with cwdb.connect(db_path) as db:
        account = factories.account(db, credentials=SENTINEL, config_json=CONFIG)
        db.accounts.update(account.id, credentials=SENTINEL + "2", config_json=CONFIG)
        picked = db.accounts.find_next_available()
        assert picked is not None
        db.accounts.mark_exhausted(account.id, datetime.now(UTC) - timedelta(seconds=1))
        db.accounts.clear_expired_exhaustion()
        for call in FAILING_ACCOUNT_CALLS:
            try:
                call[1](db, account.id)
            except cwdb.Error as error:
                logging.getLogger("app").debug("call failed: %s", error, exc_info=True)
        with db.transaction():
            factories.account(db, credentials=SENTINEL)
        db.backup(tmp_path / "copy.db")
        assert db.accounts.find_by_id(account.id) is not None
    with cwdb.connect(tmp_path / "copy.db") as copy:
        assert len(copy.accounts.find_all()) == 2
    assert caplog.records, "the scenario logged nothing at all: the capture is not working"
    assert any(r.name == "cwdb" for r in caplog.records)
    for record in caplog.records:
        assert SENTINEL not in record.getMessage()
    assert SENTINEL not in caplog.text  # tracebacks of the logged errors included


# -- input is data, never SQL --------------------------------------------------------------


def schema_of(db: cwdb.Database) -> list[tuple[Any, ...]]:
    if backend_of(db) == "postgresql":
        return execute(
            db,
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        ) + execute(db, "SELECT indexname, indexdef FROM pg_indexes ORDER BY indexname")
    return execute(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name")


@pytest.mark.parametrize("evil", MALICIOUS, ids=range(len(MALICIOUS)))
def test_strings_built_to_break_sql_are_stored_as_data_in_every_repository(
    db: cwdb.Database, evil: str
) -> None:
    schema = schema_of(db)
    evil = storable_text(db, evil, "name", lambda text: db.initiatives.create(name=text))
    initiative = db.initiatives.create(name=evil, branch=evil)
    phase = db.phases.create(initiative_id=initiative.id, name=evil, content=evil, merge_base=evil)
    task = db.tasks.create(phase_id=phase.id, name=evil, description=evil, summary=evil)
    agent = db.agents.create(
        name=evil, worktree_id=evil, session_id=evil, prompt=evil, result={evil: [evil]}
    )
    message = db.messages.create(sender_type="user", recipient_type="agent", content=evil)
    root = db.pages.get_or_create_root_page(initiative.id)
    page = db.pages.create(
        initiative_id=initiative.id, parent_page_id=root.id, title=evil, content=evil
    )
    project = db.projects.create(name=evil, url=evil, default_branch=evil)
    account = db.accounts.create(email=evil, provider=evil, credentials=evil, config_json=evil)
    proposal = db.proposals.create(
        agent_id=agent.id,
        initiative_id=initiative.id,
        target_type="task",
        target_id=evil,
        title=evil,
        summary=evil,
        content=evil,
        metadata=evil,
    )
    chunk = db.log_chunks.insert_chunk(evil, evil, evil)
    db.log_chunks.insert_chunks([{"agent_id": evil, "agent_name": evil, "content": evil}])
    conversation = db.conversations.create(agent.id, agent.id, evil)
    answered = db.conversations.answer(conversation.id, evil)
    session = db.chat_sessions.create_session("task", evil, initiative.id)
    chat = db.chat_sessions.create_message(session.id, "user", evil)
    comment = db.review_comments.create(phase.id, evil, 1, "added", evil, evil)
    errand = db.errands.create(
        id=evil, description=evil, branch=evil, base_branch=evil, project_id=project.id
    )

    assert schema_of(db) == schema
    assert db.initiatives.find_by_id(initiative.id) == initiative
    assert initiative.name == phase.content == task.summary == page.content == evil
    assert db.agents.find_by_name(evil) == agent
    assert agent.result == {evil: [evil]}
    assert db.agents.find_by_session_id(evil) == agent
    assert db.messages.find_by_id(message.id) == message
    assert db.projects.find_by_name(evil) == project
    assert db.projects.find_by_url(evil) == project
    assert db.accounts.find_next_available(evil) == db.accounts.find_by_id(account.id)
    assert (account.credentials, account.config_json) == (evil, evil)
    assert db.proposals.find_by_id(proposal.id) == proposal
    assert proposal.metadata == evil
    assert [c.content for c in db.log_chunks.find_by_agent_ids([evil])] == [evil, evil]
    assert db.log_chunks.find_by_agent_id(evil)[0] == chunk
    assert db.log_chunks.get_session_count(evil) == 1
    assert answered.answer == evil
    assert db.conversations.count_by_from_agent_ids([agent.id, evil]) == {agent.id: 1, evil: 0}
    assert db.chat_sessions.find_active_session("task", evil) == session
    assert db.chat_sessions.find_messages_by_session_id(session.id) == [chat]
    assert db.review_comments.find_by_phase_id(phase.id) == [comment]
    assert db.errands.find_by_id(evil) == errand
    assert db.errands.find_all(project_id=evil) == []
    assert [len(db.initiatives.find_all()), len(db.tasks.find_all())] == [1, 1]
    db.errands.delete(evil)
    assert db.log_chunks.delete_by_agent_id(evil) == 2
    assert schema_of(db) == schema


def test_a_lookup_by_a_string_built_to_match_everything_matches_only_itself(
    db: cwdb.Database,
) -> None:
    plain = factories.agent(db, name="plain")
    assert db.agents.find_by_name("' OR '1'='1") is None
    assert db.agents.find_by_name("%") is None
    assert db.projects.find_by_name("' OR 1=1 --") is None
    assert db.log_chunks.find_by_agent_ids(["' OR '1'='1", '"]) OR 1=1 --']) == []
    assert db.errands.find_all(project_id="' OR '1'='1") == []
    assert db.agents.find_by_name("plain") == plain


# -- ids come from the library, except for errands -----------------------------------------


FIXED_SIGNATURE_CREATES: list[tuple[str, Callable[[cwdb.Database], Any]]] = [
    ("insert_chunk", lambda db: db.log_chunks.insert_chunk("a", "a", "c", id="mine")),
    ("conversations.create", lambda db: db.conversations.create("a", "b", "q", id="mine")),
    ("create_session", lambda db: db.chat_sessions.create_session("task", "t", "i", id="mine")),
    ("create_message", lambda db: db.chat_sessions.create_message("s", "user", "c", id="mine")),
    (
        "review_comments.create",
        lambda db: db.review_comments.create("p", "f", 1, "added", "b", id="mine"),
    ),
]


@pytest.mark.parametrize(
    ("what", "call"), FIXED_SIGNATURE_CREATES, ids=[w for w, _ in FIXED_SIGNATURE_CREATES]
)
def test_methods_with_a_fixed_signature_take_no_id(
    db: cwdb.Database, what: str, call: Callable[[cwdb.Database], Any]
) -> None:
    before = snapshot(db)
    with pytest.raises(TypeError, match="id"):
        call(db)
    assert snapshot(db) == before


def test_ids_the_library_makes_ignore_every_input(db: cwdb.Database) -> None:
    made = [
        db.initiatives.create(name="x").id,
        db.initiatives.create(name="x").id,
        db.log_chunks.insert_chunk("x", "x", "x").id,
    ]
    assert len(set(made)) == 3
    assert all(len(i) == 21 for i in made)
