"""Test helpers: independent connections, snapshots, a controllable clock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apsw

import cwdb


def raw_connection(db: cwdb.Database) -> apsw.Connection:
    """A new connection to the same database, outside the library's sessions."""
    return db._runner.open_connection()


def snapshot(db: cwdb.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (yoyo's included), for 'nothing changed' checks."""
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
