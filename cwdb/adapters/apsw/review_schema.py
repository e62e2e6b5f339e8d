"""What the migrations build, as a DBA reads it: ``schema.sql`` and landed files.

``schema.sql`` at the repository root is the normalised catalog of a
database migrated from scratch (see :func:`schema_text`);
``migrations/landed.sha256`` (``sha256sum`` format) freezes every migration
file once it has landed (see :func:`landed_problems`). The tests compare
both with what ``migrations/`` holds; ``scripts/update_schema.py`` and
``scripts/land_migrations.py`` write them.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import apsw

from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.migrator import Migration, Migrator
from cwdb.adapters.apsw.sqlfiles import query_file

#: The file, inside the migrations folder, that lists the landed migrations.
LANDED_FILE: Final = "landed.sha256"

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


# -- landed migrations --------------------------------------------------------


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def migration_files(folder: Path) -> list[Path]:
    """Every migration file of a folder (apply and rollback scripts), by name."""
    return sorted(folder.glob("*.sql"))


def read_landed(folder: Path) -> dict[str, str]:
    """File name -> sha256 of every landed migration, as ``landed.sha256`` lists them.

    The format is ``sha256sum``'s (``<hex>  <name>``, or ``<hex> *<name>``),
    so ``cd migrations && sha256sum -c landed.sha256`` checks it too.
    """
    path = folder / LANDED_FILE
    if not path.exists():
        return {}
    landed: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = name[1:] if name[:1] in (" ", "*") else name
        if len(digest) != 64 or not name:
            raise ValueError(f"{path}:{number}: not a sha256sum line: {line!r}")
        landed[name] = digest
    return landed


def landed_problems(folder: Path) -> list[str]:
    """Why the folder breaks the landing rule: changed, missing or unlisted files."""
    landed = read_landed(folder)
    problems = []
    for name, digest in landed.items():
        path = folder / name
        if not path.exists():
            problems.append(f"{name} has landed but is missing")
        elif sha256_of(path) != digest:
            problems.append(f"{name} has landed and must not change (its sha256 differs)")
    problems += [
        f"{path.name} is not listed in {LANDED_FILE} (run scripts/land_migrations.py)"
        for path in migration_files(folder)
        if path.name not in landed
    ]
    return problems


def landing_lines(folder: Path) -> list[str]:
    """``sha256sum`` lines for the migration files not yet listed, by name."""
    landed = read_landed(folder)
    return [
        f"{sha256_of(path)}  {path.name}"
        for path in migration_files(folder)
        if path.name not in landed
    ]
