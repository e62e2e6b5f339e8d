"""The phase repository, for every dialect (``phases.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.repositories.crud import CrudAdapter
from cwdb.adapters.repositories.dependencies import DependencyGraph, DependencyStatements
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.records.phases import Phase


class SqlPhaseRepository(CrudAdapter[Phase]):
    """The phase repository over a runner of either dialect."""

    _record = Phase

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_by_initiative_id = queries.many("find_by_initiative_id", Phase)
        self._graph = DependencyGraph(
            runner, values, DependencyStatements.bind(queries, Phase), noun="phase"
        )

    def find_by_initiative_id(self, initiative_id: str) -> list[Phase]:
        return self._run.all(self._find_by_initiative_id, {"initiative_id": initiative_id})

    def create_dependency(self, phase_id: str, depends_on_phase_id: str) -> None:
        self._graph.link(phase_id, depends_on_phase_id)

    def get_dependencies(self, phase_id: str) -> list[str]:
        return self._graph.dependencies(phase_id)

    def get_dependents(self, phase_id: str) -> list[str]:
        return self._graph.dependents(phase_id)
