"""The page record: an initiative's documentation, as a tree of pages."""

from datetime import datetime
from typing import Required, TypedDict

import attrs

from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Page:
    """A page of an initiative's documentation tree.

    Attributes:
        id: nanoid made by the library.
        initiative_id: the initiative it documents (deleted with it).
        parent_page_id: the page above it; None for the one root page.
        title: the page title.
        content: the page document, stored byte-for-byte.
        sort_order: position among its siblings.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    initiative_id: str = column(Kind.TEXT)
    parent_page_id: str | None = column(Kind.TEXT, null=True)
    title: str = column(Kind.TEXT)
    content: str | None = column(Kind.TEXT, null=True)
    sort_order: int = column(Kind.INT, default=0)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class PageCreate(TypedDict, total=False):
    """The fields ``pages.create`` accepts (``initiative_id``, ``title`` required).

    ``parent_page_id`` None makes the initiative's root page (one at most).
    """

    initiative_id: Required[str]
    parent_page_id: str | None
    title: Required[str]
    content: str | None
    sort_order: int


class PageChanges(TypedDict, total=False):
    """The fields ``pages.update`` may change."""

    initiative_id: str
    parent_page_id: str | None
    title: str
    content: str | None
    sort_order: int
