"""yoyo's ``apsw://`` backend: the command line migrates on the library's SQLite.

Registered as the ``yoyo.backends`` entry point ``apsw``, so ``yoyo apply
--database apsw:///cw.db`` runs migrations through APSW, with every cwdb
connection setting, instead of through Python's ``sqlite3`` (an older SQLite
on Debian 12). URLs follow yoyo's ``sqlite:///`` convention: three slashes
and a relative path (``apsw:///cw.db``), four for an absolute one
(``apsw:////srv/cw.db``).

yoyo drives a DB-API module; this module is that module too (``paramstyle``,
``DatabaseError``, :func:`connect`), a thin shim over APSW:

* a new database file is created 0600 before SQLite opens it, so its
  ``-wal`` and ``-shm`` files are 0600 as well (it stores credentials);
* a database file that does not exist is created only when a migration is
  applied or marked: until then the backend works on an empty private
  in-memory database, so ``yoyo list`` (or an ``apply`` with nothing to
  apply) never leaves an empty ``cw.db`` behind;
* every connection is set up by :func:`cwdb.adapters.apsw.connection.configure`
  (foreign keys, busy timeout, defensive, WAL, ``synchronous=NORMAL``);
* APSW has no implicit transactions: ``commit``/``rollback`` end a
  transaction only when one is open, and nothing begins one behind yoyo's
  back; a ``-- transactional: false`` migration runs with foreign keys off,
  still in one transaction of its own (see :meth:`ApswBackend.disable_transactions`);
* ``datetime`` parameters are stored as yoyo's stock ``sqlite`` backend
  stores them (naive ISO 8601 via ``isoformat()``), the format
  ``cwdb.ensure_schema`` writes into the same bookkeeping tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, Final

import apsw
from yoyo.backends.base import DatabaseBackend

from cwdb.adapters.apsw.connection import open_file, open_memdb

# -- the DB-API module yoyo loads (this one) ----------------------------------

apilevel: Final = "2.0"
#: Connections must not be shared between threads (APSW allows it, yoyo never does it).
threadsafety: Final = 1
#: yoyo's own ``:name`` placeholders pass through unchanged.
paramstyle: Final = "named"
Error = apsw.Error
#: Every APSW error: yoyo catches this one to retry its lock and to probe DDL.
DatabaseError = apsw.Error

#: How long a statement waits for another writer (the library's default too).
BUSY_TIMEOUT_MS: Final = 5000

Params = Mapping[str, object] | Sequence[object]
Row = tuple[Any, ...]


def connect(database: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Connection:
    """Open (creating it 0600 if missing) and configure a database file."""
    if database in ("", ":memory:"):
        raise ValueError(
            "the apsw yoyo backend needs a database file: apsw:///relative/cw.db "
            "or apsw:////absolute/cw.db"
        )
    return Connection(open_file(database, busy_timeout_ms=busy_timeout_ms, create=True))


class Connection:
    """A DB-API connection over one configured APSW connection."""

    def __init__(self, connection: apsw.Connection) -> None:
        self.apsw = connection

    @property
    def in_transaction(self) -> bool:
        return bool(self.apsw.in_transaction)

    def cursor(self) -> Cursor:
        return Cursor(self.apsw.cursor())

    def execute(self, sql: str, params: Params | None = None) -> Cursor:
        """Run ``sql`` on a new cursor (as ``sqlite3.Connection.execute``)."""
        return self.cursor().execute(sql, params)

    def commit(self) -> None:
        """Commit the open transaction; nothing to do outside one."""
        if self.apsw.in_transaction:
            self.apsw.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back the open transaction; nothing to do outside one."""
        if self.apsw.in_transaction:
            self.apsw.execute("ROLLBACK")

    def close(self) -> None:
        self.apsw.close()


class Cursor:
    """A DB-API cursor over an APSW cursor; rows are tuples."""

    def __init__(self, cursor: apsw.Cursor) -> None:
        self._cursor = cursor
        self._description: tuple[tuple[Any, ...], ...] | None = None

    def execute(self, sql: str, params: Params | None = None) -> Cursor:
        """Run ``sql`` (several statements allowed when ``params`` is empty)."""
        self._cursor.execute(sql, _bindable(params))
        # APSW only knows the columns while the statement runs; yoyo asks
        # after fetching (to print a migration's SELECT), so keep them now.
        try:
            self._description = tuple(self._cursor.description)
        except apsw.ExecutionCompleteError:
            self._description = None
        return self

    @property
    def description(self) -> tuple[tuple[Any, ...], ...] | None:
        """The result's columns, or None when the statement returns no rows."""
        return self._description

    def fetchone(self) -> Row | None:
        row: Row | None = self._cursor.fetchone()
        return row

    def fetchall(self) -> list[Row]:
        return list(self._cursor.fetchall())

    def __iter__(self) -> Iterator[Row]:
        return iter(self._cursor)

    def close(self) -> None:
        self._cursor.close()


