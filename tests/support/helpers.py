"""Test helpers: independent connections, snapshots, a controllable clock.

A test database of either backend (``conftest.py``'s ``db``) works with
:func:`snapshot`, :func:`execute` and :func:`backend_of`; :func:`raw_connection`
is an APSW connection, for tests about SQLite itself.
"""

from __future__ import annotations

import copy
import itertools
import re
import time
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apsw
import attrs
import pytest

import cwdb
from cwdb.adapters.repositories.updates import UpdateStatement, UpdateStatements

Rows = list[tuple[Any, ...]]

#: The real URL (password and all) of each PostgreSQL test database: ``db.path`` is redacted.
_URLS: weakref.WeakKeyDictionary[cwdb.Database, PostgresSuite] = weakref.WeakKeyDictionary()

#: The worked example of docs/own_queries.md: an application's own queries.
EXAMPLES = Path(__file__).resolve().parent.parent.parent / "docs" / "examples"
READY_TASKS = EXAMPLES / "ready_tasks.sql"


class PostgresSuite:
    """The session's one migrated PostgreSQL database; each test gets it emptied.

    Emptying deletes every row of every cwdb table and restarts each
    table's ``rowid`` identity, in one round trip; yoyo's tables keep the
    applied migrations. (``TRUNCATE ... RESTART IDENTITY CASCADE`` does the
    same, but makes new files for some hundred relations each time: 15-120 ms
    a test here, against well under a millisecond for deleting the few rows a
    test writes.) ``connection`` is the suite's own autocommit connection,
    outside the library's sessions, for snapshots and raw SQL.
    """

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        #: What ``connect`` opens: ``url``, or the same database through PgBouncer.
        self.connect_url = url
        self.connection = psycopg.connect(url, autocommit=True)
        self.tables = [
            str(row[0])
            for row in self.connection.execute(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND column_name = 'rowid' ORDER BY table_name"
            )
        ]
        assert len(self.tables) == 19, self.tables
        references = self.connection.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        ).fetchall()
        self._empty = "; ".join(
            [f"DELETE FROM {table}" for table in children_first(self.tables, references)]
            + [
                "SELECT "
                + ", ".join(
                    f"setval(pg_get_serial_sequence('{table}', 'rowid'), 1, false)"
                    for table in self.tables
                )
            ]
        )
        self._snapshot = "SELECT " + ", ".join(
            f"(SELECT coalesce(json_agg(t ORDER BY rowid), '[]') FROM {table} AS t)"
            for table in self.tables
        )
        #: Seconds spent emptying and opening, and how many times.
        self.overhead = 0.0
        self.opened = 0

    def through(self, url: str) -> PostgresSuite:
        """The same database and bookkeeping, with ``connect`` opening ``url`` (PgBouncer's)."""
        other = copy.copy(self)
        other.connect_url = url
        return other

    def connect(self, *, clock: Callable[[], datetime] | None = None) -> cwdb.Database:
        """The emptied database, open (``migrate=False``)."""
        started = time.perf_counter()
        self.connection.execute(self._empty)
        database = cwdb.connect(self.connect_url, migrate=False, clock=clock)
        self.overhead += time.perf_counter() - started
        self.opened += 1
        _URLS[database] = self
        return database

    async def connect_async(
        self, *, clock: Callable[[], datetime] | None = None
    ) -> cwdb.AsyncDatabase:
        """The emptied database, open for asyncio (``migrate=False``)."""
        started = time.perf_counter()
        self.connection.execute(self._empty)
        database = await cwdb.connect_async(self.url, migrate=False, clock=clock)
        self.overhead += time.perf_counter() - started
        self.opened += 1
        return database

    def register(self, database: Any) -> None:
        """Let the helpers find this suite from ``database`` (a facade over an async one)."""
        _URLS[database] = self

    def snapshot(self) -> dict[str, Any]:
        """Every row of every cwdb table (as JSON objects) by rowid, in one statement."""
        row = self.connection.execute(self._snapshot).fetchone()
        assert row is not None
        return dict(zip(self.tables, row, strict=True))

    def close(self) -> None:
        self.connection.close()


def children_first(tables: list[str], references: list[tuple[str, str]]) -> list[str]:
    """``tables`` ordered so that a table comes before every table it refers to."""
    ordered: list[str] = []
    left = set(tables)
    while left:
        ready = sorted(
            t for t in left if not any(p == t and c in left and c != t for c, p in references)
        )
        assert ready, f"a cycle of foreign keys among {sorted(left)}"
        ordered += ready
        left -= set(ready)
    return ordered


