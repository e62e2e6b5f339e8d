"""Generated from cwdb/adapters/repositories/initiatives.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The initiative repository, for every dialect (``initiatives.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.aio.repositories.crud import AsyncCrudAdapter
from cwdb.adapters.aio.runner import AsyncRunner, Queries, Values
from cwdb.records.initiatives import Initiative


class AsyncSqlInitiativeRepository(AsyncCrudAdapter[Initiative]):
    """The initiative repository over a runner of either dialect."""

    _record = Initiative

    def __init__(self, runner: AsyncRunner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_by_status = queries.many("find_by_status", Initiative)

    async def find_by_status(self, status: str) -> list[Initiative]:
        params = {"status": self._codec.enum_filter("status", status)}
        return await self._run.all(self._find_by_status, params)
