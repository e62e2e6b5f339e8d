"""The PostgreSQL side of ``python -m cwdb copy`` (see ``cwdb.adapters.copy``).

A source is read inside one ``REPEATABLE READ READ ONLY`` transaction: one
snapshot for the whole copy, while the orchestrator goes on writing; each
table is streamed in chunks of a batch (``Cursor.stream``). A
destination is migrated, then filled inside one transaction that first
takes the writers' advisory lock (``sql/postgresql/_transactions.sql``), so
cwdb writers wait for the copy. Rows keep their rowid (COPY writes the given
identity values, ``sql/postgresql/_copy.sql``); once the copy has been verified,
``reset_rowid_<table>`` moves each identity past the largest rowid copied.
Each batch goes in as one ``COPY ... FROM STDIN``: measured by
``scripts/bench_copy.py``, several times faster than ``executemany`` of an
INSERT, even in pipeline mode.

Values travel in the copy's neutral form: timestamps as int milliseconds
(the connection's loader reads them so; they are written as datetimes),
booleans as bool, JSON as its text (which COPY's text format parses as jsonb).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from cwdb._redact import redact
from cwdb.adapters.copy import Row, Table
from cwdb.adapters.psycopg.connection import open_connection
from cwdb.adapters.psycopg.migrator import Migrator, shipped_migrations
from cwdb.adapters.psycopg.translate import translate
from cwdb.adapters.sqlfiles import QueryFile, query_file
from cwdb.adapters.status import COUNT_PREFIX
from cwdb.records._codec import time_from_ms

#: How long a statement of the copy waits for a lock (lock_timeout).
BUSY_TIMEOUT_MS = 5000

Connection = psycopg.Connection[tuple[Any, ...]]


@functools.cache
def copy_queries() -> QueryFile:
    """``sql/postgresql/_copy.sql``."""
    return query_file("_copy", "postgresql")


def _status() -> QueryFile:
    return query_file("_status", "postgresql")


def _rows(connection: Connection, table: Table, size: int, shown: str) -> Iterator[list[Row]]:
    """Every row of ``table`` in rowid order, streamed ``size`` rows per network chunk.

    ``stream`` sends the query exactly as written (a server-side cursor
    would wrap it in DECLARE) and reads its rows in chunks as they arrive,
    so a whole table never sits in memory.
    """
    sql = copy_queries()[f"select_{table.name}"].sql
    try:
        with connection.cursor(binary=True) as cursor:
            rows = cursor.stream(sql, size=size)
            while batch := list(itertools.islice(rows, size)):
                yield batch
    except psycopg.Error as error:
        raise translate(error, context=f"cannot read {table.name} of {shown!r}") from error


def _applied(connection: Connection, shown: str) -> list[str]:
    try:
        return Migrator(connection).applied_ids()
    except psycopg.Error as error:
        raise translate(error, context=f"cannot read the migrations of {shown!r}") from error


class PostgresSource:
    """A database read in one snapshot (see the module docstring)."""

    def __init__(self, connection: Connection, shown: str) -> None:
        self._connection = connection
        self.shown = shown

    def applied(self) -> list[str]:
        return _applied(self._connection, self.shown)

    def shipped(self) -> list[str]:
        return [migration.id for migration in shipped_migrations()]

    def count(self, table: Table) -> int:
        try:
            found = self._connection.execute(_status()[f"{COUNT_PREFIX}{table.name}"].sql)
            row = found.fetchone()
        except psycopg.Error as error:
            raise translate(
                error, context=f"cannot count {table.name} of {self.shown!r}"
            ) from error
        return int(row[0]) if row else 0

    def batches(self, table: Table, size: int) -> Iterator[list[Row]]:
        return _rows(self._connection, table, size, self.shown)


@contextmanager
def open_source(url: str) -> Iterator[PostgresSource]:
    """The database at ``url`` inside one REPEATABLE READ READ ONLY transaction."""
    shown = redact(url)
    with open_connection(url, busy_timeout_ms=BUSY_TIMEOUT_MS) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        try:
            with connection.transaction():
                yield PostgresSource(connection, shown)
        except psycopg.Error as error:
            raise translate(error, context=f"cannot read {shown!r}") from error


def _converter(table: Table) -> Callable[[Row], Row]:
    """Turn a neutral row into what psycopg binds: datetimes and bools."""
    times = table.indexes(table.times)
    booleans = table.indexes(table.booleans)

    def convert(row: Row) -> Row:
        values = list(row)
        for index in times:
            value = values[index]
            if value is not None:
                values[index] = time_from_ms(value)
        for index in booleans:
            values[index] = bool(values[index])
        return tuple(values)

    return convert


class PostgresDestination:
    """A database being filled in one transaction (see the module docstring)."""

    def __init__(self, connection: Connection, shown: str) -> None:
        self._connection = connection
        self._cursor = connection.cursor()
        self.shown = shown

    def applied(self) -> list[str]:
        return _applied(self._connection, self.shown)

    def counts(self) -> dict[str, int]:
        queries = _status()
        try:
            found = self._connection.execute(queries["table_names"].sql).fetchall()
            existing = {row[0] for row in found}
            counts: dict[str, int] = {}
            for name, query in queries.items():
                table = name.removeprefix(COUNT_PREFIX)
                if name.startswith(COUNT_PREFIX) and table in existing:
                    row = self._connection.execute(query.sql).fetchone()
                    counts[table] = int(row[0]) if row else 0
        except psycopg.Error as error:
            raise translate(error, context=f"cannot read {self.shown!r}") from error
        return counts

    def migrate(self) -> list[str]:
        return Migrator(self._connection).apply_pending()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        lock = query_file("_transactions", "postgresql")["lock_writers"].sql
        try:
            with self._connection.transaction():
                self._connection.execute(lock)
                yield
        except psycopg.Error as error:
            context = f"cannot copy into {self.shown!r}"
            raise translate(error, context=context, busy_timeout_ms=BUSY_TIMEOUT_MS) from error

    def insert(self, table: Table, rows: Sequence[Row]) -> None:
        sql = copy_queries()[f"copy_{table.name}"].sql
        convert = _converter(table)
        try:
            with self._cursor.copy(sql) as stream:
                for row in rows:
                    stream.write_row(convert(row))
        except psycopg.Error as error:
            context = f"cannot copy a row of {table.name} into {self.shown!r}"
            raise translate(error, context=context) from error

    def batches(self, table: Table, size: int) -> Iterator[list[Row]]:
        return _rows(self._connection, table, size, self.shown)

    def finish(self, table: Table, last_rowid: int) -> None:
        sql = copy_queries()[f"reset_rowid_{table.name}"].sql
        try:
            self._connection.execute(sql, {"next_rowid": last_rowid + 1})
        except psycopg.Error as error:
            raise translate(
                error, context=f"cannot finish {table.name} of {self.shown!r}"
            ) from error


@contextmanager
def open_destination(url: str) -> Iterator[PostgresDestination]:
    """The database at ``url``, on one autocommit connection."""
    shown = redact(url)
    with open_connection(url, busy_timeout_ms=BUSY_TIMEOUT_MS) as connection:
        yield PostgresDestination(connection, shown)
