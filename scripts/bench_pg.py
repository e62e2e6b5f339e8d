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

The databases and ``--pg-server``'s throwaway server are set up by
``bench_workload.py`` (``PgDatabases``, ``pg_databases``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import bench_hand as hand
import psycopg
from bench_workload import (
    Sizes,
    cwdb_json,
    initiative_params,
    new_id,
    now_time,
    pg_chunk_params,
    pg_params,
    phase_params,
    same_sql,
    task_params,
)

import cwdb


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
        same_sql(self, "postgresql")

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
            params = pg_chunk_params(batch)
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


# -- the hand-written SQL ------------------------------------------------------


def pg(sql: str) -> str:
    """A hand-written statement of bench_hand.py with psycopg's placeholders."""
    return sql.replace("?", "%s")


CREATE_INITIATIVE = pg(hand.CREATE_INITIATIVE)
CREATE_PHASE = pg(hand.CREATE_PHASE)
CREATE_TASK = pg(hand.CREATE_TASK)
FIND_TASK = pg(hand.FIND_TASK)
FIND_PHASE_TASKS = pg(hand.FIND_PHASE_TASKS)
SET_TASK_STATUS = pg(hand.SET_TASK_STATUS)
INSERT_CHUNK = pg(hand.INSERT_CHUNK)
# PostgreSQL's own: a list parameter, and the textbook concurrent-safe pick.
FIND_AGENT_CHUNKS = (
    f"SELECT {hand.CHUNK} FROM agent_log_chunks WHERE agent_id = ANY(%s) ORDER BY rowid"
)
PICK_ACCOUNT = f"""UPDATE accounts SET last_used_at = %s, updated_at = %s
WHERE id = (
    SELECT id FROM accounts
    WHERE provider = %s AND (NOT is_exhausted OR exhausted_until <= %s)
    ORDER BY last_used_at NULLS FIRST, sort_order
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING {hand.ACCOUNT}"""


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