def _bindable(params: Params | None) -> Params | None:
    """Parameters APSW can bind: dates and datetimes become ISO 8601 text."""
    if not params:
        return None
    if isinstance(params, Mapping):
        return {name: _adapt(value) for name, value in params.items()}
    return tuple(_adapt(value) for value in params)


def _adapt(value: object) -> object:
    """As yoyo's sqlite backend adapts: ``isoformat()`` (naive stays naive)."""
    if isinstance(value, date):
        return value.isoformat()
    return value


# -- the backend --------------------------------------------------------------


class ApswBackend(DatabaseBackend):  # type: ignore[misc]  # yoyo ships no type hints
    """yoyo's ``apsw://`` backend (entry point ``yoyo.backends: apsw``)."""

    driver_module = __name__
    list_tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    _in_transaction: bool = False
    #: A database file that does not exist yet: created when a migration is written.
    _missing_file: str | None = None

    def connect(self, dburi: Any) -> Connection:
        """A configured connection to ``dburi.database``, or a stand-in if it is missing.

        A missing file is not created here, but by the first migration
        applied or marked (:meth:`_create_missing_file`): until then yoyo
        reads an empty private database, where every migration is pending.
        """
        path = dburi.database or ""
        if path not in ("", ":memory:") and not os.path.exists(path):
            self._missing_file = path
            stand_in = f"yoyo-stand-in-{uuid.uuid4().hex}"
            return Connection(open_memdb(stand_in, busy_timeout_ms=BUSY_TIMEOUT_MS))
        return connect(path)

    def apply_migrations(self, migrations: Any, force: bool = False) -> None:
        if migrations:
            self._create_missing_file()
        super().apply_migrations(migrations, force=force)

    def mark_migrations(self, migrations: Any) -> None:
        if migrations:
            self._create_missing_file()
        super().mark_migrations(migrations)

    def _create_missing_file(self) -> None:
        """Switch from the stand-in to the real file, created 0600, under yoyo's lock."""
        if self._missing_file is None:
            return
        path, self._missing_file = self._missing_file, None
        stand_in: Connection = self.connection
        self._connection = real = connect(path)
        stand_in.close()
        self.init_connection(real)
        self.init_database()
        self._internal_schema_updated = False
        if self._is_locked:  # the lock was taken on the stand-in: take it here too
            self._insert_lock_row(os.getpid(), timeout=10)

    def begin(self) -> None:
        """Take the write lock at once: every transaction yoyo opens writes.

        A deferred ``BEGIN`` that later needs to write can fail with
        ``SQLITE_BUSY`` under WAL without waiting for the busy timeout; an
        ``IMMEDIATE`` one waits. The flag is set only once the lock is held,
        so a busy failure leaves the backend usable for yoyo's lock retries.
        """
        assert not self._in_transaction
        self.execute("BEGIN IMMEDIATE")
        self._in_transaction = True

    @contextmanager
    def disable_transactions(self) -> Iterator[None]:
        """Run a ``-- transactional: false`` migration: foreign keys off, one transaction.

        Such a migration (a table rebuild) needs foreign keys off, since
        dropping a parent table with them on would cascade into its children,
        and SQLite ignores that PRAGMA inside a transaction. So they go off
        first, and the migration still runs in one ``BEGIN IMMEDIATE``
        transaction, as in ``cwdb.ensure_schema``: ``PRAGMA
        foreign_key_check`` must come back empty before ``COMMIT``, and a
        failure anywhere rolls the whole migration back (yoyo's default here,
        autocommit per statement, would keep the statements run so far).
        Foreign keys are back on however the block ends.
        """
        self.rollback()
        connection: Connection = self.connection
        connection.apsw.pragma("foreign_keys", False)
        try:
            connection.apsw.execute("BEGIN IMMEDIATE")
            try:
                yield
                _check_foreign_keys(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            connection.apsw.pragma("foreign_keys", True)


def _check_foreign_keys(connection: Connection) -> None:
    problems = connection.execute("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise apsw.ConstraintError(
            f"a migration run without a transaction left broken foreign keys "
            f"(table, rowid, parent, fk): {problems[:5]}"
        )
