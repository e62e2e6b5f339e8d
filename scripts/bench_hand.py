"""The hand-written baseline of ``scripts/bench.py``: W1-W7 as an engineer writes them.

``bench.py``'s ``raw`` stack runs cwdb's own SQL text without the library,
so its ratio is the library's Python overhead only. It cannot see what the
SQL itself costs. The stacks here run, on the same migrated schema, the SQL
a competent engineer writes by hand for each call, with the same
``BEGIN IMMEDIATE`` / ``COMMIT`` per write:

* ``hand``: raw APSW, positional ``?`` parameters, rows as plain tuples.
  Creates name only the columns they set (the schema fills the defaults) and
  return the stored row; the status update sets ``status`` and
  ``updated_at`` alone; the batch read is an ``IN (?, ?, ...)`` list ordered
  by rowid (insertion order, as the call promises); the account pick is a
  plain least-recently-used ``UPDATE ... WHERE id = (SELECT ... LIMIT 1)``.
* ``naive``: the same SQL with every row mapped to cwdb's attrs record the
  way twenty lines of hand-written code do it, ``Record(*values)`` with the
  timestamps and booleans converted per row (the peer a user weighs cwdb
  against).

What the plain pick gives up: it keeps no strictly increasing
``last_used_at`` (docs/reference.md section 7), so picks within one
millisecond may break the rotation, and it leaves an expired exhaustion in
place. W7 checks the exact rotation only for the stacks that keep it.
``bench.py --semantics`` measures what those semantics cost a hand-written
pick: ``hand+strict`` adds the strictly increasing ``last_used_at``,
``hand+contract`` also clears an expired exhaustion in the same statement.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from bench_workload import Raw, Sizes, chunk_rows, new_id, now_ms

import cwdb

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Every hand-written query returns a record's columns in its field order.
INITIATIVE = "id, name, status, execution_mode, quality_review, branch, created_at, updated_at"
PHASE = "id, initiative_id, name, content, status, merge_base, created_at, updated_at"
TASK = (
    "id, phase_id, initiative_id, parent_task_id, name, description, type, category, "
    'priority, status, "order", summary, retry_count, created_at, updated_at'
)
CHUNK = "id, agent_id, agent_name, content, session_number, created_at"
ACCOUNT = (
    "id, email, provider, config_json, credentials, is_exhausted, exhausted_until, "
    "last_used_at, sort_order, created_at, updated_at"
)

# The statements both dialects write alike (bench_pg.py turns ``?`` into ``%s``).
CREATE_INITIATIVE = f"""INSERT INTO initiatives (id, name, created_at, updated_at)
VALUES (?, ?, ?, ?) RETURNING {INITIATIVE}"""
CREATE_PHASE = f"""INSERT INTO phases (id, initiative_id, name, created_at, updated_at)
VALUES (?, ?, ?, ?, ?) RETURNING {PHASE}"""
CREATE_TASK = f"""INSERT INTO tasks (id, phase_id, name, "order", created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING {TASK}"""
FIND_TASK = f"SELECT {TASK} FROM tasks WHERE id = ?"
FIND_PHASE_TASKS = f"""SELECT {TASK} FROM tasks WHERE phase_id = ?
ORDER BY "order", created_at"""
SET_TASK_STATUS = f"UPDATE tasks SET status = ?, updated_at = ? WHERE id = ? RETURNING {TASK}"
INSERT_CHUNK = f"INSERT INTO agent_log_chunks ({CHUNK}) VALUES (?, ?, ?, ?, ?, ?)"

# SQLite's own (bench_pg.py writes PostgreSQL's): the plain least-recently-used pick.
PICK_ACCOUNT = f"""UPDATE accounts SET last_used_at = ?1, updated_at = ?1
WHERE id = (
    SELECT id FROM accounts
    WHERE provider = ?2 AND (is_exhausted = 0 OR exhausted_until <= ?1)
    ORDER BY last_used_at, sort_order
    LIMIT 1
)
RETURNING {ACCOUNT}"""


#: The same pick with the contract's semantics, as an engineer would write
#: them by hand: strictly increasing last_used_at across all accounts (one
#: max() subquery), and an expired exhaustion cleared in the same statement.
PICK_ACCOUNT_STRICT = PICK_ACCOUNT.replace(
    "SET last_used_at = ?1,",
    "SET\n"
    "    last_used_at = max(?1, coalesce((SELECT max(last_used_at) FROM accounts) + 1, ?1)),\n   ",
)
PICK_ACCOUNT_CONTRACT = PICK_ACCOUNT_STRICT.replace(
    " updated_at = ?1\n",
    " updated_at = ?1,\n"
    "    is_exhausted = iif(exhausted_until <= ?1, 0, is_exhausted),\n"
    "    exhausted_until = iif(exhausted_until <= ?1, NULL, exhausted_until)\n",
)
assert PICK_ACCOUNT_STRICT != PICK_ACCOUNT != PICK_ACCOUNT_CONTRACT != PICK_ACCOUNT_STRICT


def agent_chunks_sql(count: int) -> str:
    """The batch read for ``count`` agents: an IN list, insertion order."""
    marks = ", ".join("?" * count)
    return f"SELECT {CHUNK} FROM agent_log_chunks WHERE agent_id IN ({marks}) ORDER BY rowid"


# -- naive row mapping (shared with bench_peers.py) ------------------------------


def from_ms(ms: int | None) -> datetime | None:
    """A stored millisecond count as an aware UTC datetime (exact)."""
    return None if ms is None else EPOCH + timedelta(milliseconds=ms)


def conversions(record: type) -> list[Callable[[Any], Any] | None]:
    """Per field of ``record``: how the stored value becomes the field's (None: as is).

    Times are stored as milliseconds and booleans as 0/1: the fields typed
    ``datetime`` (or ``datetime | None``) and ``bool``.
    """
    hints = typing.get_type_hints(record)

    def conversion(kind: Any) -> Callable[[Any], Any] | None:
        if kind is datetime or datetime in typing.get_args(kind):
            return from_ms
        return bool if kind is bool else None

    return [conversion(hints[field.name]) for field in attrs.fields(record)]


class ByPosition:
    """``Record(*values)``, each value converted on the way: the naive mapper."""

    def __init__(self, record: type) -> None:
        self.record = record
        self.convert = conversions(record)

    def __call__(self, row: Iterable[Any]) -> Any:
        values = [c(v) if c else v for c, v in zip(self.convert, row, strict=True)]
        return self.record(*values)


def as_is(row: Any) -> Any:
    """The hand-written stack's "mapper": the tuple is the result."""
    return row


# -- the stacks -------------------------------------------------------------------


class HandStack:
    """Raw APSW with hand-written SQL, tuples out (see the module docstring)."""

    new_status = "completed"
    #: The plain pick keeps no strict rotation (see the module docstring).
    strict_rotation = False

    def __init__(self, path: str, db: cwdb.Database) -> None:
        self.raw = Raw(path)
        self.initiative = self.phase = self.task = self.chunk = self.account = as_is

    def key(self, item: Any) -> str:
        return str(item[0])

    def write(self, sql: str, params: tuple[Any, ...]) -> Any:
        cur = self.raw.cur
        cur.execute("BEGIN IMMEDIATE")
        row = cur.execute(sql, params).fetchall()[0]
        cur.execute("COMMIT")
        return row

    def seed(self, sizes: Sizes) -> int:
        write, rows = self.write, 0
        to_initiative, to_phase, to_task = self.initiative, self.phase, self.task
        for i in range(sizes.initiatives):
            now = now_ms()
            initiative = to_initiative(
                write(CREATE_INITIATIVE, (new_id(), f"initiative {i}", now, now))
            )
            rows += 1
            for j in range(sizes.phases):
                now = now_ms()
                params = (new_id(), self.key(initiative), f"phase {j}", now, now)
                phase = to_phase(write(CREATE_PHASE, params))
                rows += 1
                for k in range(sizes.tasks):
                    now = now_ms()
                    task = (new_id(), self.key(phase), f"task {k}", k, now, now)
                    to_task(write(CREATE_TASK, task))
                    rows += 1
        return rows

    def find_tasks(self, ids: list[str]) -> list[Any]:
        cur, to_task = self.raw.cur, self.task
        return [to_task(cur.execute(FIND_TASK, (i,)).fetchone()) for i in ids]

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        cur, found = self.raw.cur, 0
        for phase_id in phase_ids:
            found += len(self.all(self.task, cur.execute(FIND_PHASE_TASKS, (phase_id,)).fetchall()))
        return found

    @staticmethod
    def all(mapper: Callable[[Any], Any], rows: list[Any]) -> list[Any]:
        """Rows as the stack returns them: tuples as they are, or mapped."""
        return rows if mapper is as_is else [mapper(row) for row in rows]

    def update_tasks(self, ids: list[str], status: str) -> None:
        write, to_task = self.write, self.task
        for task_id in ids:
            to_task(write(SET_TASK_STATUS, (status, now_ms(), task_id)))

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        cur, written = self.raw.cur, 0
        for batch in batches:
            rows = chunk_rows(batch)
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(INSERT_CHUNK, rows)
            cur.execute("COMMIT")
            written += len(batch)
        return written

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        cur, found = self.raw.cur, 0
        for group in groups:
            rows = cur.execute(agent_chunks_sql(len(group)), group).fetchall()
            found += len(self.all(self.chunk, rows))
        return found

    #: The statement of ``pick_accounts``.
    pick_sql = PICK_ACCOUNT

    def pick_accounts(self, count: int) -> list[Any]:
        write, to_account, sql = self.write, self.account, self.pick_sql
        return [to_account(write(sql, (now_ms(), "claude"))) for _ in range(count)]

    def close(self) -> None:
        self.raw.conn.close()


class NaiveStack(HandStack):
    """The hand-written SQL, rows mapped naively to cwdb's attrs records."""

    def __init__(self, path: str, db: cwdb.Database) -> None:
        super().__init__(path, db)
        self.initiative = ByPosition(cwdb.Initiative)
        self.phase = ByPosition(cwdb.Phase)
        self.task = ByPosition(cwdb.Task)
        self.chunk = ByPosition(cwdb.LogChunk)
        self.account = ByPosition(cwdb.Account)

    def key(self, item: Any) -> str:
        return str(item.id)


class StrictPickStack(HandStack):
    """The hand-written pick plus strict rotation (``bench.py --semantics``)."""

    strict_rotation = True
    pick_sql = PICK_ACCOUNT_STRICT


class ContractPickStack(StrictPickStack):
    """The hand-written pick with all of the contract's semantics (``--semantics``)."""

    pick_sql = PICK_ACCOUNT_CONTRACT


STACKS = {"hand": HandStack, "naive": NaiveStack}
#: W7 only: what the contract's semantics cost a hand-written pick.
SEMANTICS = {"hand": HandStack, "hand+strict": StrictPickStack, "hand+contract": ContractPickStack}
