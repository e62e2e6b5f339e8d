"""The agent repository, for every dialect (``agents.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.repositories.crud import CrudAdapter
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.records.agents import Agent


class SqlAgentRepository(CrudAdapter[Agent]):
    """The agent repository over a runner of either dialect."""

    _record = Agent

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_by_name = queries.one("find_by_name", Agent)
        self._find_by_task_id = queries.one("find_by_task_id", Agent)
        self._find_by_session_id = queries.one("find_by_session_id", Agent)
        self._find_by_status = queries.many("find_by_status", Agent)

    def find_by_name(self, name: str) -> Agent | None:
        return self._run.one(self._find_by_name, {"name": name})

    def find_by_task_id(self, task_id: str) -> Agent | None:
        return self._run.one(self._find_by_task_id, {"task_id": task_id})

    def find_by_session_id(self, session_id: str) -> Agent | None:
        return self._run.one(self._find_by_session_id, {"session_id": session_id})

    def find_by_status(self, status: str) -> list[Agent]:
        params = {"status": self._codec.enum_filter("status", status)}
        return self._run.all(self._find_by_status, params)
