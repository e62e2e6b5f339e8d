"""Values outside an enum, and misspelled chunk keys: mypy --strict must refuse each.

Each refused line ends with ``# E: <mypy error code>``; tests/test_typing.py
checks that mypy reports exactly those lines with those codes.
"""

from __future__ import annotations

import cwdb


def outside_the_enum(db: cwdb.Database, task: cwdb.Task, agent_id: str, text: str) -> None:
    db.tasks.create(name="Toggle", priority="urgent")  # E: arg-type
    db.tasks.update(task.id, status="done")  # E: arg-type
    db.initiatives.find_by_status("bogus")  # E: arg-type
    db.agents.find_by_status(text)  # E: arg-type
    db.proposals.count_by_agent_id_and_status(agent_id, "maybe")  # E: arg-type
    db.errands.find_all(status="lost")  # E: arg-type
    db.chat_sessions.create_message("session-1", "robot", "hi")  # E: arg-type
    db.review_comments.create("phase-1", "a.py", 1, "changed", "body")  # E: arg-type


def misspelled_chunks(db: cwdb.Database, a: str, n: str) -> None:
    chunks = db.log_chunks
    chunks.insert_chunks(
        [
            {"agent_id": a, "agent_name": n, "content": n, "pid": 2},  # E: typeddict-unknown-key
        ]
    )
    chunks.insert_chunks([{"agent_id": a, "agent_name": n}])  # E: typeddict-item
    chunks.insert_chunks([{"agent_id": a, "agent_name": n, "content": 1}])  # E: typeddict-item


def a_field_is_its_values(task: cwdb.Task) -> None:
    status: str = task.status
    done: bool = task.status == "finished"  # E: comparison-overlap
    print(status, done)
