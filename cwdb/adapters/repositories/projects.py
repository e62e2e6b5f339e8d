"""The project repository, for every dialect (``projects.sql`` of its SQL folder)."""

from __future__ import annotations

from collections.abc import Iterable

from cwdb.adapters.repositories.crud import CrudAdapter, missing
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.errors import IntegrityError
from cwdb.records._codec import id_array, id_list
from cwdb.records.initiatives import Initiative
from cwdb.records.projects import Project


class SqlProjectRepository(CrudAdapter[Project]):
    """The project repository over a runner of either dialect."""

    _record = Project

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_by_name = queries.one("find_by_name", Project)
        self._find_by_url = queries.one("find_by_url", Project)
        self._initiative_exists = queries.single("initiative_exists", int)
        self._missing_project_ids = queries.many("missing_project_ids", str)
        self._unlink = queries.write("unlink_projects_not_in")
        self._link = queries.write("link_missing_projects")
        self._find_by_initiative = queries.many("find_projects_by_initiative_id", Project)

    def find_by_name(self, name: str) -> Project | None:
        return self._run.one(self._find_by_name, {"name": name})

    def find_by_url(self, url: str) -> Project | None:
        return self._run.one(self._find_by_url, {"url": url})

    def set_initiative_projects(self, initiative_id: str, project_ids: Iterable[str]) -> None:
        """Diff the initiative's links against ``project_ids`` in one transaction.

        The ids are bound as one JSON array. An unknown initiative is a
        ``NotFoundError``; unknown project ids are looked for first so the
        ``IntegrityError`` can name them (the foreign keys would refuse them
        anyway). Concurrent calls on one initiative take turns (on
        PostgreSQL, ``initiative_exists`` locks its row); calls on other
        initiatives do not wait.
        """
        ids = id_array(id_list(project_ids, "project_ids"))
        self._run.replay(lambda: self._set_projects(initiative_id, ids), own_locks=True)

    def _set_projects(self, initiative_id: str, ids: str) -> None:
        run = self._run
        self._check_references(initiative_id, ids)
        params = {"initiative_id": initiative_id, "project_ids": ids}
        run.write(self._unlink, params)
        run.write(self._link, {**params, "now": self._now()})

    def find_projects_by_initiative_id(self, initiative_id: str) -> list[Project]:
        params = {"initiative_id": initiative_id}
        return self._run.all(self._find_by_initiative, params)

    def _check_references(self, initiative_id: str, ids: str) -> None:
        run = self._run
        if not run.single(self._initiative_exists, {"initiative_id": initiative_id}):
            raise missing(Initiative, initiative_id)
        unknown = run.all(self._missing_project_ids, {"project_ids": ids})
        if unknown:
            raise IntegrityError(f"project_ids: no project with id {', '.join(map(repr, unknown))}")
