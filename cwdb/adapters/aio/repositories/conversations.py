"""Generated from cwdb/adapters/repositories/conversations.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The conversation repository, for every dialect (``conversations.sql`` of its SQL folder)."""

from __future__ import annotations

from collections.abc import Iterable

from cwdb.adapters.aio.repositories.crud import codec_for, insert_row, missing
from cwdb.adapters.aio.runner import AsyncAdapter, AsyncRunner, Queries, Values
from cwdb.errors import ConflictError, ValidationError
from cwdb.records._codec import id_array, id_list
from cwdb.records.conversations import Conversation


class AsyncSqlConversationRepository(AsyncAdapter):
    """The conversation repository over a runner of either dialect."""

    def __init__(self, runner: AsyncRunner, queries: Queries, values: Values) -> None:
        super().__init__(runner, values)
        self._codec = codec_for(Conversation, values.storage)
        self._create = queries.single("create", Conversation)
        self._find_by_id = queries.one("find_by_id", Conversation)
        self._find_pending_for_agent = queries.many("find_pending_for_agent", Conversation)
        self._answer = queries.one("answer", Conversation)
        self._exists = queries.single("exists", int)
        self._count_by_from_agent_ids = queries.many("count_by_from_agent_ids")
        self._find_by_from_agent_id = queries.many("find_by_from_agent_id", Conversation)

    async def create(
        self,
        from_agent_id: str,
        to_agent_id: str,
        question: str,
        initiative_id: str | None = None,
        phase_id: str | None = None,
        task_id: str | None = None,
    ) -> Conversation:
        fields = {
            "from_agent_id": from_agent_id,
            "to_agent_id": to_agent_id,
            "question": question,
            "initiative_id": initiative_id,
            "phase_id": phase_id,
            "task_id": task_id,
        }
        return await insert_row(self._run, self._values, self._codec, self._create, fields)

    async def find_by_id(self, id: str) -> Conversation | None:
        return await self._run.one(self._find_by_id, {"id": id})

    async def find_pending_for_agent(self, to_agent_id: str) -> list[Conversation]:
        return await self._run.all(self._find_pending_for_agent, {"to_agent_id": to_agent_id})

    async def answer(self, id: str, answer: str) -> Conversation:
        if answer is None:
            raise ValidationError("answer: may not be None")
        run = self._run
        params = {**self._codec.validate_changes({"answer": answer}), "id": id, "now": self._now()}
        async with run.transaction(own_locks=True):
            answered = await run.one(self._answer, params)
            if answered is not None:
                return answered
            exists = await run.single(self._exists, {"id": id})
        if not exists:
            raise missing(Conversation, id)
        raise ConflictError(f"Conversation {id!r} is already answered")

    async def count_by_from_agent_ids(self, agent_ids: Iterable[str]) -> dict[str, int]:
        ids = id_list(agent_ids, "agent_ids")
        if not ids:
            self._run.check_open()
            return {}
        counts = dict.fromkeys(ids, 0)
        params = {"agent_ids": id_array(ids)}
        for agent_id, count in await self._run.rows(self._count_by_from_agent_ids, params):
            counts[agent_id] = count
        return counts

    async def find_by_from_agent_id(self, agent_id: str) -> list[Conversation]:
        return await self._run.all(self._find_by_from_agent_id, {"agent_id": agent_id})
