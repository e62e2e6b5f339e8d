"""yoyo backends that apply each migration and its record in one transaction.

yoyo's own :class:`~yoyo.backends.base.DatabaseBackend` (9.0) is not atomic
in the way ``cwdb.ensure_schema`` promises (docs/reference.md §1, §6):

* ``apply_one`` runs the migration's steps on a second connection
  (``self.copy()``), commits them, then writes ``_yoyo_log`` and
  ``_yoyo_migration`` in later transactions: a process killed in between
  leaves a migration applied but unrecorded;
* ``lock()`` commits a ``yoyo_lock`` row and deletes it afterwards: a process
  killed in between leaves a lock that only ``yoyo break-lock`` removes;
* ``ensure_internal_schema_updated`` decides whether to create yoyo's tables
  before it takes that lock, so two first migrators race to create them.

:class:`AtomicApply` is mixed into a yoyo backend class (cwdb's
``ApswBackend``; yoyo's ``PostgresqlPsycopgBackend``) and overrides exactly
those three, with yoyo's public pieces inside: the migration's own
``process_steps``, ``log_migration``, ``mark_one`` / ``unmark_one``,
``is_applied``, ``create_lock_table``, ``break_lock`` and
``yoyo.internalmigrations``. Everything else (``read_migrations``,
``to_apply``, ``apply_migrations``, ``rollback_migrations``, the post-apply
hooks, the SQL of yoyo's tables) is yoyo's, unchanged.

The lock is the migration's transaction itself: the driver's ``begin()``
takes the database's lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL:
``pg_advisory_xact_lock``), and under it the transaction re-reads what it
decides on (yoyo's schema version, the applied hashes, a ``yoyo_lock`` row
of the stock yoyo command line), so concurrent migrators apply each
migration once and a killed one leaves nothing: its transaction, and with it
the lock, ends with the process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

from yoyo import internalmigrations
from yoyo.exceptions import LockTimeout

log = logging.getLogger("cwdb.migrations")

#: How often a migrator looks again at a ``yoyo_lock`` row of a live process.
POLL_SECONDS: Final = 0.1


class AtomicApply:
    """The overrides of a yoyo backend that make each migration one transaction.

    Mixed in before the yoyo backend class. A driver supplies
    :meth:`_lock_holders` (the processes in ``yoyo_lock``, read with cwdb's
    own named query) and may refine :meth:`_holder_is_live`,
    :meth:`_begin_locked` and :meth:`_migration_transaction`.
    """

    #: How long a transaction waits for the lock: :meth:`lock`'s ``timeout`` in its block.
    wait_seconds: float = 10.0
    #: Set by :meth:`lock` for its block: when waiting for the lock gives up.
    _deadline: float | None = None
    #: The ids this backend applied (not found applied by another migrator), in order.
    applied_here: list[str]
    #: The migration being applied or rolled back, for error messages.
    current: Any = None
    #: yoyo's own (``DatabaseBackend``): a transaction is open; yoyo's tables were checked.
    _in_transaction: bool
    _internal_schema_updated: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.applied_here = []
        super().__init__(*args, **kwargs)

    # -- yoyo's lock, without a row ------------------------------------------

    @contextmanager
    def lock(self, timeout: float = 10) -> Iterator[None]:
        """yoyo's migration lock, held by each transaction instead of by a row.

        No ``yoyo_lock`` row is written: every transaction this backend
        begins takes the database's lock (see the module docstring), so there
        is nothing a killed process could leave behind. ``timeout`` (seconds)
        bounds how long each transaction in the block waits for it, as
        yoyo's own ``timeout`` bounds its wait for the row.
        """
        if self._deadline is not None:
            yield
            return
        saved = self.wait_seconds
        self.wait_seconds = timeout
        self._deadline = time.monotonic() + timeout
        try:
            yield
        finally:
            self._deadline = None
            self.wait_seconds = saved

    # -- yoyo's tables --------------------------------------------------------

    def ensure_internal_schema_updated(self) -> None:
        """yoyo's own upgrade of its tables, decided and done under the lock.

        ``yoyo.internalmigrations`` creates (or upgrades) yoyo's tables; the
        check is repeated inside the locked transaction, so of two first
        migrators one creates them and the other sees them. The lock table
        is created there too (yoyo makes it in ``get_backend``, which cwdb
        does not call), so the ``yoyo`` command line finds all four.
        """
        backend: Any = self
        if self._internal_schema_updated:
            return
        if self._tables_missing():
            with self._migration_transaction():
                if internalmigrations.needs_upgrading(backend):
                    internalmigrations.upgrade(backend)
                if backend.lock_table not in backend.list_tables():
                    backend.create_lock_table()
        self._internal_schema_updated = True

    def _tables_missing(self) -> bool:
        backend: Any = self
        if internalmigrations.needs_upgrading(backend):
            return True
        return bool(backend.lock_table not in backend.list_tables())

    # -- one migration, one transaction -----------------------------------------

    def apply_one(self, migration: Any, force: bool = False, mark: bool = True) -> bool:
        """Apply ``migration`` and record it in one transaction; False if already applied.

        Under the lock, a migration found applied (by a concurrent migrator)
        is left alone. yoyo's own ``apply_migrations`` calls this for each
        migration of ``to_apply``; so does the ``yoyo`` command line.
        """
        backend: Any = self
        backend.ensure_internal_schema_updated()
        migration.load()
        self.current = migration
        with self._migration_transaction(transactional=migration.use_transactions):
            applied = not (mark and backend.is_applied(migration))
            if applied:
                log.debug("applying migration %s", migration.id)
                migration.process_steps(backend, "apply", force=force)
                backend.log_migration(migration, "apply")
                if mark:
                    backend.mark_one(migration, log=False)
        self.current = None
        if applied:
            self.applied_here.append(migration.id)
        return applied

    def rollback_one(self, migration: Any, force: bool = False) -> bool:
        """Roll ``migration`` back and unrecord it in one transaction; False if not applied."""
        backend: Any = self
        backend.ensure_internal_schema_updated()
        migration.load()
        self.current = migration
        with self._migration_transaction(transactional=migration.use_transactions):
            applied = bool(backend.is_applied(migration))
            if applied:
                log.info("rolling back migration %s", migration.id)
                migration.process_steps(backend, "rollback", force=force)
                backend.log_migration(migration, "rollback")
                backend.unmark_one(migration, log=False)
        self.current = None
        return applied

    @contextmanager
    def _migration_transaction(self, *, transactional: bool = True) -> Iterator[None]:
        """One transaction holding the lock, with no live ``yoyo_lock`` row; committed at the end.

        yoyo's nested ``transaction()`` blocks inside are savepoints. An
        exception rolls the whole transaction back and propagates.
        """
        backend: Any = self
        self._begin_locked()
        try:
            yield
            self._before_commit(transactional=transactional)
        except BaseException:
            backend.rollback()
            raise
        backend.commit()

    def _begin_locked(self) -> None:
        """Begin, take the lock, and wait out a ``yoyo_lock`` row of a live process."""
        backend: Any = self
        deadline = self._deadline
        if deadline is None:
            deadline = time.monotonic() + self.wait_seconds
        while True:
            self._begin(deadline)
            try:
                holders = self._live_lock_holders()
            except BaseException:
                backend.rollback()
                raise
            if not holders:
                return
            backend.rollback()
            if time.monotonic() > deadline:
                raise LockTimeout(
                    f"yoyo's migration lock has been held by process {holders[0]} for over "
                    f"{self.wait_seconds:.0f} s (the yoyo command line, or yoyo break-lock)"
                )
            time.sleep(POLL_SECONDS)

    def _live_lock_holders(self) -> list[int]:
        """The processes of a ``yoyo_lock`` row to wait for (none if yoyo has no lock table)."""
        backend: Any = self
        if backend.lock_table not in backend.list_tables():
            return []
        return [pid for pid in self._lock_holders() if self._holder_is_live(pid)]

    # -- the driver's part -------------------------------------------------------

    def _begin(self, deadline: float) -> None:
        """Begin a transaction that holds the database's migration lock."""
        backend: Any = self
        backend.begin()

    def _before_commit(self, *, transactional: bool) -> None:
        """A last check inside the transaction (SQLite: ``PRAGMA foreign_key_check``)."""

    def _lock_holders(self) -> Sequence[int]:
        """The process ids in ``yoyo_lock`` (the stock ``yoyo`` command line's row)."""
        raise NotImplementedError

    def _holder_is_live(self, pid: int) -> bool:
        """Whether to wait for a ``yoyo_lock`` row's process (it may run on another host)."""
        return True
