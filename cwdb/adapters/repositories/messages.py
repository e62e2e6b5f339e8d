"""The message repository, for every dialect (``messages.sql`` of its SQL folder)."""

from __future__ import annotations

from cwdb.adapters.repositories.crud import CrudAdapter
from cwdb.adapters.runner import Queries, Runner, Values
from cwdb.records.messages import Message


class SqlMessageRepository(CrudAdapter[Message]):
    """The message repository over a runner of either dialect."""

    _record = Message

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, queries, values)
        self._find_pending_for_user = queries.many("find_pending_for_user", Message)
        self._find_requiring_response = queries.many("find_requiring_response", Message)
        self._find_replies = queries.many("find_replies", Message)

    def find_pending_for_user(self) -> list[Message]:
        return self._run.all(self._find_pending_for_user, {})

    def find_requiring_response(self) -> list[Message]:
        return self._run.all(self._find_requiring_response, {})

    def find_replies(self, message_id: str) -> list[Message]:
        return self._run.all(self._find_replies, {"message_id": message_id})
