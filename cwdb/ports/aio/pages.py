"""Generated from cwdb/ports/pages.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The page repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.records.pages import Page, PageChanges, PageCreate


@runtime_checkable
class AsyncPageRepository(Protocol):
    """Pages: CRUD plus the tree of an initiative's pages under its one root."""

    async def create(self, **fields: Unpack[PageCreate]) -> Page:
        """Store a new page and return it as stored.

        A page without ``parent_page_id`` is its initiative's root; a second
        root is a ``ConflictError``.

        Required: ``initiative_id``, ``title``.
        Optional (default): ``parent_page_id`` (None), ``content`` (None),
        ``sort_order`` (0).
        """
        ...

    async def find_by_id(self, id: str) -> Page | None:
        """The page with this id, or None."""
        ...

    async def find_all(self) -> list[Page]:
        """Every page, oldest first."""
        ...

    async def update(self, id: str, /, **changes: Unpack[PageChanges]) -> Page:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it and the pages below it; ``NotFoundError`` for an unknown id."""
        ...

    async def find_by_initiative_id(self, initiative_id: str) -> list[Page]:
        """Every page of an initiative, root included, oldest first."""
        ...

    async def find_root_page(self, initiative_id: str) -> Page | None:
        """The initiative's root page (the one without a parent), or None."""
        ...

    async def get_or_create_root_page(self, initiative_id: str) -> Page:
        """The initiative's root page, made first if it has none.

        A new root is titled with the initiative's name, ``sort_order`` 0,
        no content. Concurrent callers, in any thread or process, all get
        the same page: there is never a second root. ``IntegrityError``
        when the initiative does not exist.
        """
        ...

    async def find_by_parent_page_id(self, parent_page_id: str) -> list[Page]:
        """The children of a page, by ``sort_order``, then oldest first."""
        ...
