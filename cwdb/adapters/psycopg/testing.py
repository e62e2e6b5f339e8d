"""cwdb.testing's PostgreSQL test database: migrated once, emptied before each test.

Emptying deletes every row of the cwdb tables (those with a ``rowid``
insertion-order column in the current schema), children first, and restarts
their ``rowid`` counters, in one round trip on a connection of its own
(``application_name`` ``cwdb.testing``). Deleting the few rows a test wrote
takes well under a millisecond, where ``TRUNCATE`` makes new files for every
table and index each time. The statement is built from the database's
catalogue when the session starts, which is why it is not a named query of
``sql/``: it is test tooling that no application runs.
"""

from __future__ import annotations

from typing import Any

import psycopg

import cwdb
from cwdb._redact import redact
from cwdb.dialects import dialect_for


class EmptiedDatabase:
    """The session's PostgreSQL test database: migrated once, emptied before each test."""

    def __init__(self, url: str) -> None:
        self.url = url
        cwdb.ensure_schema(url)
        try:
            self._connection: psycopg.Connection[Any] = psycopg.connect(
                dialect_for(url).location, autocommit=True, application_name="cwdb.testing"
            )
        except psycopg.Error as error:
            raise cwdb.Error(f"cwdb.testing: cannot connect to {redact(url)!r}: {error}") from None
        self._empty = self._emptying_statement()

    def _emptying_statement(self) -> str:
        """DELETE from every cwdb table, children first, then restart the rowid counters."""
        tables = [
            str(row[0])
            for row in self._connection.execute(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_name = 'rowid'"
                " ORDER BY table_name"
            )
        ]
        references = [
            (str(child), str(parent))
            for child, parent in self._connection.execute(
                "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
                " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
            )
        ]
        deletes = [f'DELETE FROM "{table}"' for table in children_first(tables, references)]
        restarts = ", ".join(
            f"setval(pg_get_serial_sequence('\"{table}\"', 'rowid'), 1, false)" for table in tables
        )
        return "; ".join([*deletes, f"SELECT {restarts}"])

    def empty(self) -> None:
        self._connection.execute(self._empty.encode())

    def close(self) -> None:
        self._connection.close()


def children_first(tables: list[str], references: list[tuple[str, str]]) -> list[str]:
    """``tables`` ordered so that each comes before every table it refers to."""
    ordered: list[str] = []
    left = set(tables)
    while left:
        ready = sorted(
            t
            for t in left
            if not any(parent == t and child in left and child != t for child, parent in references)
        )
        if not ready:
            raise cwdb.Error(f"cwdb.testing: a cycle of foreign keys among {sorted(left)}")
        ordered += ready
        left -= set(ready)
    return ordered
