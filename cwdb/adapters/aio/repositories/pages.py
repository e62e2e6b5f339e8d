"""Generated from cwdb/adapters/repositories/pages.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The page repository, for every dialect (``pages.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.aio.repositories.crud import AsyncCrudAdapter
from cwdb.adapters.aio.runner import AsyncRunner, Queries, Values
from cwdb.errors import IntegrityError
from cwdb.records.pages import Page


class AsyncSqlPageRepository(AsyncCrudAdapter[Page]):
    """The page repository over a runner of either dialect."""

    _record = Page

    def __init__(self, runner: AsyncRunner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._create_root_page = queries.write("create_root_page")
        self._find_by_initiative_id = queries.many("find_by_initiative_id", Page)
        self._find_root_page = queries.one("find_root_page", Page)
        self._find_by_parent_page_id = queries.many("find_by_parent_page_id", Page)

    async def find_by_initiative_id(self, initiative_id: str) -> list[Page]:
        return await self._run.all(self._find_by_initiative_id, {"initiative_id": initiative_id})

    async def find_root_page(self, initiative_id: str) -> Page | None:
        return await self._run.one(self._find_root_page, {"initiative_id": initiative_id})

    async def get_or_create_root_page(self, initiative_id: str) -> Page:
        """The root page, made if missing; the database decides, not Python.

        The common case (the root exists) is one read without a lock.
        Otherwise, in one transaction, an ``INSERT ... SELECT`` from the
        initiative that does nothing on conflict with the partial unique
        index, then a read: whoever inserted first, every caller returns
        that row. The unique index is the only lock (on PostgreSQL, at READ
        COMMITTED: a racer waits for the first insert, then reads its row).
        No row after the insert means no initiative to copy.
        """
        found = await self.find_root_page(initiative_id)
        if found is not None:
            return found
        params = {"id": self._values.new_id(), "initiative_id": initiative_id, "now": self._now()}
        return await self._run.replay(lambda: self._create_root(params), own_locks=True)

    async def _create_root(self, params: dict[str, object]) -> Page:
        await self._run.write(self._create_root_page, params)
        initiative_id = str(params["initiative_id"])
        found = await self.find_root_page(initiative_id)
        if found is None:
            raise IntegrityError(
                f"cannot make a root page: Initiative {initiative_id!r} does not exist"
            )
        return found

    async def find_by_parent_page_id(self, parent_page_id: str) -> list[Page]:
        return await self._run.all(self._find_by_parent_page_id, {"parent_page_id": parent_page_id})
