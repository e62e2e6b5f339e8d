"""Adapters that drifted from their port: the construction of _port_check.py refuses them.

cwdb/adapters/apsw/_port_check.py proves each adapter fits its port by
returning it where the port is expected; this file shows that the same
construction refuses a class whose method signature drifted and one that
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


def drifted(adapter: Drifted) -> cwdb.InitiativeRepository:
    return adapter  # E: return-value


def incomplete(adapter: Incomplete) -> cwdb.InitiativeRepository:
    return adapter  # E: return-value
