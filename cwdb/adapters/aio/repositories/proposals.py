"""Generated from cwdb/adapters/repositories/proposals.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The proposal repository, for every dialect (``proposals.sql`` of its SQL folder)."""

from __future__ import annotations

from typing import Any

from cwdb.adapters.aio.repositories.crud import AsyncCrudAdapter
from cwdb.adapters.aio.runner import AsyncRunner, Queries, Values
from cwdb.adapters.repositories.updates import UpdateStatements
from cwdb.records.proposals import Proposal


class AsyncSqlProposalRepository(AsyncCrudAdapter[Proposal]):
    """The proposal repository over a runner of either dialect."""

    _record = Proposal

    def __init__(self, runner: AsyncRunner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_by_agent_id_and_status = queries.many("find_by_agent_id_and_status", Proposal)
        self._count_by_agent_id_and_status = queries.single("count_by_agent_id_and_status", int)
        self._count_by_agent_id = queries.single("count_by_agent_id", int)
        self._update_many_by_agent_id = UpdateStatements(
            queries,
            "update_many_by_agent_id",
            self._codec,
            bind=lambda name: queries.many(name, str),
        )

    async def find_by_agent_id_and_status(self, agent_id: str, status: str) -> list[Proposal]:
        params = {"agent_id": agent_id, "status": self._codec.enum_filter("status", status)}
        return await self._run.all(self._find_by_agent_id_and_status, params)

    async def count_by_agent_id_and_status(self, agent_id: str, status: str) -> int:
        params = {"agent_id": agent_id, "status": self._codec.enum_filter("status", status)}
        return await self._run.single(self._count_by_agent_id_and_status, params)

    async def update_many_by_agent_id(self, agent_id: str, /, **changes: Any) -> int:
        """One UPDATE for all of the agent's proposals; the rows it matched.

        The statement returns one id per matched row, so the count is exact
        even where a value did not differ.
        """
        run = self._run
        statement, params = self._update_many_by_agent_id.params(changes)
        if not changes:
            return await run.single(self._count_by_agent_id, {"agent_id": agent_id})
        params["where_agent_id"] = agent_id
        params["now"] = self._now()
        return len(await run.all(statement, params))
