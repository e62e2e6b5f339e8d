"""APSW adapter of the chat sessions repository (skeleton: methods to come)."""

from __future__ import annotations

from cwdb.adapters.apsw.runner import Queries, Runner


class ApswChatSessionRepository:
    """ChatSession rows stored in SQLite through APSW."""

    def __init__(self, runner: Runner, queries: Queries) -> None:
        self._run = runner
