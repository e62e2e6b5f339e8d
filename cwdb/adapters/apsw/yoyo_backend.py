"""yoyo's ``apsw://`` backend: yoyo migrates the library's SQLite, atomically.

Registered as the ``yoyo.backends`` entry point ``apsw``, so ``yoyo apply
--database apsw:///cw.db`` runs migrations through APSW, with every cwdb
connection setting, instead of through Python's ``sqlite3`` (an older SQLite
on Debian 12). URLs follow yoyo's ``sqlite:///`` convention: three slashes
and a relative path (``apsw:///cw.db``), four for an absolute one
(``apsw:////srv/cw.db``). ``cwdb.ensure_schema`` uses the same backend on
its own connection (:meth:`ApswBackend.on`).

Each migration and its record in yoyo's tables commit in one ``BEGIN
IMMEDIATE`` transaction, and yoyo's lock is that transaction, not a
``yoyo_lock`` row (:mod:`cwdb.adapters.yoyo_apply`): a failure or a killed
process leaves the database as it was and no lock behind. A ``yoyo_lock``
row of the stock ``sqlite:///`` backend is waited for while its process is
alive on this host, and cleared with a warning (yoyo's ``break_lock``) once
it is not.

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
  still in one transaction of its own;
* ``datetime`` parameters are stored as yoyo's stock ``sqlite`` backend
  stores them (naive ISO 8601 via ``isoformat()``).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, Final

import apsw
from yoyo.backends.base import DatabaseBackend
from yoyo.connections import DatabaseURI
from yoyo.migrations import default_migration_table

from cwdb.adapters.apsw.connection import open_file, open_memdb
from cwdb.adapters.sqlfiles import query_file
from cwdb.adapters.yoyo_apply import AtomicApply

log = logging.getLogger("cwdb")

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
    """A DB-API connection over one configured APSW connection.

    A ``quiet`` connection (cwdb's own, under ``ensure_schema``) reports no
    result columns to yoyo, which then prints no rows of a migration's
    ``SELECT`` to standard output; it keeps the rows its statements
    returned, up to the first statement that failed, in :attr:`returned`
    instead (a refusing migration lists there what it refuses).
    """

    def __init__(self, connection: apsw.Connection, *, quiet: bool = False) -> None:
        self.apsw = connection
        self.quiet = quiet
        #: Rows returned since :meth:`collect` (quiet connections only).
        self.returned: list[Row] = []
        self._collecting = False

    @property
    def in_transaction(self) -> bool:
        return bool(self.apsw.in_transaction)

    def collect(self) -> None:
        """Start keeping the rows statements return, until one fails."""
        self.returned = []
        self._collecting = True

    def cursor(self) -> Cursor:
        return Cursor(self.apsw.cursor(), self)

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

    def ran(self, rows: list[Row] | None) -> None:
        """Note a statement's rows, or (None) that it failed."""
        if not self._collecting:
            return
        if rows is None:
            self._collecting = False
        else:
            self.returned.extend(rows)


class Cursor:
    """A DB-API cursor over an APSW cursor; rows are tuples."""

    def __init__(self, cursor: apsw.Cursor, connection: Connection) -> None:
        self._cursor = cursor
        self._connection = connection
        self._description: tuple[tuple[Any, ...], ...] | None = None
        self._rows: list[Row] | None = None

    def execute(self, sql: str, params: Params | None = None) -> Cursor:
        """Run ``sql`` (several statements allowed when ``params`` is empty)."""
        try:
            self._cursor.execute(sql, _bindable(params))
            # APSW only knows the columns while the statement runs; yoyo asks
            # after fetching (to print a migration's SELECT), so keep them now.
            try:
                self._description = tuple(self._cursor.description)
            except apsw.ExecutionCompleteError:
                self._description = None
            if self._connection.quiet:
                self._rows = list(self._cursor.fetchall()) if self._description else []
        except BaseException:
            self._connection.ran(None)
            raise
        if self._rows is not None:
            self._connection.ran(self._rows)
        return self

    @property
    def description(self) -> tuple[tuple[Any, ...], ...] | None:
        """The result's columns, or None when the statement returns no rows (or is quiet)."""
        return None if self._connection.quiet else self._description

    def fetchone(self) -> Row | None:
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        row: Row | None = self._cursor.fetchone()
        return row

    def fetchall(self) -> list[Row]:
        if self._rows is not None:
            rows, self._rows = self._rows, []
            return rows
        return list(self._cursor.fetchall())

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())

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


