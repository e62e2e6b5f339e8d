"""Applying ``migrations/`` to SQLite: yoyo's ``apsw`` backend on cwdb's connection.

yoyo reads the migrations and applies them through
:class:`~cwdb.adapters.apsw.yoyo_backend.ApswBackend` made on the
connection cwdb opened, so each pending migration runs in one ``BEGIN
IMMEDIATE`` transaction together with its rows in yoyo's tables: a failure or
a killed process leaves the database as it was, and no lock behind. A
migration marked ``-- transactional: false`` (a table rebuild) runs with
``foreign_keys`` turned off before the transaction begins, as SQLite ignores
that PRAGMA inside one, and ``PRAGMA foreign_key_check`` must come back empty
before it commits.

Concurrent migrators queue on SQLite's write lock; a ``yoyo_lock`` row of a
live process on this host (yoyo's stock ``sqlite:///`` backend) is waited
for, and one left by a dead process is cleared with a warning.
"""

from __future__ import annotations

import apsw

from cwdb.adapters.apsw.translate import translate
from cwdb.adapters.apsw.yoyo_backend import ApswBackend, BrokenForeignKeys
from cwdb.adapters.migration_files import Migration, MigrationLedger
from cwdb.adapters.migration_files import shipped_migrations as shipped
from cwdb.errors import Error, MigrationError


def shipped_migrations() -> tuple[Migration, ...]:
    """The migrations this version of cwdb ships."""
    return shipped("sqlite")


class Migrator(MigrationLedger):
    """Applies and inspects migrations on one connection."""

    dialect = "sqlite"
    _connection: apsw.Connection

    def _run(self, name: str) -> list[tuple[object, ...]]:
        return self._connection.execute(self._sql[name].sql).fetchall()

    def _backend(self) -> ApswBackend:
        self._yoyo = ApswBackend.on(self._connection)
        return self._yoyo

    def _failure(self, error: Exception, migration: Migration | None) -> Error | None:
        if not isinstance(error, apsw.Error):
            return None
        if isinstance(error, apsw.BusyError):
            waited = f"another process has been migrating for over {self._wait_seconds:.0f} s"
            return translate(error, context=waited)
        if migration is None:
            return translate(error, context="cannot update yoyo's tables", failure=MigrationError)
        if isinstance(error, BrokenForeignKeys):
            return MigrationError(f"migration {migration.id} failed: {error}")
        refusal = _refusal(migration, self._yoyo.connection.returned)
        if refusal is not None:
            return MigrationError(refusal)
        context = f"migration {migration.id} failed"
        return translate(error, context=context, failure=MigrationError)


def _refusal(migration: Migration, returned: list[tuple[object, ...]]) -> str | None:
    """Why ``migration`` refused to run, listing the rows it refused, or None.

    A migration whose new rules existing rows would break selects those rules
    as ``(table, rule, rows)`` and then stops, before it changes anything
    (see ``migrations/0003_seed_schema.sql``); whatever it selected before it
    failed is that list.
    """
    refused = [
        f"{row[0]}: {row[2]} row{'' if row[2] == 1 else 's'} break {row[1]}"
        for row in returned
        if len(row) == 3
    ]
    if not refused:
        return None
    return (
        f"migration {migration.id} refused: the database holds rows its new rules cannot "
        f"store ({'; '.join(refused)}); nothing was changed: fix or delete those rows, "
        "then migrate again"
    )
