"""A busy orchestrator's database with a row in every table, for the copy's tests."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import apsw

import cwdb

DEMO = Path(__file__).resolve().parent.parent.parent / "scripts" / "demo.py"
ODD_TEXT = "naïve café 🚀\r\n\ttab, trailing space \u2028 'quote' \"double\" \\ back"


def load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cwdb_demo", DEMO)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_busy(path: Path, *, days: int = 2) -> None:
    """An orchestrator's database with a row in every table and the awkward cases.

    Two demo days (every repository), a change set (no repository writes
    them), odd text, JSON with keys out of order, an exhausted account, a
    subtask and a page whose parent was inserted after them, deleted rows
    (gaps in rowid).
    """
    demo = load_demo()
    demo.say = lambda step, detail: None
    with cwdb.connect(path) as db:
        for day in range(days):
            initiative, project, build, tasks = demo.plan(db, f"day{day}")
            demo.work(db, f"day{day}", initiative=initiative, project=project, build=build,
                      tasks=tasks)  # fmt: skip
        early = db.tasks.create(initiative_id=initiative.id, name="early", description=ODD_TEXT)
        late = db.tasks.create(initiative_id=initiative.id, name="late")
        db.tasks.update(early.id, parent_task_id=late.id)
        root = db.pages.get_or_create_root_page(initiative.id)
        first = db.pages.create(initiative_id=initiative.id, parent_page_id=root.id, title="a")
        second = db.pages.create(initiative_id=initiative.id, parent_page_id=root.id, title="b")
        db.pages.update(first.id, parent_page_id=second.id, content=ODD_TEXT)
        agent = db.agents.find_all()[0]
        db.agents.update(
            agent.id,
            result={"z": 1, "a": [1.5, {"y": None, "b": True}], "ü": "🚀"},
            pending_questions=[{"q": "Which?", "options": ["x", "y"]}],
            user_dismissed_at=datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=UTC),
        )
        account = db.accounts.find_all()[0]
        db.accounts.mark_exhausted(account.id, datetime.now(UTC) + timedelta(hours=1))
        db.log_chunks.insert_chunks(
            {"agent_id": agent.id, "agent_name": agent.name, "content": ODD_TEXT} for _ in range(3)
        )
        gone = db.initiatives.create(name="deleted")
        db.initiatives.delete(gone.id)
        db.initiatives.create(name="after the gap", quality_review=True)
    connection = apsw.Connection(str(path))
    try:
        initiative_id, agent_id = connection.execute(
            "SELECT initiative_id, agent_id FROM chat_sessions ORDER BY rowid LIMIT 1"
        ).fetchall()[0]
        session_id = connection.execute(
            "SELECT id FROM chat_sessions ORDER BY rowid LIMIT 1"
        ).fetchall()[0][0]
        connection.execute(
            "INSERT INTO change_sets (id, initiative_id, agent_id, summary, status, created_at,"
            " updated_at) VALUES ('cs1', ?, ?, 'colours', 'applied', 1767225600123, 1767225600456)",
            (initiative_id, agent_id),
        )
        connection.execute(
            "INSERT INTO chat_messages (id, chat_session_id, role, content, change_set_id,"
            " created_at) VALUES ('cm-cs', ?, 'assistant', 'applied', 'cs1', 1767225600789)",
            (session_id,),
        )
    finally:
        connection.close()
