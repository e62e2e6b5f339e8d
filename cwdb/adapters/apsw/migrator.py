"""Applying ``migrations/`` through APSW, one atomic transaction each.

Each pending migration runs in one ``BEGIN IMMEDIATE`` transaction together
with its rows in yoyo's bookkeeping tables, so a failure or a killed process
leaves the database as it was and no lock behind. A migration marked
``-- transactional: false`` (a future table rebuild) runs with
``foreign_keys`` turned off before the transaction begins, as SQLite ignores
that PRAGMA inside one, and ``PRAGMA foreign_key_check`` must come back empty
before it commits.

Concurrent migrators queue on SQLite's write lock; a ``yoyo_lock`` row of a
live process on this host (the ``yoyo`` command line) is waited for, and one
left by a dead process is cleared with a warning.
"""

from __future__ import annotations

import logging
import os
import time

import apsw

from cwdb.adapters.apsw.translate import translate
from cwdb.adapters.migration_files import (
    Migration,
    MigrationLedger,
)
from cwdb.adapters.migration_files import (
    shipped_migrations as shipped,
)
from cwdb.errors import MigrationError

log = logging.getLogger("cwdb")


def shipped_migrations() -> tuple[Migration, ...]:
    """The migrations this version of cwdb ships."""
    return shipped("sqlite")


class Migrator(MigrationLedger):
    """Applies and inspects migrations on one connection."""

    dialect = "sqlite"
    _connection: apsw.Connection

    def _run(self, name: str, params: dict[str, object] | None = None) -> list[tuple[object, ...]]:
        return self._connection.execute(self._sql[name].sql, params or {}).fetchall()

    # -- applying ---------------------------------------------------------

    def _apply_one(self, migration: Migration, deadline: float) -> bool:
        """Apply one migration unless another migrator did it first."""
        connection = self._connection
        if not migration.transactional:
            connection.pragma("foreign_keys", False)
        try:
            self._begin(deadline)
            try:
                if migration.hash in set(self.applied_hashes()):
                    connection.execute("ROLLBACK")
                    return False
                self._run_migration(migration)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        finally:
            if not migration.transactional:
                connection.pragma("foreign_keys", True)
        return True

    def _begin(self, deadline: float) -> None:
        """Take the write lock, with bookkeeping ready and no live yoyo lock."""
        connection = self._connection
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except apsw.BusyError as error:
                if time.monotonic() > deadline:
                    waited = (
                        f"another process has been migrating for over {self._wait_seconds:.0f} s"
                    )
                    raise translate(error, context=waited) from error
                continue
            self._create_bookkeeping()
            if not self._held_by_live_yoyo():
                return
            connection.execute("ROLLBACK")
            self._wait_for_yoyo(deadline)

    def _held_by_live_yoyo(self) -> bool:
        for (pid,) in self._run("lock_holders"):
            if _process_alive(int(str(pid))):
                return True
            log.warning("clearing yoyo_lock left by process %s, which no longer exists", pid)
            self._run("clear_lock", {"pid": pid})
        return False

    def _run_migration(self, migration: Migration) -> None:
        connection = self._connection
        returned: list[tuple[object, ...]] = []
        try:
            # Consume every row: APSW runs a script's statements as it is read,
            # and stops at the first one that returns rows until they are read.
            for row in connection.execute(migration.apply_sql()):
                returned.append(row)
            if not migration.transactional:
                problems = connection.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise MigrationError(
                        f"migration {migration.id} leaves broken foreign keys: {problems[:5]}"
                    )
        except apsw.Error as error:
            refusal = _refusal(migration, returned)
            if refusal is not None:
                raise MigrationError(refusal) from error
            context = f"migration {migration.id} failed"
            raise translate(error, context=context, failure=MigrationError) from error
        self._record_applied(migration)


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
