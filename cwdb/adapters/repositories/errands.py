"""The errand repository, for every dialect (``errands.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.repositories.crud import CrudAdapter
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.records.errands import Errand


class SqlErrandRepository(CrudAdapter[Errand]):
    """The errand repository over a runner of either dialect."""

    _record = Errand
    _caller_ids = True

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_all_by_project_id = queries.many("find_all_by_project_id", Errand)
        self._find_all_by_status = queries.many("find_all_by_status", Errand)
        self._find_all_by_both = queries.many("find_all_by_project_id_and_status", Errand)

    def find_all(self, project_id: str | None = None, status: str | None = None) -> list[Errand]:
        """Errands oldest first, filtered by the arguments that are not None.

        Each combination of filters has its own statement, so each one is
        answered from its index instead of a scan.
        """
        if status is not None:
            status = self._codec.enum_filter("status", status)
            if project_id is None:
                return self._run.all(self._find_all_by_status, {"status": status})
            params = {"project_id": project_id, "status": status}
            return self._run.all(self._find_all_by_both, params)
        if project_id is not None:
            return self._run.all(self._find_all_by_project_id, {"project_id": project_id})
        return super().find_all()
