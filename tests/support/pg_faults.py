"""Injecting faults into a PostgreSQL server under cwdb, and watching their effect.

For tests/test_postgresql_faults.py: a superuser connection that looks at
and terminates cwdb's backends (``application_name = 'cwdb'``), a schema
fingerprint to tell "migration applied" from "not applied" exactly, and
:class:`Writer`, a thread that writes three kinds of atomic change forever
through a shared ``Database`` and records which it saw acknowledged and
which failed, and how, so that the test can count the faults it caused and
check that nothing acknowledged was lost and nothing was half applied;
and :func:`start_child` / :func:`kill` for the processes killed mid-write
or mid-migration.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from typing import Any

import psycopg

import cwdb

#: A block's writes, a batch's chunks and a single statement: the three kinds of atomic change.
KINDS = ("block", "batch", "single")
BATCH = 5


#: Migrators are killed by the dozen: forked from a server process that has
#: cwdb and psycopg imported already (a spawned child would take ~0.5 s to start).
FORKSERVER = multiprocessing.get_context("forkserver")
FORKSERVER.set_forkserver_preload(
    ["cwdb", "cwdb.adapters.psycopg.database", "tests.support.crash", __name__]
)


def _migrate(url: str, ready: Any) -> None:
    """The migrator child: ``ensure_schema``, killed part-way by the test."""
    ready.set()
    cwdb.ensure_schema(url)


def start_child(target: Callable[..., None], *args: Any) -> Any:
    """A forked child running ``target(*args, ready)``, once it has set ``ready``."""
    ready = FORKSERVER.Event()
    child = FORKSERVER.Process(target=target, args=(*args, ready), daemon=True)
    child.start()
    assert ready.wait(timeout=60), "the child never got ready"
    return child


def start_migrator(url: str) -> Any:
    """A child process running ``ensure_schema(url)``, once it is about to start."""
    return start_child(_migrate, url)


def kill(child: Any) -> None:
    """SIGKILL a child (or find it finished) and reap it."""
    if child.pid is not None and child.exitcode is None:
        with contextlib.suppress(ProcessLookupError):  # just finished, reaped by the forkserver
            os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=60)
    assert child.exitcode in {-signal.SIGKILL, 0}, child.exitcode


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)
    return value


class Admin:
    """A superuser's autocommit connection to one database of the server."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(url, autocommit=True)

    def close(self) -> None:
        self.connection.close()

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        cursor = self.connection.execute(sql, params)
        return cursor.fetchall() if cursor.description else []

    def backends(self, *, state: str | None = None, waiting: bool = False) -> list[int]:
        """Pids of cwdb's backends on this database (idle ones too), oldest first."""
        return [
            pid
            for (pid,) in self.query(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'cwdb'"
                " AND (%(state)s::text IS NULL OR state = %(state)s)"
                " AND (NOT %(waiting)s OR wait_event_type = 'Lock')"
                " ORDER BY backend_start",
                {"state": state, "waiting": waiting},
            )
        ]

    def terminate(self, pid: int) -> None:
        """pg_terminate_backend, then wait until the backend is gone."""
        assert self.query("SELECT pg_terminate_backend(%s)", (pid,)) == [(True,)]
        wait_until(lambda: pid not in self.backends(), f"backend {pid} to exit")

    def schema(self) -> list[tuple[Any, ...]]:
        """Every column, constraint and index of the public schema, yoyo's tables left out."""
        return self.query(
            """
            SELECT 'column', table_name::text, column_name::text,
                   data_type::text || ' ' || is_nullable::text || ' '
                   || coalesce(column_default::text, '')
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name::text NOT LIKE '%%yoyo%%'
            UNION ALL
            SELECT 'constraint', conrelid::regclass::text, conname::text,
                   pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace
              AND conrelid::regclass::text NOT LIKE '%%yoyo%%'
            UNION ALL
            SELECT 'index', tablename::text, indexname::text, indexdef
            FROM pg_indexes
            WHERE schemaname = 'public' AND tablename::text NOT LIKE '%%yoyo%%'
            ORDER BY 1, 2, 3, 4
            """
        )

    def applied(self) -> list[str]:
        """The ids in yoyo's record of applied migrations ([] before the first)."""
        if self.query("SELECT to_regclass('_yoyo_migration')") == [(None,)]:
            return []
        return sorted(i for (i,) in self.query("SELECT migration_id FROM _yoyo_migration"))


