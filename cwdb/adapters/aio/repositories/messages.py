"""Generated from cwdb/adapters/repositories/messages.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The message repository, for every dialect (``messages.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.aio.repositories.crud import AsyncCrudAdapter
from cwdb.adapters.aio.runner import AsyncRunner, Queries, Values
from cwdb.records.messages import Message


class AsyncSqlMessageRepository(AsyncCrudAdapter[Message]):
    """The message repository over a runner of either dialect."""

    _record = Message

    def __init__(self, runner: AsyncRunner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_pending_for_user = queries.many("find_pending_for_user", Message)
        self._find_requiring_response = queries.many("find_requiring_response", Message)
        self._find_replies = queries.many("find_replies", Message)

    async def find_pending_for_user(self) -> list[Message]:
        return await self._run.all(self._find_pending_for_user, {})

    async def find_requiring_response(self) -> list[Message]:
        return await self._run.all(self._find_requiring_response, {})

    async def find_replies(self, message_id: str) -> list[Message]:
        return await self._run.all(self._find_replies, {"message_id": message_id})
