"""W1-W7 on PostgreSQL: what ``scripts/bench.py --database URL`` (or ``--pg-server``) runs.

Every stack gets a fresh database of its own (``CREATE DATABASE`` on the
server of ``--database``, dropped at the end), migrated by cwdb, all on the
same server in the same run. The stacks:

* ``cwdb``: the library through its public API (``bench.py``'s ``CwdbStack``).
* ``raw`` (same SQL): raw psycopg running cwdb's own SQL from
  ``sql/postgresql/`` (the statement cwdb picks for each call) with the
  parameters the library binds (named, timestamps as datetimes cut to the
  millisecond), autocommit, one ``BEGIN``/``COMMIT`` around a batch, rows
  as plain tuples. cwdb/raw is the library's own Python overhead.
* ``hand`` (hand-written): raw psycopg running the SQL a competent engineer
  writes for each call: creates naming only the columns they set, a narrow
  ``UPDATE ... SET status = %s``, ``agent_id = ANY(%s)`` with a list, an
  ``executemany`` in one transaction for log ingest (psycopg pipelines it),
  and the textbook concurrent-safe least-recently-used pick,
  ``... LIMIT 1 FOR UPDATE SKIP LOCKED`` (two callers never get the same
  account); positional ``%s`` parameters, autocommit, ``datetime.now(UTC)``
  for timestamps, rows as tuples. cwdb/hand is what the library costs, SQL
  included, against doing it yourself.

``raw`` and ``hand`` read through binary cursors with psycopg's own (C)
loaders, and statements are prepared as psycopg does by default (from a
query's 5th execution on a connection), as they are for cwdb.

What the hand-written pick gives up (W7 does not check its rotation): it
keeps no strictly increasing ``last_used_at`` (docs/reference.md section 7),
so picks within one millisecond may repeat an account, it leaves an expired
exhaustion in place, and while another caller holds the row it would pick
it takes the next one, or none at all when every candidate is locked.

``BenchServer`` is ``--pg-server``'s throwaway server (the tests' own, see
``tests/support/postgres_server.py``), with the settings bench.py reports.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from bench_workload import (
    ACCOUNT,
    CHUNK,
    INITIATIVE,
    PHASE,
    PICK,
    STATUS_UPDATE,
    TASK,
    Sizes,
    initiative_params,
    now_ms,
    phase_params,
    task_params,
)

import cwdb
from cwdb._ids import new_id, new_ids
from cwdb.adapters.sqlfiles import query_file
from cwdb.records._codec import time_from_ms


def _tests_server() -> ModuleType:
    """tests/support/postgres_server.py, loaded from its file (scripts/ is not a package)."""
    path = Path(__file__).resolve().parent.parent / "tests" / "support" / "postgres_server.py"
    spec = importlib.util.spec_from_file_location("cwdb_bench_postgres_server", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


postgres_server = _tests_server()

#: The server settings of ``--pg-server``: the tests' server (no fsync, the
#: data is thrown away), or with ``--pg-durable`` PostgreSQL's defaults.
FAST = {"fsync": "off", "full_page_writes": "off"}
DURABLE = {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"}
#: Reported in the header: what decides what a commit costs.
SHOWN = ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers")


class BenchServer(postgres_server.PostgresServer):
    """The tests' throwaway server, started with the given settings."""

    def __init__(self, settings: dict[str, str]) -> None:
        bin_dir = postgres_server.server_bin()
        if bin_dir is None:
            raise SystemExit("--pg-server needs PostgreSQL's server programs (initdb, pg_ctl)")
        super().__init__(bin_dir)
        self.settings = settings

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"),
            *("-D", str(self.data), "-E", "UTF8", "--locale=C.UTF-8"),
            *("-U", "postgres", "--auth=trust"),
        )
        options = f"-c listen_addresses= -k {self.folder} " + " ".join(
            f"-c {name}={value}" for name, value in self.settings.items()
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            *("-D", str(self.data), "-l", str(self.folder / "server.log")),
            *("-o", options, "-w", "start"),
        )


