"""Misspelled, unknown and library-managed fields: mypy --strict must refuse each.

Each refused line ends with ``# E: <mypy error code>``; tests/test_typing.py
checks that mypy reports exactly those lines with those codes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import cwdb


def misspelled(db: cwdb.Database) -> None:
    made = db.initiatives.create(nmae="Add dark mode")  # E: call-arg
    db.initiatives.update(made.id, nmae="Dark mode")  # E: call-arg
    db.tasks.create(name="Toggle", priorty="high")  # E: call-arg


def managed(db: cwdb.Database, initiative: cwdb.Initiative) -> None:
    db.initiatives.update(initiative.id, id="another")  # E: call-arg
    db.initiatives.create(name="x", created_at=datetime.now(UTC))  # E: call-arg
    db.errands.update("errand-1", id="errand-2")  # E: call-arg
