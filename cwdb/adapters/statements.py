"""Named statements bound to what their rows become.

An adapter asks its :class:`Queries` (one SQL file) for a statement by
name once, when it is built, for the way it runs it (:meth:`Queries.one`,
``many``, ``single``, ``write``, ``batch``); a missing name, or a suffix
that does not allow that way, fails at ``connect()``. Each
:class:`Statement` carries the SQL text exactly as written, whether it
writes (from the suffix of its name, see :mod:`~cwdb.adapters.sqlfiles`)
and the row mapper of its record, built once per record class. Its type
parameter is what one row becomes, so ``one("find_by_id", Task)`` is a
``One[Task]`` and the runner returns ``Task | None`` for it.

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
from cwdb.records._columns import has_columns

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
    """The row mapper of a record class, generated once per process.

    cwdb's records (their columns declared, ``records/_columns.py``) get the
    generated mapper that decodes timestamps and JSON; any other attrs class
    is built from the row's values by position, as the driver returns them.
    """
    if has_columns(record):
        return row_mapper(record)

    def positional(row: Row) -> R:
        return record(*row)

    return positional


@functools.cache
def rows_mapper_for(record: type[R]) -> Callable[[list[Row]], list[R]]:
    """The whole-result mapper of a record class, generated once per process."""
    if has_columns(record):
        return rows_mapper(record)

    def positional(rows: list[Row]) -> list[R]:
        return [record(*row) for row in rows]

    return positional


class One(Statement[R]):
    """A statement run for its first row, or None (``^``, or ``<!``)."""

    __slots__ = ()


class Many(Statement[R]):
    """A statement run for every row (no suffix, or ``<!``)."""

    __slots__ = ()


class Single(Statement[R]):
    """A statement that always returns its row (``$``, or ``INSERT ... RETURNING``)."""

    __slots__ = ()


class Write(Statement[None]):
    """A write that returns no rows (``!``)."""

    __slots__ = ()


class Batch(Statement[None]):
    """A write run once per parameter set (``*!``)."""

    __slots__ = ()


class Queries:
    """One SQL file, handing out statements by name to one adapter.

    Each statement is bound for the way it is run, and the binding checks
    that the suffix of its name allows that (``SHAPES`` in ``sqlfiles``): a
    ``find_by_id^`` bound with :meth:`many` fails at ``connect()``, naming
    the query. The statement's type then admits only the runner calls of its
    kind, which mypy checks.

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

    def optional(self, name: str) -> Many[Row] | None:
        """``name`` where this dialect's file has it (a lock only one dialect needs), else None."""
        return self.many(name) if name in self._file else None

    def one(self, name: str, record: type[R]) -> One[R]:
        """``name``, run for its first row as ``record`` (or that column's type), or None."""
        query = self._checked(name, "one")
        return One(query, record, self._sql(query))

    @overload
    def many(self, name: str) -> Many[Row]: ...

    @overload
    def many(self, name: str, record: type[R]) -> Many[R]: ...

    def many(self, name: str, record: type[Any] | None = None) -> Many[Any]:
        """``name``, run for every row as ``record`` (or that column's type); plain rows without."""
        query = self._checked(name, "many")
        return Many(query, record, self._sql(query))

    def single(self, name: str, record: type[R]) -> Single[R]:
        """``name``, run for the one row it always returns."""
        query = self._checked(name, "single")
        return Single(query, record, self._sql(query))

    def write(self, name: str) -> Write:
        """``name``, a write that returns no rows."""
        query = self._checked(name, "write")
        return Write(query, None, self._sql(query))

    def batch(self, name: str) -> Batch:
        """``name``, a write run once per parameter set."""
        query = self._checked(name, "batch")
        return Batch(query, None, self._sql(query))

    def _sql(self, query: Query) -> str | None:
        return None if self._text is None else self._text(query)

    def _checked(self, name: str, kind: str) -> Query:
        query = self._file[name]
        if kind not in query.shape.kinds:
            raise QueryFileError(
                f"{self._file.path.name}: query {name!r} ({query.shape.description}, suffix "
                f"{query.shape.value!r}) cannot be run as {kind!r}; its suffix allows "
                f"{', '.join(sorted(query.shape.kinds))}"
            )
        return query