def with_database(url: str, name: str) -> str:
    """``url`` naming database ``name`` instead (host, user and query kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class Databases:
    """Fresh migrated databases on the server of ``url``, dropped by ``close()``.

    Autovacuum is off on their tables: the server's autovacuum wakes once a
    minute, so it would clean up in one stack's workload and not in another's
    (W7's 10,000 updates of 20 rows leave as many dead row versions, and the
    account pick's index scan slows down with them, for every stack alike).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = psycopg.connect(url, autocommit=True)
        self.names: list[str] = []
        self._count = itertools.count(1)
        self._template: str | None = None

    def fresh(self, n: int) -> str:
        """The URL of a new database holding cwdb's schema (a copy of one migrated once)."""
        if self._template is None:
            self._template = self._create(None)
            template = with_database(self.url, self._template)
            cwdb.ensure_schema(template)
            with psycopg.connect(template, autocommit=True) as conn:
                for (table,) in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall():
                    conn.execute(f'ALTER TABLE "{table}" SET (autovacuum_enabled = off)')
        return with_database(self.url, self._create(self._template))

    def _create(self, template: str | None) -> str:
        name = f"cwdb_bench_{os.getpid()}_{next(self._count)}"
        copy = f' TEMPLATE "{template}"' if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{copy}')  # bench-only: names are ours
        self.names.append(name)
        return name

    def check(self, url: str) -> Check:
        return Check(url)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.names.remove(name)

    def describe(self) -> str:
        """The server's version and the settings that decide what a commit costs."""
        cur = self.admin.cursor()
        version = cur.execute("SHOW server_version").fetchall()[0][0]
        shown = []
        for name in SHOWN:
            shown.append(f"{name}={cur.execute(f'SHOW {name}').fetchall()[0][0]}")
        return f"PostgreSQL {version.split()[0]} ({', '.join(shown)})"

    def close(self) -> None:
        for name in self.names[:]:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.names.remove(name)
        self.admin.close()


@contextlib.contextmanager
def bench_databases(url: str | None, *, durable: bool) -> Iterator[Databases]:
    """:class:`Databases` on ``url``, or on a throwaway :class:`BenchServer` when None.

    The databases are dropped, and the throwaway server stopped, at the end.
    """
    with contextlib.ExitStack() as cleanup:
        if url is None:
            server = BenchServer(DURABLE if durable else FAST)
            cleanup.callback(server.stop)
            server.start()
            url = server.url()
        databases = Databases(url)
        cleanup.callback(databases.close)
        yield databases


class Check:
    """Raw psycopg on a stack's database: reads the workloads' results back.

    The harness writes its checks with ``?`` placeholders (SQLite's); they
    become ``%s`` here.
    """

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(re.sub(r"\?", "%s", sql), params)
        return cur.fetchall() if cur.pgresult and cur.pgresult.ntuples else []

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.rows(sql, params)[0][0]

    def close(self) -> None:
        self.conn.close()


def now_time() -> datetime:
    """cwdb's "now" on PostgreSQL: the current millisecond as an aware datetime."""
    return time_from_ms(now_ms())


def pg_params(params: dict[str, Any]) -> dict[str, Any]:
    """A SQLite parameter set of bench_workload as cwdb binds it on PostgreSQL."""
    params["now"] = now_time()
    if "quality_review" in params:
        params["quality_review"] = bool(params["quality_review"])
    return params


class Connection:
    """One autocommit psycopg connection with a binary cursor (psycopg's loaders)."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        self.cur = self.conn.cursor(binary=True)

    def key(self, item: Any) -> str:
        return str(item[0])

    def close(self) -> None:
        self.conn.close()


class RawStack(Connection):
    """Raw psycopg on cwdb's own SQL, with the library's parameters; tuples out."""

    new_status = "completed"
    strict_rotation = True

    def __init__(self, url: str, db: cwdb.Database) -> None:
        super().__init__(url)

        def sql(file: str, name: str) -> str:
            return query_file(file, "postgresql")[name].sql

        self.create_initiative = sql("initiatives", "create")
        self.create_phase = sql("phases", "create")
        self.create_task = sql("tasks", "create")
        self.find_task = sql("tasks", "find_by_id")
        self.find_phase_tasks = sql("tasks", "find_by_phase_id")
        self.update_task = sql(*STATUS_UPDATE)
        self.insert_chunk = sql("log_chunks", "insert_chunks")
        self.find_agent_chunks = sql("log_chunks", "find_by_agent_ids")
        self.next_account = sql(*PICK)

    def seed(self, sizes: Sizes) -> int:
        cur, rows = self.cur, 0
        for i in range(sizes.initiatives):
            params = pg_params(initiative_params(i))
            iid = cur.execute(self.create_initiative, params).fetchall()[0][0]
            rows += 1
            for j in range(sizes.phases):
                params = pg_params(phase_params(iid, j))
                pid = cur.execute(self.create_phase, params).fetchall()[0][0]
                rows += 1
                for k in range(sizes.tasks):
                    cur.execute(self.create_task, pg_params(task_params(pid, k))).fetchall()
                    rows += 1
        return rows

    def find_tasks(self, ids: list[str]) -> list[Any]:
        cur, sql = self.cur, self.find_task
        return [cur.execute(sql, {"id": i}).fetchall()[0] for i in ids]

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        cur, sql = self.cur, self.find_phase_tasks
        return sum(len(cur.execute(sql, {"phase_id": p}).fetchall()) for p in phase_ids)

    def update_tasks(self, ids: list[str], status: str) -> None:
        cur, sql = self.cur, self.update_task
        for task_id in ids:
            cur.execute(sql, {"status": status, "id": task_id, "now": now_time()}).fetchall()

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        cur, sql, written = self.cur, self.insert_chunk, 0
        for batch in batches:
            now = now_time()
            ids = new_ids(len(batch))
            params = [
                {**chunk, "id": ids[21 * n : 21 * n + 21], "now": now}
                for n, chunk in enumerate(batch)
            ]
            with self.conn.transaction():
                cur.executemany(sql, params)
            written += len(batch)
        return written

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        cur, sql = self.cur, self.find_agent_chunks
        found = 0
        for group in groups:
            found += len(cur.execute(sql, {"agent_ids": cwdb_json(group)}).fetchall())
        return found

    def pick_accounts(self, count: int) -> list[Any]:
        cur, sql = self.cur, self.next_account
        picks = []
        for _ in range(count):
            picks.append(cur.execute(sql, {"provider": "claude", "now": now_time()}).fetchall()[0])
        return picks


def cwdb_json(ids: list[str]) -> str:
    """The one JSON text parameter cwdb binds for a list of ids."""
    from cwdb.records._codec import id_array

    return id_array(ids)


# -- the hand-written SQL ------------------------------------------------------


CREATE_INITIATIVE = f"""INSERT INTO initiatives (id, name, created_at, updated_at)
VALUES (%s, %s, %s, %s) RETURNING {INITIATIVE}"""
CREATE_PHASE = f"""INSERT INTO phases (id, initiative_id, name, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s) RETURNING {PHASE}"""
CREATE_TASK = f"""INSERT INTO tasks (id, phase_id, name, "order", created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s) RETURNING {TASK}"""
FIND_TASK = f"SELECT {TASK} FROM tasks WHERE id = %s"
FIND_PHASE_TASKS = f'SELECT {TASK} FROM tasks WHERE phase_id = %s ORDER BY "order", created_at'
SET_TASK_STATUS = f"UPDATE tasks SET status = %s, updated_at = %s WHERE id = %s RETURNING {TASK}"
INSERT_CHUNK = f"INSERT INTO agent_log_chunks ({CHUNK}) VALUES (%s, %s, %s, %s, %s, %s)"
FIND_AGENT_CHUNKS = f"SELECT {CHUNK} FROM agent_log_chunks WHERE agent_id = ANY(%s) ORDER BY rowid"
PICK_ACCOUNT = f"""UPDATE accounts SET last_used_at = %s, updated_at = %s
WHERE id = (
    SELECT id FROM accounts
    WHERE provider = %s AND (NOT is_exhausted OR exhausted_until <= %s)
    ORDER BY last_used_at NULLS FIRST, sort_order
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING {ACCOUNT}"""


class HandStack(Connection):
    """Raw psycopg with hand-written SQL, tuples out (see the module docstring)."""

    new_status = "completed"
    #: The textbook pick keeps no strict rotation (see the module docstring).
    strict_rotation = False

    def __init__(self, url: str, db: cwdb.Database) -> None:
        super().__init__(url)

    def seed(self, sizes: Sizes) -> int:
        cur, rows = self.cur, 0
        for i in range(sizes.initiatives):
            now = datetime.now(UTC)
            params: tuple[Any, ...] = (new_id(), f"initiative {i}", now, now)
            initiative = cur.execute(CREATE_INITIATIVE, params).fetchone()
            assert initiative is not None
            rows += 1
            for j in range(sizes.phases):
                now = datetime.now(UTC)
                params = (new_id(), initiative[0], f"phase {j}", now, now)
                phase = cur.execute(CREATE_PHASE, params).fetchone()
                assert phase is not None
                rows += 1
                for k in range(sizes.tasks):
                    now = datetime.now(UTC)
                    cur.execute(CREATE_TASK, (new_id(), phase[0], f"task {k}", k, now, now))
                    cur.fetchone()
                    rows += 1
        return rows

    def find_tasks(self, ids: list[str]) -> list[Any]:
        cur = self.cur
        return [cur.execute(FIND_TASK, (i,)).fetchone() for i in ids]

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        cur = self.cur
        return sum(len(cur.execute(FIND_PHASE_TASKS, (p,)).fetchall()) for p in phase_ids)

    def update_tasks(self, ids: list[str], status: str) -> None:
        cur = self.cur
        for task_id in ids:
            cur.execute(SET_TASK_STATUS, (status, datetime.now(UTC), task_id)).fetchone()

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        cur, written = self.cur, 0
        for batch in batches:
            now = datetime.now(UTC)
            rows = [
                (new_id(), c["agent_id"], c["agent_name"], c["content"], c["session_number"], now)
                for c in batch
            ]
            with self.conn.transaction():
                cur.executemany(INSERT_CHUNK, rows)
            written += len(batch)
        return written

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        cur = self.cur
        return sum(len(cur.execute(FIND_AGENT_CHUNKS, (group,)).fetchall()) for group in groups)

    def pick_accounts(self, count: int) -> list[Any]:
        cur, picks = self.cur, []
        for _ in range(count):
            now = datetime.now(UTC)
            picks.append(cur.execute(PICK_ACCOUNT, (now, now, "claude", now)).fetchone())
        return picks


STACKS = {"raw": RawStack, "hand": HandStack}


def versions() -> str:
    """psycopg's version, its implementation and libpq's."""
    libpq = psycopg.pq.version()
    return (
        f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}, "
        f"libpq {libpq // 10000}.{libpq % 10000})"
    )
