"""Generated from cwdb/adapters/repositories/crud.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The five generic methods of a CRUD repository, written once.

A CRUD adapter names its record and its ``sql/`` file; the file provides the
statements ``create``, ``find_by_id``, ``find_all``, ``update`` and
``delete`` with the parameter conventions of :class:`RecordCodec`
(``:now`` for timestamps, a ``:set_<column>`` flag per mutable column), and
may add specialised variants of ``update`` (see ``updates.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from cwdb.adapters.aio.runner import AsyncAdapter, AsyncRunner, Queries, Values
from cwdb.adapters.constraints import table_of
from cwdb.adapters.repositories.ids import checks_own_ids, refuse_id
from cwdb.adapters.repositories.updates import UpdateStatements
from cwdb.adapters.statements import Many, One, Single
from cwdb.errors import NotFoundError
from cwdb.records._codec import SQLITE_STORAGE, RecordCodec, Storage

R = TypeVar("R")


@functools.cache
def codec_for(record: type, storage: Storage = SQLITE_STORAGE) -> RecordCodec:
    """The write codec of a record class for a dialect's storage, built once per process."""
    return RecordCodec(record, storage)


def missing(record: type, id: str) -> NotFoundError:
    """The error for an id that the call is about and that does not exist."""
    return NotFoundError(f"{record.__name__} {id!r} does not exist", table=table_of(record), id=id)


async def insert_row(
    runner: AsyncRunner,
    values: Values,
    codec: RecordCodec,
    create: Single[R],
    fields: Mapping[str, object],
    *,
    make_id: bool = True,
) -> R:
    """Validate ``fields`` through the codec and run the table's INSERT ... RETURNING.

    The library makes the id (unless the caller gives it, ``make_id=False``)
    and the timestamps; the stored row comes back as the record.
    """
    new_id = values.new_id() if make_id else None
    params = codec.insert_params(fields, new_id=new_id, now=values.now())
    return await runner.single(create, params)


async def update_row(
    runner: AsyncRunner,
    find_by_id: One[R],
    updates: UpdateStatements[One[R]],
    id: str,
    changes: Mapping[str, object],
    *,
    now: Callable[[], object],
) -> R:
    """``update(id, /, **changes)`` for any table following the flag convention.

    No changes return the row as stored (``find_by_id``); otherwise the most
    specific statement of ``updates`` runs; an unknown id is a NotFoundError.
    """
    if not changes:
        found = await runner.one(find_by_id, (id,))
    else:
        statement, params = updates.params(changes)
        params["id"] = id
        params["now"] = now()
        found = await runner.one(statement, params)
    if found is None:
        raise missing(updates.record, id)
    return found


async def delete_row(runner: AsyncRunner, record: type, delete: One[str], id: str) -> None:
    """``delete(id)``: the statement returns the id, or no row when unknown."""
    if await runner.one(delete, {"id": id}) is None:
        raise missing(record, id)


class AsyncCrudAdapter(AsyncAdapter, Generic[R]):
    """create / find_by_id / find_all / update / delete over one table."""

    _record: ClassVar[type]
    _caller_ids: ClassVar[bool] = False

    def __init__(self, runner: AsyncRunner, queries: Queries, values: Values) -> None:
        record = self._record
        super().__init__(runner, values)
        self._codec = codec_for(record, values.storage)
        self._create: Single[R] = queries.single("create", record)
        self._find_by_id: One[R] = queries.one("find_by_id", record)
        self._find_all: Many[R] = queries.many("find_all", record)
        self._updates: UpdateStatements[One[R]] = UpdateStatements(
            queries, "update", self._codec, bind=lambda name: queries.one(name, record)
        )
        self._delete = queries.one("delete", str)

    async def create(self, **fields: Any) -> R:
        make_id = not self._caller_ids
        return await insert_row(
            self._run, self._values, self._codec, self._create, fields, make_id=make_id
        )

    @checks_own_ids
    async def find_by_id(self, id: str) -> R | None:
        if id.__class__ is not str:
            refuse_id("id", id)
        return await self._run.one(self._find_by_id, (id,))

    async def find_all(self) -> list[R]:
        return await self._run.all(self._find_all, {})

    @checks_own_ids
    async def update(self, id: str, /, **changes: Any) -> R:
        if id.__class__ is not str:
            refuse_id("id", id)
        return await update_row(
            self._run, self._find_by_id, self._updates, id, changes, now=self._now
        )

    @checks_own_ids
    async def delete(self, id: str) -> None:
        if id.__class__ is not str:
            refuse_id("id", id)
        await delete_row(self._run, self._record, self._delete, id)

    def _missing(self, id: str) -> NotFoundError:
        return missing(self._record, id)
