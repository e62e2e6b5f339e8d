"""What the migrations build, as a DBA reads it: the text of ``schema.sql``.

``schema.sql`` at the repository root is the normalised catalog of a
database migrated from scratch (see :func:`schema_text`). The tests compare
it with what ``migrations/`` builds; ``scripts/update_schema.py`` writes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import apsw

from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.migrator import Migrator
from cwdb.adapters.migration_files import Migration
from cwdb.adapters.sqlfiles import query_file

SchemaObject = tuple[str, str, str, str]


def migrated_connection(migrations: Sequence[Migration] | None = None) -> apsw.Connection:
    """A private in-memory database with every migration applied (cwdb's settings).

    ``migrations`` defaults to the ones this version of cwdb ships.
    """
    connection = connections.open_memdb(f"cwdb-review-{uuid.uuid4().hex}", busy_timeout_ms=5000)
    try:
        Migrator(connection, migrations).apply_pending()
    except BaseException:
        connection.close()
        raise
    return connection


def schema_objects(connection: apsw.Connection) -> list[SchemaObject]:
    """(type, name, table, sql) of every object the migrations made, in a fixed order.

    SQLite's internals and yoyo's bookkeeping are left out; each SQL text has
    its trailing spaces removed, so the list compares equal across SQLite
    builds and platforms.
    """
    sql = query_file("_review")["schema_objects"].sql
    return [
        (str(kind), str(name), str(table), _normalise(str(text)))
        for kind, name, table, text in connection.execute(sql).fetchall()
    ]


def _normalise(sql: str) -> str:
    return "\n".join(line.rstrip() for line in sql.strip().splitlines())


def schema_text(connection: apsw.Connection, migration_ids: Sequence[str]) -> str:
    """The text of ``schema.sql``: a header, then each table with its objects."""
    lines = [
        "-- cwdb's schema as the migrations build it. Generated: do not edit.",
        "-- Regenerate with `python scripts/update_schema.py` after adding a migration;",
        "-- tests/test_schema_snapshot.py fails while this file is stale.",
        f"-- Migrations: {', '.join(migration_ids) or '(none)'}",
    ]
    table = None
    for _kind, _name, owner, sql in schema_objects(connection):
        if owner != table:
            table = owner
            lines += ["", f"-- {owner}"]
        lines.append(f"{sql};")
    return "\n".join(lines) + "\n"


def current_schema_text(migrations: Sequence[Migration] | None = None) -> str:
    """What ``schema.sql`` must hold for these migrations (default: the shipped ones)."""
    connection = migrated_connection(migrations)
    try:
        return schema_text(connection, Migrator(connection, migrations).applied_ids())
    finally:
        connection.close()
