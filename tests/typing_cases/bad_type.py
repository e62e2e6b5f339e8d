"""Values of the wrong type: mypy --strict must refuse each.

Each refused line ends with ``# E: <mypy error code>``; tests/test_typing.py
checks that mypy reports exactly those lines with those codes.
"""

from __future__ import annotations

import cwdb


def wrong_types(db: cwdb.Database, initiative: cwdb.Initiative) -> None:
    db.initiatives.create(name="x", quality_review="yes")  # E: arg-type
    db.initiatives.update(initiative.id, quality_review="yes")  # E: arg-type
    db.initiatives.update(initiative.id, name=None)  # E: arg-type
    db.tasks.create(name="Toggle", order="first")  # E: arg-type
    db.accounts.update("account-1", exhausted_until="tomorrow")  # E: arg-type
