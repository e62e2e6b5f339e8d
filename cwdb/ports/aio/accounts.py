"""Generated from cwdb/ports/accounts.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The account repository port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Unpack, runtime_checkable

from cwdb.records.accounts import Account, AccountChanges, AccountCreate


@runtime_checkable
class AsyncAccountRepository(Protocol):
    """Accounts: CRUD plus the rotation agents are started with."""

    async def create(self, **fields: Unpack[AccountCreate]) -> Account:
        """Store a new account and return it as stored.

        Required: ``email``.
        Optional (default): ``provider`` ('claude'), ``config_json`` (None),
        ``credentials`` (None), ``is_exhausted`` (False), ``exhausted_until`` (None),
        ``last_used_at`` (None), ``sort_order`` (0).
        """
        ...

    async def find_by_id(self, id: str) -> Account | None:
        """The account with this id, or None."""
        ...

    async def find_all(self) -> list[Account]:
        """Every account, oldest first."""
        ...

    async def update(self, id: str, /, **changes: Unpack[AccountChanges]) -> Account:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it (its agents keep running, unlinked); ``NotFoundError`` if unknown."""
        ...

    async def find_next_available(self, provider: str = "claude") -> Account | None:
        """Atomically pick the least recently used available account and mark it used.

        Available: not exhausted, or exhausted with an ``exhausted_until``
        that has passed (picking such an account clears both fields). Never
        used accounts come first, then the oldest ``last_used_at``, then the
        lowest ``sort_order``, then the oldest account. ``last_used_at``
        becomes now, kept strictly increasing across all picks, so the
        rotation is exact even within one millisecond. None when no account
        of ``provider`` is available.
        """
        ...

    async def mark_exhausted(self, id: str, until: datetime) -> Account:
        """Make it unavailable until ``until`` (aware); ``NotFoundError`` if unknown."""
        ...

    async def clear_expired_exhaustion(self) -> int:
        """Make available again the exhausted accounts whose time has passed; how many."""
        ...
