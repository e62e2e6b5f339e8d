"""Named statements bound to the records their rows become.

An adapter asks its :class:`Queries` (one ``sql/`` file) for a statement by
name once, when it is built; a missing name fails at ``connect()``. Each
:class:`Statement` carries the SQL text exactly as written and the row
mapper of its record, built once per record class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import apsw

from cwdb.adapters.apsw.sqlfiles import Query, QueryFile
from cwdb.errors import Error
from cwdb.records._codec import row_mapper, rows_mapper
from cwdb.records._columns import columns_of

Row = tuple[Any, ...]


class Statement:
    """A query bound to the record its rows become (or to its first column)."""

    __slots__ = ("expected", "map_rows", "mapper", "query", "sql", "verified")

    def __init__(self, query: Query, record: type | None) -> None:
        self.query = query
        self.sql = query.sql
        self.mapper: Callable[[Row], Any] | None = None
        #: The same mapping for a whole result, in one generated loop.
        self.map_rows: Callable[[list[Row]], list[Any]] | None = None
        self.expected: tuple[str, ...] | None = None
        if record is not None:
            self.mapper, self.map_rows = _mappers_for(record)
            self.expected = tuple(c.name for c in columns_of(record))
        self.verified = record is None

    def verify(self, cursor: apsw.Cursor) -> None:
        """Check, once per statement, that the columns come in record order.

        The description is only known while the statement runs; a call that
        returned no rows leaves the check to the next one.
        """
        try:
            description = cursor.get_description()
        except apsw.ExecutionCompleteError:
            return
        names = tuple(d[0] for d in description)
        if names != self.expected:
            raise Error(
                f"{self.query.qualified_name} returns columns {names}, "
                f"but its record expects {self.expected}"
            )
        self.verified = True

    def first(self, rows: list[Row]) -> Any:
        """The first row as a record (or its first column), or None."""
        if not rows:
            return None
        mapper = self.mapper
        return mapper(rows[0]) if mapper is not None else rows[0][0]


Mappers = tuple[Callable[[Row], Any], Callable[[list[Row]], list[Any]]]
_MAPPERS: dict[type, Mappers] = {}


def _mappers_for(record: type) -> Mappers:
    mappers = _MAPPERS.get(record)
    if mappers is None:
        mappers = _MAPPERS[record] = (row_mapper(record), rows_mapper(record))
    return mappers


class Queries:
    """One ``sql/`` file, handing out statements by name to one adapter."""

    def __init__(self, file: QueryFile, used: set[str] | None = None) -> None:
        self._file = file
        self._used = used

    def variants(self, name: str) -> dict[str, tuple[str, ...]]:
        """The specialised variants of ``name`` in the file: name -> its columns."""
        return self._file.variants(name)

    def bind(self, name: str, record: type | None = None) -> Statement:
        query = self._file[name]
        if self._used is not None:
            self._used.add(query.qualified_name)
        return Statement(query, record)
