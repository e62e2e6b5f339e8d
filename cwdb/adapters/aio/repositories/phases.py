"""Generated from cwdb/adapters/repositories/phases.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The phase repository, for every dialect (``phases.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.aio.repositories.crud import AsyncCrudAdapter
from cwdb.adapters.aio.repositories.dependencies import AsyncDependencyGraph, DependencyStatements
from cwdb.adapters.aio.runner import AsyncRunner, Queries, Values
from cwdb.records.phases import Phase


class AsyncSqlPhaseRepository(AsyncCrudAdapter[Phase]):
    """The phase repository over a runner of either dialect."""

    _record = Phase

    def __init__(self, runner: AsyncRunner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_by_initiative_id = queries.many("find_by_initiative_id", Phase)
        self._graph = AsyncDependencyGraph(
            runner, values, DependencyStatements.bind(queries, Phase), noun="phase"
        )

    async def find_by_initiative_id(self, initiative_id: str) -> list[Phase]:
        return await self._run.all(self._find_by_initiative_id, {"initiative_id": initiative_id})

    async def create_dependency(self, phase_id: str, depends_on_phase_id: str) -> None:
        await self._graph.link(phase_id, depends_on_phase_id)

    async def get_dependencies(self, phase_id: str) -> list[str]:
        return await self._graph.dependencies(phase_id)

    async def get_dependents(self, phase_id: str) -> list[str]:
        return await self._graph.dependents(phase_id)