def backend_of(db: cwdb.Database) -> str:
    """``"postgresql"`` for a PostgreSQL test database, else ``"sqlite"``."""
    return "postgresql" if db in _URLS else "sqlite"


def postgres_url(db: cwdb.Database) -> str:
    """The real URL of a PostgreSQL test database."""
    return _URLS[db].url


_QMARK = re.compile(r"\?")


def execute(db: cwdb.Database, sql: str, params: Sequence[Any] = ()) -> Rows:
    """Run ``sql`` (``?`` placeholders) on a connection of its own; the rows it returns.

    For setting up or checking what no repository method does (raw rows of a
    table without a repository, a row deleted behind the library's back).
    """
    suite = _URLS.get(db)
    if suite is not None:
        cursor = suite.connection.execute(_QMARK.sub("%s", sql), params)
        return cursor.fetchall() if cursor.description is not None else []
    connection = raw_connection(db)
    try:
        return connection.execute(sql, tuple(params)).fetchall()
    finally:
        connection.close()


def add_change_set(db: cwdb.Database, change_set_id: str, initiative_id: str) -> None:
    """A change set row (no repository has them yet), made with plain SQL, stamped 1970."""
    epoch = "to_timestamp(0)" if backend_of(db) == "postgresql" else "0"
    execute(
        db,
        "INSERT INTO change_sets (id, initiative_id, created_at, updated_at)"
        f" VALUES (?, ?, {epoch}, {epoch})",
        (change_set_id, initiative_id),
    )


def storable_text(db: cwdb.Database, text: str, field: str, store: Callable[[str], object]) -> str:
    """``text``, once PostgreSQL refused its NUL characters; unchanged on SQLite.

    PostgreSQL's ``text`` cannot hold U+0000 (README, "What differs from
    SQLite"). On PostgreSQL, storing ``text`` with ``store`` must be a
    ValidationError naming ``field`` that writes nothing; the test then goes
    on with the text without its NULs, which must round-trip byte for byte.
    """
    if backend_of(db) != "postgresql" or "\x00" not in text:
        return text
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=f"{field}: PostgreSQL text cannot hold the NUL"):
        store(text)
    assert snapshot(db) == before
    return text.replace("\x00", "")


def raw_connection(db: cwdb.Database) -> apsw.Connection:
    """A new APSW connection to the same SQLite database, outside the library's sessions."""
    assert backend_of(db) == "sqlite", "raw_connection is SQLite's: use helpers.execute"
    return db._runner.open_connection()


def snapshot(db: cwdb.Database) -> dict[str, Any]:
    """Every row of every table, for 'nothing changed' checks.

    On SQLite every table (yoyo's included) by rowid; on PostgreSQL every
    cwdb table by its ``rowid`` column, read on the suite's own connection
    (yoyo's tables do not change after the session's one migration).
    """
    suite = _URLS.get(db)
    if suite is not None:
        return suite.snapshot()
    connection = raw_connection(db)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
            for table in tables
        }
    finally:
        connection.close()


def corrupt_database(path: Path) -> None:
    """A cwdb database file whose last page (an index's) is overwritten with garbage."""
    with cwdb.connect(path) as db, db.transaction():
        for number in range(400):
            db.initiatives.create(name=f"initiative {number:04}" * 4)
    with path.open("r+b") as file:
        file.seek(path.stat().st_size - 4096 + 8)
        file.write(b"\xff\x13" * 2000)


class FakeClock:
    """A clock the test moves by hand; starts at a fixed aware instant."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


_counter = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


def params_for(
    statements: UpdateStatements[Any], update: UpdateStatement[Any], changes: dict[str, object]
) -> dict[str, object]:
    """The parameters of one given update statement for ``changes`` (tests compare statements).

    Every value is encoded as the library encodes it; the caller adds ``:id``
    and ``:now``.
    """
    params = update.template(frozenset(changes))
    for name, value in changes.items():
        params[name] = statements._encoders[name](value)
    return params


def use_ids(db: cwdb.Database, new_id: Callable[[], str]) -> None:
    """Make every repository of ``db`` take its new ids from ``new_id`` (tests pin ids)."""
    for name in vars(db):
        repository = getattr(db, name)
        values = getattr(repository, "_values", None)
        if values is not None:
            repository._values = attrs.evolve(values, new_id=new_id)
