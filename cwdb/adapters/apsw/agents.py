"""APSW adapter of the agents repository (skeleton: methods to come)."""

from __future__ import annotations

from cwdb.adapters.apsw.runner import Queries, Runner


class ApswAgentRepository:
    """Agent rows stored in SQLite through APSW."""

    def __init__(self, runner: Runner, queries: Queries) -> None:
        self._run = runner