class ApswBackend(AtomicApply, DatabaseBackend):  # type: ignore[misc]  # yoyo has no type hints
    """yoyo's ``apsw://`` backend (entry point ``yoyo.backends: apsw``)."""

    driver_module = __name__
    list_tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    #: A database file that does not exist yet: created when a migration is written.
    _missing_file: str | None = None
    #: cwdb's connection, when the backend is made by :meth:`on`.
    _adopted: apsw.Connection | None = None

    def __init__(
        self, dburi: Any, migration_table: str, connection: apsw.Connection | None = None
    ) -> None:
        """yoyo's constructor; with ``connection``, the backend works on that (:meth:`on`)."""
        self._adopted = connection
        super().__init__(dburi, migration_table)

    @classmethod
    def on(cls, connection: apsw.Connection, *, name: str = "cwdb") -> ApswBackend:
        """The backend on one of cwdb's own connections (quiet; its owner closes it)."""
        uri = DatabaseURI("apsw", None, None, None, None, name, {})
        return cls(uri, default_migration_table, connection)

    def connect(self, dburi: Any) -> Connection:
        """A configured connection to ``dburi.database``, or a stand-in if it is missing.

        A missing file is not created here, but by the first migration
        applied or marked (:meth:`_create_missing_file`): until then yoyo
        reads an empty private database, where every migration is pending.
        """
        if self._adopted is not None:
            return Connection(self._adopted, quiet=True)
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
        """Switch from the stand-in to the real file, created 0600."""
        if self._missing_file is None:
            return
        path, self._missing_file = self._missing_file, None
        stand_in: Connection = self.connection
        self._connection = real = connect(path)
        stand_in.close()
        self.init_connection(real)
        self.init_database()
        self._internal_schema_updated = False

    def begin(self) -> None:
        """Take the write lock at once: every transaction yoyo opens writes.

        A deferred ``BEGIN`` that later needs to write can fail with
        ``SQLITE_BUSY`` under WAL without waiting for the busy timeout; an
        ``IMMEDIATE`` one waits. The flag is set only once the lock is held,
        so a busy failure leaves the backend usable for a retry.
        """
        assert not self._in_transaction
        self.execute("BEGIN IMMEDIATE")
        self._in_transaction = True

    @contextmanager
    def disable_transactions(self) -> Iterator[None]:
        """Run a ``-- transactional: false`` migration: foreign keys off, one transaction.

        Such a migration (a table rebuild) needs foreign keys off, since
        dropping a parent table with them on would cascade into its children,
        and SQLite ignores that PRAGMA inside a transaction. Inside
        :meth:`apply_one` they are already off and the migration's
        transaction is open, so this does nothing. Called on its own, foreign
        keys go off first, and the block still runs in one ``BEGIN
        IMMEDIATE`` transaction: ``PRAGMA foreign_key_check`` must come back
        empty before ``COMMIT``, and a failure anywhere rolls the whole block
        back (yoyo's default here, autocommit per statement, would keep the
        statements run so far). Foreign keys are back on however it ends.
        """
        if self._in_transaction:
            yield
            return
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

    # -- the atomic apply's SQLite part (cwdb.adapters.yoyo_apply) -------------

    @contextmanager
    def _migration_transaction(self, *, transactional: bool = True) -> Iterator[None]:
        """The migration's transaction; foreign keys off around it when it is not transactional.

        The rows its statements return are kept (:meth:`Connection.collect`)
        for the refusal message of ``cwdb.ensure_schema``.
        """
        connection: Connection = self.connection
        connection.collect()
        if transactional:
            with super()._migration_transaction():
                yield
            return
        connection.apsw.pragma("foreign_keys", False)
        try:
            with super()._migration_transaction(transactional=False):
                yield
        finally:
            connection.apsw.pragma("foreign_keys", True)

    def _begin(self, deadline: float) -> None:
        """``BEGIN IMMEDIATE``, tried again while another writer holds the lock."""
        while True:
            try:
                self.begin()
            except apsw.BusyError:
                if time.monotonic() > deadline:
                    raise
                continue
            return

    def _before_commit(self, *, transactional: bool) -> None:
        if not transactional:
            _check_foreign_keys(self.connection)

    def _lock_holders(self) -> list[int]:
        connection: Connection = self.connection
        rows = connection.apsw.execute(query_file("_migrations")["lock_holders"].sql)
        return [int(pid) for (pid,) in rows]

    def _holder_is_live(self, pid: int) -> bool:
        """Wait for a live process of this host; clear the row of a dead one."""
        if _process_alive(pid):
            return True
        log.warning("clearing yoyo_lock left by process %s, which no longer exists", pid)
        self.break_lock()
        return False


class BrokenForeignKeys(apsw.ConstraintError):
    """A ``-- transactional: false`` migration left rows whose parent is gone."""


def _check_foreign_keys(connection: Connection) -> None:
    problems = connection.apsw.execute("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise BrokenForeignKeys(
            f"a migration run without a transaction left broken foreign keys "
            f"(table, rowid, parent, fk): {problems[:5]}"
        )


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
