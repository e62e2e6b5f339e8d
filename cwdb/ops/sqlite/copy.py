"""The SQLite side of ``python -m cwdb copy`` (see ``cwdb.ops.copy``).

A source file is opened read-only and read inside one ``BEGIN``: in WAL the
first read fixes the snapshot every later read of the copy sees, while
other processes go on writing. A destination file is created 0600 when
missing, migrated, and filled inside one ``BEGIN IMMEDIATE`` transaction.
Rows keep their rowid (``sql/_copy.sql``), so insertion order is the
source's; a row is bound to its ``insert_<table>`` as the tuple it is.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import apsw

from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.migrator import Migrator, shipped_migrations
from cwdb.adapters.apsw.translate import translate
from cwdb.adapters.sqlfiles import QueryFile, query_file
from cwdb.ops.copy import Row, Table
from cwdb.ops.sqlite.read_only import finish_read_only, open_read_only
from cwdb.ops.status import COUNT_PREFIX

#: How long the destination's BEGIN IMMEDIATE waits for another writer.
BUSY_TIMEOUT_MS = 5000
#: The destination connection's page cache, in KiB (negative: SQLite's unit
#: for a size). The copy's one transaction inserts a million log chunks
#: into four indexes, three of them in random key order; SQLite's default
#: 2 MB cache spills and rereads their pages over and over. 64 MB made a
#: 1,000,000-chunk copy about 20 % faster (scripts/bench_copy.py); it is
#: only allocated as pages are used, and goes with the connection.
CACHE_KIB = -65536


@functools.cache
def copy_queries() -> QueryFile:
    """``sql/_copy.sql``."""
    return query_file("_copy")


def _rows(connection: apsw.Connection, table: Table, size: int, shown: str) -> Iterator[list[Row]]:
    """Every row of ``table`` in rowid order, ``size`` rows at a time."""
    try:
        cursor = connection.execute(copy_queries()[f"select_{table.name}"].sql)
        while rows := list(itertools.islice(cursor, size)):
            yield rows
    except apsw.Error as error:
        raise translate(error, context=f"cannot read {table.name} of {shown!r}") from error


def _applied(connection: apsw.Connection) -> list[str]:
    return Migrator(connection).applied_ids()


class SqliteSource:
    """A database file read in one snapshot (see the module docstring)."""

    def __init__(self, connection: apsw.Connection, shown: str) -> None:
        self._connection = connection
        self.shown = shown

    def applied(self) -> list[str]:
        return _applied(self._connection)

    def shipped(self) -> list[str]:
        return [migration.id for migration in shipped_migrations()]

    def count(self, table: Table) -> int:
        sql = query_file("_status")[f"{COUNT_PREFIX}{table.name}"].sql
        return int(str(self._connection.execute(sql).fetchall()[0][0]))

    def batches(self, table: Table, size: int) -> Iterator[list[Row]]:
        return _rows(self._connection, table, size, self.shown)


@contextmanager
def open_source(path: str) -> Iterator[SqliteSource]:
    """The file at ``path``, read-only, inside one read transaction."""
    shown = os.path.abspath(path)
    connection = open_read_only(shown)
    try:
        connection.execute("BEGIN")
        try:
            yield SqliteSource(connection, shown)
        finally:
            connection.execute("ROLLBACK")
    finally:
        finish_read_only(connection)


class SqliteDestination:
    """A database file being filled in one BEGIN IMMEDIATE transaction."""

    def __init__(self, connection: apsw.Connection, shown: str) -> None:
        self._connection = connection
        self.shown = shown

    def applied(self) -> list[str]:
        return _applied(self._connection)

    def counts(self) -> dict[str, int]:
        queries = query_file("_status")
        existing = {row[0] for row in self._connection.execute(queries["table_names"].sql)}
        counts: dict[str, int] = {}
        for name, query in queries.items():
            table = name.removeprefix(COUNT_PREFIX)
            if name.startswith(COUNT_PREFIX) and table in existing:
                counts[table] = int(str(self._connection.execute(query.sql).fetchall()[0][0]))
        return counts

    def migrate(self) -> list[str]:
        return Migrator(self._connection).apply_pending()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        connection = self._connection
        try:
            connection.execute("BEGIN IMMEDIATE")
        except apsw.Error as error:
            context = f"cannot start the copy into {self.shown!r}"
            raise translate(error, context=context, busy_timeout_ms=BUSY_TIMEOUT_MS) from error
        try:
            yield
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def insert(self, table: Table, rows: Sequence[Row]) -> None:
        sql = copy_queries()[f"insert_{table.name}"].sql
        try:
            self._connection.executemany(sql, rows)
        except apsw.Error as error:
            context = f"cannot copy a row of {table.name} into {self.shown!r}"
            raise translate(error, context=context) from error

    def batches(self, table: Table, size: int) -> Iterator[list[Row]]:
        return _rows(self._connection, table, size, self.shown)

    def finish(self, table: Table, last_rowid: int) -> None:
        """Nothing to do: SQLite's next rowid is always one past the largest."""


@contextmanager
def open_destination(path: str) -> Iterator[SqliteDestination]:
    """The file at ``path``, created 0600 if missing."""
    shown = os.path.abspath(path)
    connection = connections.open_file(shown, busy_timeout_ms=BUSY_TIMEOUT_MS, create=True)
    try:
        connection.pragma("cache_size", CACHE_KIB)
        yield SqliteDestination(connection, shown)
    finally:
        connections.close(connection)
