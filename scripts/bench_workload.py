"""The workload W1-W7 shared by scripts/bench.py and scripts/bench_peers.py.

What each workload does (:class:`Sizes`), what a stack must provide to run
it (:class:`Stack`), and the same-SQL raw APSW baseline (:class:`Raw`): the
same SQL text from ``sql/`` (the statement cwdb picks for each call), with
the parameters the library would bind (the builders below). The
hand-written baseline is in ``bench_hand.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import cwdb
from cwdb._ids import new_id, new_ids
from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.sqlfiles import query_file


@dataclass(frozen=True)
class Sizes:
    """How much each workload does; the defaults are the documented workload."""

    initiatives: int = 50
    phases: int = 5  # per initiative
    tasks: int = 20  # per phase
    lookups: int = 10_000  # W2
    passes: int = 3  # W3
    agents: int = 50  # W5: each call writes 100 // 50 = 2 chunks per agent
    calls: int = 500  # W5 insert_chunks calls
    per_call: int = 100
    groups: int = 100  # W6 find_by_agent_ids calls
    group: int = 10  # agents per W6 call
    accounts: int = 20
    rounds: int = 500  # W7: picks = accounts x rounds

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        base = cls()

        def shrink(n: int) -> int:
            return max(1, round(n * scale))

        return cls(
            initiatives=shrink(base.initiatives),
            lookups=shrink(base.lookups),
            calls=shrink(base.calls),
            groups=shrink(base.groups),
            rounds=shrink(base.rounds),
        )

    @property
    def seeded(self) -> tuple[int, int, int]:
        """W1's rows per table: initiatives, phases, tasks."""
        phases = self.initiatives * self.phases
        return self.initiatives, phases, phases * self.tasks

    @property
    def chunks(self) -> int:
        return self.calls * self.per_call

    @property
    def picks(self) -> int:
        return self.accounts * self.rounds


class Stack(Protocol):
    """One way of running the workloads on one database file.

    Each method runs one workload's whole loop (so that timing it adds no
    call per operation); the harness (``w1`` ... ``w7``) times and checks it.
    """

    #: The status W4 gives every task.
    new_status: str
    #: Whether its account pick keeps the strict rotation of docs/reference.md §7 (W7 checks it).
    strict_rotation: bool

    def key(self, item: Any) -> str:
        """The id of a task or account as this stack returns it."""
        ...

    def seed(self, sizes: Sizes) -> int:
        """W1: every initiative, phase and task, one transaction each; rows made."""
        ...

    def find_tasks(self, ids: list[str]) -> list[Any]:
        """W2: each task by id, in order."""
        ...

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        """W3: the tasks of each phase; how many rows came back."""
        ...

    def update_tasks(self, ids: list[str], status: str) -> None:
        """W4: set each task's status, one transaction each."""
        ...

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        """W5: each batch of chunks in one transaction; chunks written."""
        ...

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        """W6: the chunks of each group of agents; how many rows came back."""
        ...

    def pick_accounts(self, count: int) -> list[Any]:
        """W7: ``count`` x find_next_available, one transaction each."""
        ...

    def close(self) -> None: ...


#: Builds a stack on a migrated file; ``db`` is a cwdb connection to it.
StackFactory = Callable[[str, cwdb.Database], Stack]


class Raw:
    """Raw APSW: same SQL, same transaction statements, tuples out."""

    def __init__(self, path: str) -> None:
        self.conn = connections.open_file(path, busy_timeout_ms=5000, create=False)
        self.cur = self.conn.cursor()

    def sql(self, file: str, name: str) -> str:
        return query_file(file)[name].sql

    def write(self, sql: str, params: Any) -> list[tuple[Any, ...]]:
        cur = self.cur
        cur.execute("BEGIN IMMEDIATE")
        rows = cur.execute(sql, params).fetchall()
        cur.execute("COMMIT")
        return rows

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.cur.execute(sql, params).fetchall()

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.rows(sql, params)[0][0]

    def close(self) -> None:
        self.conn.close()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# Parameters of the statements, every column given as the library gives them
# (used by the raw stack here and by the peers of bench_peers.py that run the same SQL).


def initiative_params(i: int) -> dict[str, Any]:
    return {"id": new_id(), "name": f"initiative {i}", "status": "active",
            "execution_mode": "review_per_phase", "quality_review": 0, "branch": None,
            "now": now_ms()}  # fmt: skip


def phase_params(initiative_id: str, j: int) -> dict[str, Any]:
    return {"id": new_id(), "initiative_id": initiative_id, "name": f"phase {j}",
            "content": None, "status": "pending", "merge_base": None, "now": now_ms()}  # fmt: skip


def task_params(phase_id: str, k: int) -> dict[str, Any]:
    return {"id": new_id(), "phase_id": phase_id, "initiative_id": None,
            "parent_task_id": None, "name": f"task {k}", "description": None, "type": "auto",
            "category": "execute", "priority": "medium", "status": "pending", "order": k,
            "summary": None, "retry_count": 0, "now": now_ms()}  # fmt: skip


#: The statement cwdb runs for ``tasks.update(id, status=...)``.
STATUS_UPDATE = ("tasks", "update__status")
#: The statement cwdb runs for ``accounts.find_next_available()`` when no
#: account's exhaustion has to be cleared (W7 never exhausts one).
PICK = ("accounts", "find_next_available_unexpired")


def status_change(task_id: str, status: str) -> dict[str, Any]:
    """Parameters of ``STATUS_UPDATE``."""
    return {"status": status, "id": task_id, "now": now_ms()}


def chunk_rows(batch: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """``insert_chunks`` parameter sets as tuples, in the order its SQL names them
    (id, agent_id, agent_name, content, session_number, now), ids from one call."""
    now = now_ms()
    ids = new_ids(len(batch))
    return [
        (ids[21 * n : 21 * n + 21], c["agent_id"], c["agent_name"], c["content"],
         c["session_number"], now)
        for n, c in enumerate(batch)
    ]  # fmt: skip


def chunk_params(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``insert_chunks`` parameter sets: a new id each, one :now for the call."""
    now = now_ms()
    return [{**chunk, "id": new_id(), "now": now} for chunk in batch]


def pick_params() -> dict[str, Any]:
    return {"provider": "claude", "now": now_ms()}


# -- the hand-written stacks' column lists (bench_hand.py, bench_pg.py) ---------
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