class Writer(threading.Thread):
    """Writes atomic changes through ``db`` until stopped; remembers what happened.

    Change ``n`` of writer ``w`` is named ``w<w>-<n>`` and is, in turn: a
    ``transaction()`` block (an initiative, a phase under it, +1 on the
    shared counter task), a ``log_chunks.insert_chunks`` batch of
    :data:`BATCH` chunks, or a single ``tasks.create``. A change whose call
    returned is acknowledged; one whose call raised a ``cwdb.Error`` may or
    may not be stored (the server may have committed it before the
    connection dropped), but never in part. Any other exception is a bug
    (a raw psycopg error leaking), kept in ``foreign`` and ending the thread.
    """

    def __init__(self, db: cwdb.Database, index: int, counter_id: str, phase_id: str) -> None:
        super().__init__(name=f"writer-{index}", daemon=True)
        self.db = db
        self.index = index
        self.counter_id = counter_id
        self.phase_id = phase_id
        self.stopping = threading.Event()
        self.acked: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self.failed: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self.messages: Counter[str] = Counter()
        #: The full text of the first failure of each kind, causes and traceback included.
        self.texts: set[str] = set()
        self.foreign: list[BaseException] = []

    @property
    def acknowledged(self) -> int:
        return sum(len(names) for names in self.acked.values())

    @property
    def failures(self) -> int:
        return sum(len(names) for names in self.failed.values())

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            kind, name = KINDS[n % len(KINDS)], f"w{self.index}-{n}"
            try:
                self._write(kind, name)
            except cwdb.Error as error:
                self.failed[kind].add(name)
                gist = f"{type(error).__name__}: {_gist(error, self.db.path)}"
                if gist not in self.messages:
                    self.texts.add("".join(traceback.format_exception(error)))
                self.messages[gist] += 1
                # The server may be down for a while: do not spin on it.
                self.stopping.wait(0.002)
            except BaseException as error:  # a leak: reported by the test
                self.foreign.append(error)
                return
            else:
                self.acked[kind].add(name)
            n += 1

    def _write(self, kind: str, name: str) -> None:
        db = self.db
        if kind == "block":
            with db.transaction():
                made = db.initiatives.create(name=name)
                db.phases.create(initiative_id=made.id, name=name)
                db.tasks.increment_retry_count(self.counter_id)
        elif kind == "batch":
            chunks = [
                {"agent_id": "writers", "agent_name": "w", "content": f"{name}:{i}"}
                for i in range(BATCH)
            ]
            db.log_chunks.insert_chunks(chunks)
        else:
            db.tasks.create(phase_id=self.phase_id, name=name)


def _gist(error: cwdb.Error, path: str) -> str:
    """A failure's message without its variable parts (the URL, the server's details)."""
    return str(error).replace(path, "<url>").split(" (", 1)[0]


def verify_writes(db: cwdb.Database, writers: list[Writer], counter_id: str) -> list[str]:
    """What is wrong in ``db`` after the writers stopped: lost or half-applied changes."""
    problems: list[str] = []
    acked = {kind: set().union(*(w.acked[kind] for w in writers)) for kind in KINDS}
    failed = {kind: set().union(*(w.failed[kind] for w in writers)) for kind in KINDS}

    initiatives = {i.id: i.name for i in db.initiatives.find_all() if i.name.startswith("w")}
    phases = {p.name for p in db.phases.find_all() if initiatives.get(p.initiative_id) == p.name}
    blocks = set(initiatives.values())
    if blocks != phases:
        problems.append(f"half-applied blocks: {sorted(blocks ^ phases)[:5]}")
    counter = db.tasks.find_by_id(counter_id)
    if counter is None or counter.retry_count != len(blocks):
        problems.append(f"counter {counter and counter.retry_count} != {len(blocks)} blocks")

    chunks = Counter(c.content.rsplit(":", 1)[0] for c in db.log_chunks.find_by_agent_id("writers"))
    partial = [name for name, count in chunks.items() if count != BATCH]
    if partial:
        problems.append(f"partial batches: {partial[:5]}")

    singles = {t.name for t in db.tasks.find_all() if t.name.startswith("w")}
    for kind, stored in (("block", blocks), ("batch", set(chunks)), ("single", singles)):
        if lost := acked[kind] - stored:
            problems.append(f"acknowledged {kind}s lost: {sorted(lost)[:5]}")
        if unexplained := stored - acked[kind] - failed[kind]:
            problems.append(f"{kind}s stored that no call made: {sorted(unexplained)[:5]}")
    return problems
