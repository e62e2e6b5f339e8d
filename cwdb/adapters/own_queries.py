"""An application's own named queries, run through its ``Database`` (docs/reference.md §12).

``db.load_queries(path)`` reads a named-SQL file, or a folder of them, in
the format of cwdb's own ``sql/`` (``-- name:`` blocks, the same suffixes
and ``-- scan:`` reasons, see :mod:`~cwdb.adapters.sqlfiles`). Where the
dialects' SQL differs, a file ``name.sql`` has a twin
``postgresql/name.sql`` beside it, and a PostgreSQL database reads the twin;
each file names its parameters as its dialect does (``:name``, or psycopg's
``%(name)s``).

:class:`AppQueries` binds a query by name for the way it runs (``one``,
``many``, ``single``, ``write``, ``batch``); the suffix check, a missing
name or file, are a ``cwdb.Error`` at binding. The bound query is called
with its parameters and runs on the database's own runner: inside an open
``transaction()``, with cwdb's errors, logging, ``capture()`` and
telemetry, named ``<file>.<query>``.

An ``AsyncDatabase`` gives :class:`AsyncAppQueries`: the same binding (the
shared :class:`QueryBinder`), and bound queries whose calls are awaited
(``AsyncOneQuery`` ...). Only the call differs: the runner's method is
awaited.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cwdb.adapters.runner import Runner
from cwdb.adapters.sqlfiles import Query, QueryFile, QueryFileError, parse_file
from cwdb.adapters.statements import Batch, Many, One, Queries, Single, Statement, Write
from cwdb.errors import ValidationError

if TYPE_CHECKING:
    from cwdb.adapters.aio.runner import AsyncRunner
    from cwdb.dialects import Dialect

R = TypeVar("R")
S = TypeVar("S", bound=Statement[Any])


def load_query_file(path: str | os.PathLike[str], dialect: Dialect) -> QueryFile:
    """The queries of a file or folder for ``dialect``, as one :class:`QueryFile`.

    A file ``dir/name.sql`` is read as ``dir/postgresql/name.sql`` on
    PostgreSQL when that twin exists. A folder gives every ``*.sql`` in it
    (and in its dialect folder), each file chosen the same way; a query name
    must then be unique across the folder.
    """
    given = Path(os.fspath(path))
    if given.is_file():
        files = [_for_dialect(given.parent, given.name, dialect)]
    elif given.is_dir():
        names = {p.name for p in given.glob("*.sql")}
        if dialect.folder:
            names |= {p.name for p in (given / dialect.folder).glob("*.sql")}
        if not names:
            raise QueryFileError(f"{given}: the folder holds no .sql query files")
        files = [_for_dialect(given, name, dialect) for name in sorted(names)]
    else:
        raise QueryFileError(f"{given}: no such query file or folder")
    queries: dict[str, Query] = {}
    where: dict[str, Path] = {}
    for file in files:
        for name, query in parse_file(file, dialect.placeholder).items():
            if name in queries:
                raise QueryFileError(f"query {name!r} is defined in both {where[name]} and {file}")
            queries[name] = query
            where[name] = file
    sources = {file.stem: file for file in files}
    return QueryFile(given.stem, given if given.is_dir() else files[0], queries, sources)


def _for_dialect(folder: Path, name: str, dialect: Dialect) -> Path:
    twin = folder / dialect.folder / name if dialect.folder else None
    return twin if twin is not None and twin.is_file() else folder / name


class _Bound(Generic[S]):
    """What a bound query is on either API: its statement, name, parameters and their check."""

    __slots__ = ("statement",)

    def __init__(self, statement: S) -> None:
        #: The bound statement (its ``query``: name, SQL, parameters, shape).
        self.statement = statement

    @property
    def name(self) -> str:
        """``<file>.<query>``: how logs, ``capture()`` and the server name it."""
        return self.statement.query.qualified_name

    @property
    def params(self) -> tuple[str, ...]:
        """The names of its parameters, in order of first use in the SQL."""
        return self.statement.query.params

    def _checked(self, params: Mapping[str, object]) -> Mapping[str, object]:
        expected = self.statement.query.params
        if params.keys() != set(expected):
            missing = [p for p in expected if p not in params]
            unknown = sorted(p for p in params if p not in expected)
            parts = []
            if missing:
                parts.append(f"missing parameters {', '.join(missing)}")
            if unknown:
                parts.append(f"unknown parameters {', '.join(unknown)}")
            takes = ", ".join(expected) or "none"
            raise ValidationError(f"{self.name}: {'; '.join(parts)} (it takes: {takes})")
        return params

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class BoundQuery(_Bound[S]):
    """One of an application's queries, bound to its database and to what a row becomes."""

    __slots__ = ("_run",)

    def __init__(self, runner: Runner, statement: S) -> None:
        super().__init__(statement)
        self._run = runner


