"""The account record: a provider account agents run under, in rotation."""

from datetime import datetime
from typing import Required, TypedDict

import attrs

from cwdb.records._columns import Kind, column, created_at, ident, updated_at


@attrs.frozen(weakref_slot=False)
class Account:
    """A provider account; ``find_next_available`` rotates through them.

    ``credentials`` and ``config_json`` are stored as plain text (the database
    file is 0600) and never appear in ``repr()``.

    Attributes:
        id: nanoid made by the library.
        email: the account's login.
        provider: the model provider (``"claude"`` by default).
        config_json: provider configuration, as the orchestrator wrote it.
        credentials: the account's secret credentials.
        is_exhausted: the provider refused it for quota.
        exhausted_until: when the quota is expected back, if known.
        last_used_at: when it was last picked (strictly increasing).
        sort_order: tie-breaker among never- or equally-used accounts.
        created_at: when the row was made.
        updated_at: when a field last changed.
    """

    id: str = ident()
    email: str = column(Kind.TEXT)
    provider: str = column(Kind.TEXT, default="claude")
    config_json: str | None = column(Kind.TEXT, null=True, secret=True)
    credentials: str | None = column(Kind.TEXT, null=True, secret=True)
    is_exhausted: bool = column(Kind.BOOL, default=False)
    exhausted_until: datetime | None = column(Kind.TIME, null=True)
    last_used_at: datetime | None = column(Kind.TIME, null=True)
    sort_order: int = column(Kind.INT, default=0)
    created_at: datetime = created_at()
    updated_at: datetime = updated_at()


class AccountCreate(TypedDict, total=False):
    """The fields ``accounts.create`` accepts (``email`` is required)."""

    email: Required[str]
    provider: str
    config_json: str | None
    credentials: str | None
    is_exhausted: bool
    exhausted_until: datetime | None
    last_used_at: datetime | None
    sort_order: int


class AccountChanges(TypedDict, total=False):
    """The fields ``accounts.update`` may change."""

    email: str
    provider: str
    config_json: str | None
    credentials: str | None
    is_exhausted: bool
    exhausted_until: datetime | None
    last_used_at: datetime | None
    sort_order: int
