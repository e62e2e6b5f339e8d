"""The initiative repository, for every dialect (``initiatives.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.repositories.crud import CrudAdapter
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.records.initiatives import Initiative


class SqlInitiativeRepository(CrudAdapter[Initiative]):
    """The initiative repository over a runner of either dialect."""

    _record = Initiative

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_by_status = queries.many("find_by_status", Initiative)

    def find_by_status(self, status: str) -> list[Initiative]:
        params = {"status": self._codec.enum_filter("status", status)}
        return self._run.all(self._find_by_status, params)
