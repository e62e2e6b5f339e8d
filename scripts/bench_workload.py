"""The workload W1-W7 shared by scripts/bench.py and scripts/bench_peers.py.

What each workload does (:class:`Sizes`), what a stack must provide to run
it (:class:`Stack`), and the raw APSW baseline every ratio is measured
against (:class:`Raw`): the same SQL text from ``sql/``, with the parameters
the library would bind (the builders below).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import cwdb
from cwdb._ids import new_id
from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.sqlfiles import query_file


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

    def value(self, sql: str) -> Any:
        return self.cur.execute(sql).fetchall()[0][0]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def update_template(columns: list[str]) -> dict[str, Any]:
    """Every :column NULL and every :set_column flag 0: copied per raw update."""
    params: dict[str, Any] = dict.fromkeys(columns)
    params.update({f"set_{c}": 0 for c in columns})
    return params


def update_columns(file: str) -> list[str]:
    """The value parameters of ``<file>.update`` (not the flags, id or now)."""
    params = query_file(file)["update"].params
    return [p for p in params if not p.startswith("set_") and p not in ("id", "now")]


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


def status_change(template: dict[str, Any], task_id: str, status: str) -> dict[str, Any]:
    """``tasks.update`` parameters that change the status only."""
    params = template.copy()
    params.update(status=status, set_status=1, id=task_id, now=now_ms())
    return params


def chunk_params(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``insert_chunks`` parameter sets: a new id each, one :now for the call."""
    now = now_ms()
    return [{**chunk, "id": new_id(), "now": now} for chunk in batch]


def pick_params() -> dict[str, Any]:
    return {"provider": "claude", "now": now_ms()}
