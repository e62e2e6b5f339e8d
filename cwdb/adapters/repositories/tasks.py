"""The task repository, for every dialect (``tasks.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.repositories.crud import CrudAdapter
from cwdb.adapters.repositories.dependencies import DependencyGraph, DependencyStatements
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.records.tasks import Task


class SqlTaskRepository(CrudAdapter[Task]):
    """The task repository over a runner of either dialect."""

    _record = Task

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_by_phase_id = queries.many("find_by_phase_id", Task)
        self._find_by_initiative_id = queries.many("find_by_initiative_id", Task)
        self._find_by_parent_task_id = queries.many("find_by_parent_task_id", Task)
        self._increment_retry_count = queries.one("increment_retry_count", Task)
        self._graph = DependencyGraph(
            runner, values, DependencyStatements.bind(queries, Task), noun="task"
        )

    def find_by_phase_id(self, phase_id: str) -> list[Task]:
        return self._run.all(self._find_by_phase_id, {"phase_id": phase_id})

    def find_by_initiative_id(self, initiative_id: str) -> list[Task]:
        return self._run.all(self._find_by_initiative_id, {"initiative_id": initiative_id})

    def find_by_parent_task_id(self, parent_task_id: str) -> list[Task]:
        return self._run.all(self._find_by_parent_task_id, {"parent_task_id": parent_task_id})

    def increment_retry_count(self, id: str) -> Task:
        """One atomic ``UPDATE ... retry_count + 1 ... RETURNING``: no lost increments."""
        run = self._run
        found = run.one(self._increment_retry_count, {"id": id, "now": self._now()})
        if found is None:
            raise self._missing(id)
        return found

    def create_dependency(self, task_id: str, depends_on_task_id: str) -> None:
        self._graph.link(task_id, depends_on_task_id)

    def get_dependencies(self, task_id: str) -> list[str]:
        return self._graph.dependencies(task_id)

    def get_dependents(self, task_id: str) -> list[str]:
        return self._graph.dependents(task_id)
