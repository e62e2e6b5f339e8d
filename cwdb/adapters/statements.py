"""Named statements bound to what their rows become.

An adapter asks its :class:`Queries` (one ``sql/`` file) for a statement by
name once, when it is built; a missing name fails at ``connect()``. Each
:class:`Statement` carries the SQL text exactly as written, whether it
writes (from the suffix of its name, see :mod:`~cwdb.adapters.sqlfiles`)
and the row mapper of its record, built once per record class. Its type
parameter is what one row becomes, so ``bind("find_by_id", Task)`` is a
``Statement[Task]`` and the runner returns ``Task | None`` for it.

That the columns of a statement come in its record's field order is checked
once, by the tests (``tests/test_sql_compile.py``), not on every call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

import attrs

from cwdb.adapters.sqlfiles import Query, QueryFile, QueryFileError
from cwdb.records._codec import row_mapper, rows_mapper

R = TypeVar("R")
Row = tuple[Any, ...]


class Statement(Generic[R]):
    """A query bound to what each of its rows becomes.

    ``mapper`` turns a row into an ``attrs`` record; without one, a row
    becomes its first column (``R`` is then that column's type, such as
    ``str`` for a list of ids or ``int`` for a count). ``map_rows`` does
    the same for a whole result, in one generated loop.
    """

    __slots__ = ("map_rows", "mapper", "query", "record", "sql", "watched", "writes")

    def __init__(self, query: Query, record: type[R] | None, sql: str | None = None) -> None:
        self.query = query
        #: The text sent: the query's SQL, on PostgreSQL after a comment naming it.
        self.sql = query.sql if sql is None else sql
        self.writes = query.shape.writes
        #: Set once it ran slow where the driver can profile it (``observe.py``).
        self.watched = False
        self.record = record
        self.mapper: Callable[[Row], R] | None = None
        self.map_rows: Callable[[list[Row]], list[R]] | None = None
        if record is not None and attrs.has(record):
            self.mapper = mapper_for(record)
            self.map_rows = rows_mapper_for(record)

    def __repr__(self) -> str:
        target = "rows" if self.record is None else self.record.__name__
        return f"<Statement {self.query.qualified_name} -> {target}>"


@functools.cache
def mapper_for(record: type[R]) -> Callable[[Row], R]:
    """The row mapper of a record class, generated once per process."""
    return row_mapper(record)


@functools.cache
def rows_mapper_for(record: type[R]) -> Callable[[list[Row]], list[R]]:
    """The whole-result mapper of a record class, generated once per process."""
    return rows_mapper(record)


class Queries:
    """One ``sql/`` file, handing out statements by name to one adapter.

    ``text`` makes the text sent for a query, once when it is bound (the
    dialect's ``statement_text``: on PostgreSQL, a comment naming the query
    before its SQL); by default the SQL exactly as written.
    """

    def __init__(self, file: QueryFile, text: Callable[[Query], str] | None = None) -> None:
        self._file = file
        self._text = text

    def variants(self, name: str) -> dict[str, tuple[str, ...]]:
        """The specialised variants of ``name`` in the file: name -> its columns."""
        return self._file.variants(name)

    @overload
    def bind(self, name: str) -> Statement[Any]: ...

    @overload
    def bind(self, name: str, record: type[R]) -> Statement[R]: ...

    def bind(self, name: str, record: type[Any] | None = None) -> Statement[Any]:
        """The statement ``name``; its rows become ``record`` (or their first column).

        A record (or column type) for a statement whose suffix says it
        returns no rows (``!``, ``*!``) is refused, naming the query.
        """
        query = self._file[name]
        if record is not None and not query.shape.returns_rows:
            raise QueryFileError(
                f"{self._file.path.name}: query {name!r} returns no rows "
                f"(suffix {query.shape.value!r}), so it cannot be bound to {record.__name__}"
            )
        return Statement(query, record, None if self._text is None else self._text(query))
