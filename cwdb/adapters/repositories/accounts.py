"""The account repository, for every dialect (``accounts.sql`` of its SQL folder)."""

from __future__ import annotations

from datetime import datetime

from cwdb.adapters.repositories.crud import CrudAdapter
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.errors import ValidationError
from cwdb.records.accounts import Account


class SqlAccountRepository(CrudAdapter[Account]):
    """The account repository over a runner of either dialect.

    Every "now" (the pick's ``last_used_at``, exhaustion expiry) comes from
    the database's clock, ``connect(clock=...)``.
    """

    _record = Account

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_next_available = queries.one("find_next_available", Account)
        self._find_next_unexpired = queries.one("find_next_available_unexpired", Account)
        self._mark_exhausted = queries.one("mark_exhausted", Account)
        self._clear_expired = queries.write("clear_expired_exhaustion")

    def find_next_available(self, provider: str = "claude") -> Account | None:
        """Pick and mark the least recently used available account (one statement).

        Usually ``find_next_available_unexpired`` does it alone; when the
        account to pick has an ``exhausted_until`` that has passed (or
        nothing is available), it writes nothing and ``find_next_available``
        picks it and clears its exhaustion, in one statement of its own.
        """
        if not isinstance(provider, str):
            raise ValidationError(f"provider: expected text, got {type(provider).__name__}")
        run = self._run
        params = {"provider": provider, "now": self._now()}
        picked = run.one(self._find_next_unexpired, params)
        if picked is None:
            picked = run.one(self._find_next_available, params)
        return picked

    def mark_exhausted(self, id: str, until: datetime) -> Account:
        params = {"id": id, "until": self._store_time(until, "until"), "now": self._now()}
        marked = self._run.one(self._mark_exhausted, params)
        if marked is None:
            raise self._missing(id)
        return marked

    def clear_expired_exhaustion(self) -> int:
        return self._run.write_count(self._clear_expired, {"now": self._now()})
