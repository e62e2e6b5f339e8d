"""The log chunk repository, for every dialect (``log_chunks.sql`` of its SQL folder).

``insert_chunks`` is the hot path (agents stream their output through it):
it checks and encodes every chunk in one tight loop, with a fast path for the
common shape (plain ``dict`` of plain ``str`` and ``int`` values) and the
record codec as the slow path, which also writes the error messages; the ids
of the whole batch come from one ``os.urandom`` call; then the batch goes to
one ``executemany`` in one transaction, each chunk a tuple in the
statement's parameter order (``query.params``), which the runner binds its
own fastest way (APSW positionally, as SQLite numbers ``:name`` parameters in
order of first appearance).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Final

from cwdb._ids import SIZE, new_ids
from cwdb.adapters.repositories.crud import codec_for, insert_row
from cwdb.adapters.runner import Adapter, Queries, Runner, Values
from cwdb.errors import Error, ValidationError
from cwdb.records._codec import INT64_MIN, id_array, id_list, rows_mapper
from cwdb.records.log_chunks import LogChunk

#: Rows per transaction of ``delete_older_than``: short enough that other
#: writers wait milliseconds, long enough to amortise the commit.
DELETE_BATCH: Final = 5000

#: The parameters of ``insert_chunks``, in the order its SQL names them.
_CHUNK_PARAMS: Final = ("id", "agent_id", "agent_name", "content", "session_number", "now")

#: Maps ``iter_page`` rows, skipping the rowid in front of the LogChunk columns.
_MAP_PAGE: Final = rows_mapper(LogChunk, skip=1)


class SqlLogChunkRepository(Adapter):
    """The log chunk repository over a runner of either dialect."""

    def __init__(self, runner: Runner, queries: Queries, values: Values) -> None:
        super().__init__(runner, values)
        self._codec = codec_for(LogChunk, values.storage)
        self._int_range = (values.storage.int_min, values.storage.int_max)
        self._insert_chunk = queries.single("insert_chunk", LogChunk)
        self._insert_chunks = queries.batch("insert_chunks")
        if self._insert_chunks.query.params != _CHUNK_PARAMS:
            raise Error(f"insert_chunks must bind {_CHUNK_PARAMS}, in that order")
        self._find_by_agent_id = queries.many("find_by_agent_id", LogChunk)
        self._find_by_agent_ids = queries.many("find_by_agent_ids", LogChunk)
        self._iter_page = queries.many("iter_page")
        self._delete_by_agent_id = queries.write("delete_by_agent_id")
        self._delete_older_than = queries.write("delete_older_than")
        self._get_session_count = queries.single("get_session_count", int)

    def insert_chunk(
        self, agent_id: str, agent_name: str, content: str, session_number: int = 1
    ) -> LogChunk:
        fields = {
            "agent_id": agent_id,
            "agent_name": agent_name,
            "content": content,
            "session_number": session_number,
        }
        return insert_row(self._run, self._values, self._codec, self._insert_chunk, fields)

    def insert_chunks(self, chunks: Iterable[Mapping[str, object]]) -> int:
        items = chunks if type(chunks) is list else list(chunks)
        if not items:
            self._run.check_open()
            return 0
        now = self._now()
        low, high = self._int_range
        ids = new_ids(len(items))
        batch: list[tuple[object, ...]] = []
        append = batch.append
        start = 0
        for chunk in items:
            end = start + SIZE
            # The fast path: a plain dict of exactly the expected keys with
            # plain str values and an in-range int. Anything else (str or int
            # subclasses, a missing or unknown key, a wrong type) goes to the
            # codec, which encodes what is valid and names what is not.
            if type(chunk) is dict:
                size = len(chunk)
                session_number = (
                    chunk.get("session_number") if size == 4 else 1 if size == 3 else None
                )
                agent_id = chunk.get("agent_id")
                agent_name = chunk.get("agent_name")
                content = chunk.get("content")
                if (
                    type(agent_id) is str
                    and type(agent_name) is str
                    and type(content) is str
                    and type(session_number) is int
                    and low <= session_number <= high
                ):
                    append((ids[start:end], agent_id, agent_name, content, session_number, now))
                    start = end
                    continue
            params = self._encode_slowly(chunk, len(batch), ids[start:end], now)
            append(tuple(params[name] for name in _CHUNK_PARAMS))
            start = end
        return self._run.write_batch(self._insert_chunks, batch)

    def _encode_slowly(
        self, chunk: object, index: int, new_id: str, now: object
    ) -> dict[str, object]:
        """Encode one chunk through the codec; errors name the chunk and field."""
        if not isinstance(chunk, Mapping):
            raise ValidationError(f"chunks[{index}]: expected a dict, got {type(chunk).__name__}")
        try:
            return self._codec.insert_params(chunk, new_id=new_id, now=now)
        except ValidationError as error:
            raise ValidationError(f"chunks[{index}]: {error}") from None

    def find_by_agent_id(self, agent_id: str) -> list[LogChunk]:
        return self._run.all(self._find_by_agent_id, {"agent_id": agent_id})

    def find_by_agent_ids(self, agent_ids: Iterable[str]) -> list[LogChunk]:
        ids = id_list(agent_ids, "agent_ids")
        if not ids:
            self._run.check_open()
            return []
        return self._run.all(self._find_by_agent_ids, {"agent_ids": id_array(ids)})

    def delete_by_agent_id(self, agent_id: str) -> int:
        return self._run.write_count(self._delete_by_agent_id, {"agent_id": agent_id})

    def get_session_count(self, agent_id: str) -> int:
        return self._run.single(self._get_session_count, {"agent_id": agent_id})

    def iter_by_agent_id(self, agent_id: str, batch_size: int = 1000) -> Iterator[LogChunk]:
        if type(batch_size) is not int or batch_size < 1:
            raise ValidationError(f"batch_size: expected a positive int, got {batch_size!r}")
        self._run.check_open()
        return self._iterate(agent_id, batch_size)

    def _iterate(self, agent_id: str, batch_size: int) -> Iterator[LogChunk]:
        rows_of = self._run.rows
        params: dict[str, object] = {
            "agent_id": agent_id,
            "after": INT64_MIN,
            "limit": batch_size,
        }
        while True:
            rows = rows_of(self._iter_page, params)
            yield from _MAP_PAGE(rows)
            if len(rows) < batch_size:
                return
            params["after"] = rows[-1][0]

    def delete_older_than(self, cutoff: datetime) -> int:
        params = {"cutoff": self._store_time(cutoff, "cutoff"), "batch": DELETE_BATCH}
        total = 0
        while True:
            deleted = self._run.write_count(self._delete_older_than, params)
            total += deleted
            if deleted < DELETE_BATCH:
                return total
