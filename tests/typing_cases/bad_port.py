"""Adapters that drifted from their port: ``Database``'s annotations refuse them.

``cwdb.Database`` annotates each repository attribute with its port, and
``Database.__init__`` assigns the APSW adapter to it, so ``mypy cwdb`` checks
every adapter against its port at that assignment. This file shows that the
same assignment refuses a class whose method signature drifted and one that
lacks methods. Each refused line ends with ``# E: <mypy error code>``.
"""

from __future__ import annotations

from typing import Any

import cwdb


class Drifted:
    """Every method of InitiativeRepository, but find_by_status grew a parameter."""

    def create(self, **fields: Any) -> cwdb.Initiative:
        raise NotImplementedError

    def find_by_id(self, id: str) -> cwdb.Initiative | None:
        return None

    def find_all(self) -> list[cwdb.Initiative]:
        return []

    def update(self, id: str, /, **changes: Any) -> cwdb.Initiative:
        raise NotImplementedError

    def delete(self, id: str) -> None:
        return None

    def find_by_status(self, status: str, limit: int) -> list[cwdb.Initiative]:
        return []


class Incomplete:
    def find_by_id(self, id: str) -> cwdb.Initiative | None:
        return None


def wire(db: cwdb.Database) -> None:
    db.initiatives = Drifted()  # E: assignment
    db.initiatives = Incomplete()  # E: assignment
