"""The five generic methods of a CRUD repository, written once.

A CRUD adapter names its record and its ``sql/`` file; the file provides the
statements ``create``, ``find_by_id``, ``find_all``, ``update`` and
``delete`` with the parameter conventions of :class:`RecordCodec`
(``:now`` for timestamps, a ``:set_<column>`` flag per mutable column), and
may add specialised variants of ``update`` (see ``updates.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

from cwdb.adapters.apsw.runner import Queries, Runner, Statement
from cwdb.adapters.apsw.updates import UpdateStatements
from cwdb.errors import NotFoundError
from cwdb.records._codec import RecordCodec, check_enum

R = TypeVar("R")

_CODECS: dict[type, RecordCodec] = {}


def codec_for(record: type) -> RecordCodec:
    """The (cached) write codec of a record class."""
    codec = _CODECS.get(record)
    if codec is None:
        codec = _CODECS[record] = RecordCodec(record)
    return codec


def missing(record: type, id: str) -> NotFoundError:
    """The error for an id that the call is about and that does not exist."""
    return NotFoundError(f"{record.__name__} {id!r} does not exist")


def update_row(
    runner: Runner,
    find_by_id: Statement,
    updates: UpdateStatements,
    id: str,
    changes: Mapping[str, object],
) -> Any:
    """``update(id, /, **changes)`` for any table following the flag convention.

    No changes return the row as stored (``find_by_id``); otherwise the most
    specific statement of ``updates`` runs; an unknown id is a NotFoundError.
    """
    if not changes:
        found = runner.one(find_by_id, {"id": id})
    else:
        statement, params = updates.params(changes)
        params["id"] = id
        params["now"] = runner.now()
        found = runner.write_one(statement, params)
    if found is None:
        raise missing(updates.record, id)
    return found


def delete_row(runner: Runner, record: type, delete: Statement, id: str) -> None:
    """``delete(id)``: the statement returns the id, or no row when unknown."""
    if runner.write_one(delete, {"id": id}) is None:
        raise missing(record, id)


class CrudAdapter(Generic[R]):
    """create / find_by_id / find_all / update / delete over one table."""

    record: ClassVar[type]
    #: Errands take their id from the caller; every other table makes one.
    caller_ids: ClassVar[bool] = False

    def __init__(self, runner: Runner, queries: Queries) -> None:
        record = self.record
        self._run = runner
        self._codec = codec_for(record)
        self._create = queries.bind("create", record)
        self._find_by_id = queries.bind("find_by_id", record)
        self._find_all = queries.bind("find_all", record)
        self._updates = UpdateStatements(queries, "update", self._codec, returns=record)
        self._delete = queries.bind("delete")

    def create(self, **fields: Any) -> R:
        run = self._run
        new_id = None if self.caller_ids else run.new_id()
        params = self._codec.insert_params(fields, new_id=new_id, now=run.now())
        created: R = run.write_one(self._create, params)
        return created

    def find_by_id(self, id: str) -> R | None:
        found: R | None = self._run.one(self._find_by_id, {"id": id})
        return found

    def find_all(self) -> list[R]:
        return self._run.all(self._find_all, {})

    def update(self, id: str, /, **changes: Any) -> R:
        updated: R = update_row(self._run, self._find_by_id, self._updates, id, changes)
        return updated

    def delete(self, id: str) -> None:
        delete_row(self._run, self.record, self._delete, id)

    def _enum(self, field: str, value: object) -> str:
        """A filter argument checked against its column's enum."""
        return check_enum(self._codec.column(field), value)

    def _missing(self, id: str) -> NotFoundError:
        return missing(self.record, id)
