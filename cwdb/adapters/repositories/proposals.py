"""The proposal repository, for every dialect (``proposals.sql`` of its SQL folder)."""

from __future__ import annotations

from typing import Any

from cwdb.adapters.repositories.crud import CrudAdapter
from cwdb.adapters.repositories.updates import UpdateStatements
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.records.proposals import Proposal


class SqlProposalRepository(CrudAdapter[Proposal]):
    """The proposal repository over a runner of either dialect."""

    _record = Proposal

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
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

    def find_by_agent_id_and_status(self, agent_id: str, status: str) -> list[Proposal]:
        params = {"agent_id": agent_id, "status": self._codec.enum_filter("status", status)}
        return self._run.all(self._find_by_agent_id_and_status, params)

    def count_by_agent_id_and_status(self, agent_id: str, status: str) -> int:
        params = {"agent_id": agent_id, "status": self._codec.enum_filter("status", status)}
        return self._run.single(self._count_by_agent_id_and_status, params)

    def update_many_by_agent_id(self, agent_id: str, /, **changes: Any) -> int:
        """One UPDATE for all of the agent's proposals; the rows it matched.

        The statement returns one id per matched row, so the count is exact
        even where a value did not differ.
        """
        run = self._run
        # The same :set_<column> parameters as update(); the statement reads
        # the agent from :where_agent_id, since agent_id may be a change.
        statement, params = self._update_many_by_agent_id.params(changes)
        if not changes:
            return run.single(self._count_by_agent_id, {"agent_id": agent_id})
        params["where_agent_id"] = agent_id
        params["now"] = self._now()
        return len(run.all(statement, params))
