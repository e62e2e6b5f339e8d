"""Applying ``migrations/postgresql/``: yoyo's ``postgresql+psycopg`` backend on cwdb's connection.

yoyo reads the migrations and applies them through :class:`PsycopgBackend`,
yoyo's own psycopg 3 backend made on the connection cwdb opened, with
:class:`~cwdb.adapters.yoyo_apply.AtomicApply`: PostgreSQL's DDL is
transactional, so each pending migration runs in one transaction together
with its rows in yoyo's tables, and a failure leaves the database as it
was. Every transaction the backend begins takes one transaction-level
advisory lock first (``sql/postgresql/_migrations.sql``:
``take_migration_lock``), so migrators on any number of machines apply each
migration once; one that finds its migration applied meanwhile does nothing.
The lock ends with the transaction (no session state, so PgBouncer's
transaction pooling is fine, and a killed process holds nothing).

A ``yoyo_lock`` row (yoyo's stock command line, perhaps on another machine)
is waited for; cwdb cannot tell whether a process on another host is alive,
so a row that outlives the wait is reported, never cleared.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
from yoyo.connections import DatabaseURI
from yoyo.migrations import default_migration_table

from cwdb.adapters.migration_files import Migration, MigrationLedger
from cwdb.adapters.migration_files import shipped_migrations as shipped
from cwdb.adapters.psycopg.translate import translate
from cwdb.adapters.sqlfiles import query_file
from cwdb.adapters.yoyo_apply import AtomicApply
from cwdb.errors import Error, MigrationError


def shipped_migrations() -> tuple[Migration, ...]:
    """The PostgreSQL migrations this version of cwdb ships."""
    return shipped("postgresql")


class PsycopgBackend(AtomicApply, PostgresqlPsycopgBackend):  # type: ignore[misc]  # untyped yoyo
    """yoyo's psycopg 3 backend on one of cwdb's autocommit connections (see :meth:`on`)."""

    def __init__(self, dburi: Any, migration_table: str, connection: Any) -> None:
        self._adopted = connection
        super().__init__(dburi, migration_table)

    @classmethod
    def on(cls, connection: psycopg.Connection[Any]) -> PsycopgBackend:
        """The backend on ``connection`` (autocommit, as cwdb opens them; its owner closes it)."""
        uri = DatabaseURI("postgresql+psycopg", None, None, None, None, "cwdb", {})
        return cls(uri, default_migration_table, connection)

    def connect(self, dburi: Any) -> Any:
        return self._adopted

    def cursor(self) -> _QuietCursor:
        """yoyo's cursors, which hide a migration's result rows from yoyo's printing."""
        return _QuietCursor(self.connection.cursor())

    def begin(self) -> None:
        """yoyo's ``BEGIN``, then cwdb's advisory lock, held until the transaction ends."""
        super().begin()
        try:
            self.connection.execute(
                query_file("_migrations", "postgresql")["take_migration_lock"].sql
            )
        except BaseException:
            self.rollback()  # a lock_timeout leaves no failed transaction open
            raise

    @contextmanager
    def disable_transactions(self) -> Iterator[None]:
        """Inside the migration's transaction: nothing (cwdb applies every migration atomically)."""
        if self._in_transaction:
            yield
            return
        with super().disable_transactions():
            yield

    def _lock_holders(self) -> list[int]:
        sql = query_file("_migrations", "postgresql")["lock_holders"].sql
        return [int(pid) for (pid,) in self.connection.execute(sql).fetchall()]


class _QuietCursor:
    """A psycopg cursor that reads a statement's rows at once and reports no columns.

    yoyo prints the rows of a migration's ``SELECT`` when a cursor reports
    columns; a library must not write to standard output. yoyo's own reads
    (``fetchone``, ``fetchall``) get the rows as usual.
    """

    description = None

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor
        self._rows: list[Any] = []

    def execute(self, sql: Any, params: Any = None) -> _QuietCursor:
        self._cursor.execute(sql, params)
        self._rows = self._cursor.fetchall() if self._cursor.description else []
        return self

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        self._cursor.close()


class Migrator(MigrationLedger):
    """Applies and inspects migrations on one autocommit psycopg connection."""

    dialect = "postgresql"
    _connection: psycopg.Connection[Any]

    def _run(self, name: str) -> list[Any]:
        cursor = self._connection.execute(self._sql[name].sql)
        return cursor.fetchall() if cursor.description else []

    def _backend(self) -> PsycopgBackend:
        return PsycopgBackend.on(self._connection)

    def _failure(self, error: Exception, migration: Migration | None) -> Error | None:
        if not isinstance(error, psycopg.Error) or migration is None:
            return None
        context = f"migration {migration.id} failed"
        return translate(error, context=context, failure=MigrationError)
