"""Generated from cwdb/adapters/repositories/tasks.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The task repository, for every dialect (``tasks.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.aio.repositories.crud import AsyncCrudAdapter
from cwdb.adapters.aio.repositories.dependencies import AsyncDependencyGraph, DependencyStatements
from cwdb.adapters.aio.runner import AsyncRunner, Queries, Values
from cwdb.records.tasks import Task


class AsyncSqlTaskRepository(AsyncCrudAdapter[Task]):
    """The task repository over a runner of either dialect."""

    _record = Task

    def __init__(self, runner: AsyncRunner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_by_phase_id = queries.many("find_by_phase_id", Task)
        self._find_by_initiative_id = queries.many("find_by_initiative_id", Task)
        self._find_by_parent_task_id = queries.many("find_by_parent_task_id", Task)
        self._increment_retry_count = queries.one("increment_retry_count", Task)
        self._graph = AsyncDependencyGraph(
            runner, values, DependencyStatements.bind(queries, Task), noun="task"
        )

    async def find_by_phase_id(self, phase_id: str) -> list[Task]:
        return await self._run.all(self._find_by_phase_id, {"phase_id": phase_id})

    async def find_by_initiative_id(self, initiative_id: str) -> list[Task]:
        return await self._run.all(self._find_by_initiative_id, {"initiative_id": initiative_id})

    async def find_by_parent_task_id(self, parent_task_id: str) -> list[Task]:
        return await self._run.all(self._find_by_parent_task_id, {"parent_task_id": parent_task_id})

    async def increment_retry_count(self, id: str) -> Task:
        """One atomic ``UPDATE ... retry_count + 1 ... RETURNING``: no lost increments."""
        run = self._run
        found = await run.one(self._increment_retry_count, {"id": id, "now": self._now()})
        if found is None:
            raise self._missing(id)
        return found

    async def create_dependency(self, task_id: str, depends_on_task_id: str) -> None:
        await self._graph.link(task_id, depends_on_task_id)

    async def get_dependencies(self, task_id: str) -> list[str]:
        return await self._graph.dependencies(task_id)

    async def get_dependents(self, task_id: str) -> list[str]:
        return await self._graph.dependents(task_id)