class OneQuery(BoundQuery[One[R]], Generic[R]):
    """Called with its parameters: the first row (as ``R``), or None."""

    __slots__ = ()

    def __call__(self, **params: object) -> R | None:
        result: R | None = self._run.one(self.statement, self._checked(params))
        return result


class ManyQuery(BoundQuery[Many[R]], Generic[R]):
    """Called with its parameters: every row, as a list of ``R``."""

    __slots__ = ()

    def __call__(self, **params: object) -> list[R]:
        result: list[R] = self._run.all(self.statement, self._checked(params))
        return result


class SingleQuery(BoundQuery[Single[R]], Generic[R]):
    """Called with its parameters: the one row it always returns (a ``cwdb.Error`` if none)."""

    __slots__ = ()

    def __call__(self, **params: object) -> R:
        result: R = self._run.single(self.statement, self._checked(params))
        return result


class WriteQuery(BoundQuery[Write]):
    """Called with its parameters: runs the write, returns how many rows it changed."""

    __slots__ = ()

    def __call__(self, **params: object) -> int:
        return self._run.write_count(self.statement, self._checked(params))


class BatchQuery(BoundQuery[Batch]):
    """Called with parameter sets: runs once per set, all in one transaction; rows changed."""

    __slots__ = ()

    def __call__(self, param_sets: Iterable[Mapping[str, object]]) -> int:
        checked = [dict(self._checked(params)) for params in param_sets]
        return self._run.write_batch(self.statement, checked)


