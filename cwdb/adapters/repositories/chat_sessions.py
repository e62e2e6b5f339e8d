"""The chat session repository, for every dialect (``chat_sessions.sql`` of its SQL folder)."""

from __future__ import annotations

from typing import Any

from cwdb.adapters.repositories.crud import codec_for, insert_row, update_row
from cwdb.adapters.repositories.updates import UpdateStatements
from cwdb.adapters.runner import Adapter, Queries, Runner, Values
from cwdb.records.chat_sessions import ChatMessage, ChatSession


class SqlChatSessionRepository(Adapter):
    """The chat session repository over a runner of either dialect."""

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, values)
        self._sessions = codec_for(ChatSession, values.storage)
        self._messages = codec_for(ChatMessage, values.storage)
        self._create_session = queries.single("create_session", ChatSession)
        self._find_by_id = queries.one("find_by_id", ChatSession)
        self._find_active_session = queries.one("find_active_session", ChatSession)
        self._find_active_by_agent = queries.one("find_active_session_by_agent_id", ChatSession)
        self._update_session = UpdateStatements(
            queries,
            "update_session",
            self._sessions,
            bind=lambda name: queries.one(name, ChatSession),
        )
        self._create_message = queries.single("create_message", ChatMessage)
        self._find_messages = queries.many("find_messages_by_session_id", ChatMessage)

    def create_session(
        self,
        target_type: str,
        target_id: str,
        initiative_id: str,
        agent_id: str | None = None,
    ) -> ChatSession:
        fields = {
            "target_type": target_type,
            "target_id": target_id,
            "initiative_id": initiative_id,
            "agent_id": agent_id,
        }
        return insert_row(self._run, self._values, self._sessions, self._create_session, fields)

    def find_active_session(self, target_type: str, target_id: str) -> ChatSession | None:
        target_type = self._sessions.enum_filter("target_type", target_type)
        params = {"target_type": target_type, "target_id": target_id}
        return self._run.one(self._find_active_session, params)

    def find_active_session_by_agent_id(self, agent_id: str) -> ChatSession | None:
        return self._run.one(self._find_active_by_agent, {"agent_id": agent_id})

    def update_session(self, id: str, /, **changes: Any) -> ChatSession:
        return update_row(
            self._run, self._find_by_id, self._update_session, id, changes, now=self._now
        )

    def create_message(
        self,
        chat_session_id: str,
        role: str,
        content: str,
        change_set_id: str | None = None,
    ) -> ChatMessage:
        fields = {
            "chat_session_id": chat_session_id,
            "role": role,
            "content": content,
            "change_set_id": change_set_id,
        }
        return insert_row(self._run, self._values, self._messages, self._create_message, fields)

    def find_messages_by_session_id(self, chat_session_id: str) -> list[ChatMessage]:
        params = {"chat_session_id": chat_session_id}
        return self._run.all(self._find_messages, params)