class QueryBinder:
    """The queries of a file and how each is bound, for :class:`AppQueries` and its async twin."""

    def __init__(self, file: QueryFile, dialect: Dialect) -> None:
        self._file = file
        self._queries = Queries(file, dialect.statement_text)
        #: The file (or folder) the queries were read from, for this dialect.
        self.path = file.path

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the queries, in file order."""
        return tuple(self._file)

    def query(self, name: str) -> Query:
        """The query ``name`` as parsed: its SQL, parameters, shape, documentation."""
        return self._file[name]

    def __repr__(self) -> str:
        return f"<cwdb.{type(self).__name__} {str(self.path)!r}: {len(self._file)} queries>"


class AppQueries(QueryBinder):
    """An application's own named queries on one database: ``db.load_queries(path)``.

    Each method binds a query by name for the way it runs, checks now that
    the suffix of its name allows that, and returns a callable bound query::

        ready_tasks = queries.many("ready_tasks", cwdb.Task)
        tasks = ready_tasks(phase_id=phase.id)  # list[cwdb.Task]

    ``record`` is one of cwdb's records (rows decoded as its repositories
    decode them), any other attrs class (built from the row's values by
    position, as the driver returns them), or a column type such as ``str``
    or ``int`` (the row's first column).
    """

    def __init__(self, runner: Runner, file: QueryFile, dialect: Dialect) -> None:
        super().__init__(file, dialect)
        self._run = runner

    def one(self, name: str, record: type[R]) -> OneQuery[R]:
        """``name`` (suffix ``^``, or ``<!``), run for its first row as ``record``, or None."""
        statement: One[R] = self._queries.one(name, record)
        return OneQuery(self._run, statement)

    def many(self, name: str, record: type[R]) -> ManyQuery[R]:
        """``name`` (no suffix, or ``<!``), run for every row, each as ``record``."""
        statement: Many[R] = self._queries.many(name, record)
        return ManyQuery(self._run, statement)

    def single(self, name: str, record: type[R]) -> SingleQuery[R]:
        """``name`` (``$``, or ``<!``), run for the one row it always returns."""
        statement: Single[R] = self._queries.single(name, record)
        return SingleQuery(self._run, statement)

    def write(self, name: str) -> WriteQuery:
        """``name`` (``!``), a write that returns no rows."""
        statement: Write = self._queries.write(name)
        return WriteQuery(self._run, statement)

    def batch(self, name: str) -> BatchQuery:
        """``name`` (``*!``), a write run once per parameter set."""
        statement: Batch = self._queries.batch(name)
        return BatchQuery(self._run, statement)


# -- the asyncio twins: the same binding, the runner's call awaited ---------------------


class AsyncBoundQuery(_Bound[S]):
    """One of an application's queries bound to an ``AsyncDatabase``: its call is awaited."""

    __slots__ = ("_run",)

    def __init__(self, runner: AsyncRunner, statement: S) -> None:
        super().__init__(statement)
        self._run = runner


class AsyncOneQuery(AsyncBoundQuery[One[R]], Generic[R]):
    """Awaited with its parameters: the first row (as ``R``), or None."""

    __slots__ = ()

    async def __call__(self, **params: object) -> R | None:
        return await self._run.one(self.statement, self._checked(params))


class AsyncManyQuery(AsyncBoundQuery[Many[R]], Generic[R]):
    """Awaited with its parameters: every row, as a list of ``R``."""

    __slots__ = ()

    async def __call__(self, **params: object) -> list[R]:
        return await self._run.all(self.statement, self._checked(params))


class AsyncSingleQuery(AsyncBoundQuery[Single[R]], Generic[R]):
    """Awaited with its parameters: the one row it always returns (a ``cwdb.Error`` if none)."""

    __slots__ = ()

    async def __call__(self, **params: object) -> R:
        return await self._run.single(self.statement, self._checked(params))


class AsyncWriteQuery(AsyncBoundQuery[Write]):
    """Awaited with its parameters: runs the write, returns how many rows it changed."""

    __slots__ = ()

    async def __call__(self, **params: object) -> int:
        return await self._run.write_count(self.statement, self._checked(params))


class AsyncBatchQuery(AsyncBoundQuery[Batch]):
    """Awaited with parameter sets: runs once per set, all in one transaction; rows changed."""

    __slots__ = ()

    async def __call__(self, param_sets: Iterable[Mapping[str, object]]) -> int:
        checked = [dict(self._checked(params)) for params in param_sets]
        return await self._run.write_batch(self.statement, checked)


class AsyncAppQueries(QueryBinder):
    """:class:`AppQueries` of an ``AsyncDatabase``: ``await db.load_queries(p).many(...)(...)``.

    Binding is the same (and checked at once, without awaiting); each bound
    query is awaited::

        ready_tasks = adb.load_queries(path).many("ready_tasks", cwdb.Task)
        tasks = await ready_tasks(phase_id=phase.id)  # list[cwdb.Task]
    """

    def __init__(self, runner: AsyncRunner, file: QueryFile, dialect: Dialect) -> None:
        super().__init__(file, dialect)
        self._run = runner

    def one(self, name: str, record: type[R]) -> AsyncOneQuery[R]:
        """As :meth:`AppQueries.one`, awaited."""
        return AsyncOneQuery(self._run, self._queries.one(name, record))

    def many(self, name: str, record: type[R]) -> AsyncManyQuery[R]:
        """As :meth:`AppQueries.many`, awaited."""
        return AsyncManyQuery(self._run, self._queries.many(name, record))

    def single(self, name: str, record: type[R]) -> AsyncSingleQuery[R]:
        """As :meth:`AppQueries.single`, awaited."""
        return AsyncSingleQuery(self._run, self._queries.single(name, record))

    def write(self, name: str) -> AsyncWriteQuery:
        """As :meth:`AppQueries.write`, awaited."""
        return AsyncWriteQuery(self._run, self._queries.write(name))

    def batch(self, name: str) -> AsyncBatchQuery:
        """As :meth:`AppQueries.batch`, awaited."""
        return AsyncBatchQuery(self._run, self._queries.batch(name))
