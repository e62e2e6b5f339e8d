"""cwdb against raw APSW on the orchestrator's workload (issue: performance).

Usage: python scripts/bench.py [--runs 3] [--scale 1.0] [--only W2,W6]

Each workload runs on a fresh WAL database file, once through cwdb and once
through raw APSW executing the SAME SQL text (loaded from sql/) with the same
parameters, returning plain tuples: no records, no validation, no datetimes.
The raw side also takes the same BEGIN IMMEDIATE / COMMIT per write, so the
ratio cwdb/raw is exactly the library's own cost. Figures are the median of
--runs runs; every run checks its results, so a fast wrong answer fails.

| id | work | unit |
|----|------|------|
| W1 | 50 initiatives x 5 phases x 20 tasks, each create its own transaction | rows |
| W2 | 10,000 tasks.find_by_id by random id | lookups |
| W3 | tasks.find_by_phase_id for every phase, 3 passes (20 rows each) | calls |
| W4 | tasks.update(id, status=...) for every task, shuffled | updates |
| W5 | 50,000 ~300-byte log chunks via insert_chunks, 100 per call, 50 agents | rows |
| W6 | 100 x log_chunks.find_by_agent_ids for 10 agents (~10,000 rows per call) | rows |
| W7 | 20 accounts; 10,000 x accounts.find_next_available() | picks |
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import apsw

import cwdb
from cwdb._ids import new_id
from cwdb.adapters.apsw import connection as connections
from cwdb.adapters.apsw.sqlfiles import query_file

INITIATIVES, PHASES, TASKS = 50, 5, 20
AGENTS, CHUNKS, PER_CALL = 50, 50_000, 100
CHUNK_TEXT = ("log line: compiling module and running tests ... ok\n" * 6)[:300]


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


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def update_template(columns: list[str]) -> dict[str, Any]:
    """Every :column NULL and every :set_column flag 0: copied per raw update."""
    params: dict[str, Any] = dict.fromkeys(columns)
    params.update({f"set_{c}": 0 for c in columns})
    return params


# -- workloads: each returns (units, seconds) and checks its result ----------


def seed(db: cwdb.Database) -> tuple[list[str], list[str]]:
    phases, tasks = [], []
    for i in range(INITIATIVES):
        initiative = db.initiatives.create(name=f"initiative {i}")
        for j in range(PHASES):
            phase = db.phases.create(initiative_id=initiative.id, name=f"phase {j}")
            phases.append(phase.id)
            tasks += [
                db.tasks.create(phase_id=phase.id, name=f"task {k}", order=k).id
                for k in range(TASKS)
            ]
    return phases, tasks


def w1_cwdb(db: cwdb.Database, raw: Raw) -> tuple[int, float]:
    started = time.perf_counter()
    phases, tasks = seed(db)
    took = time.perf_counter() - started
    assert len(tasks) == INITIATIVES * PHASES * TASKS
    return INITIATIVES + len(phases) + len(tasks), took


def w1_raw(db: cwdb.Database, raw: Raw) -> tuple[int, float]:
    ins_i = raw.sql("initiatives", "create")
    ins_p = raw.sql("phases", "create")
    ins_t = raw.sql("tasks", "create")
    rows = 0
    started = time.perf_counter()
    for i in range(INITIATIVES):
        iid = raw.write(ins_i, {"id": new_id(), "name": f"initiative {i}", "status": "active",
                                "execution_mode": "review_per_phase", "quality_review": 0,
                                "branch": None, "now": now_ms()})[0][0]  # fmt: skip
        rows += 1
        for j in range(PHASES):
            pid = raw.write(ins_p, {"id": new_id(), "initiative_id": iid, "name": f"phase {j}",
                                    "content": None, "status": "pending", "merge_base": None,
                                    "now": now_ms()})[0][0]  # fmt: skip
            rows += 1
            for k in range(TASKS):
                raw.write(ins_t, {"id": new_id(), "phase_id": pid, "initiative_id": None,
                                  "parent_task_id": None, "name": f"task {k}", "description": None,
                                  "type": "auto", "category": "execute", "priority": "medium",
                                  "status": "pending", "order": k, "summary": None,
                                  "retry_count": 0, "now": now_ms()})  # fmt: skip
                rows += 1
    took = time.perf_counter() - started
    assert rows == 5300
    return rows, took


def w2(db: cwdb.Database, raw: Raw, ids: list[str], *, library: bool) -> tuple[int, float]:
    picks = random.Random(2).choices(ids, k=10_000)
    sql = raw.sql("tasks", "find_by_id")
    started = time.perf_counter()
    if library:
        found = [db.tasks.find_by_id(i) for i in picks]
        took = time.perf_counter() - started
        assert all(t is not None and t.id == i for t, i in zip(found, picks, strict=True))
    else:
        cur = raw.cur
        got = [cur.execute(sql, {"id": i}).fetchall()[0] for i in picks]
        took = time.perf_counter() - started
        assert all(row[0] == i for row, i in zip(got, picks, strict=True))
    return len(picks), took


def w3(db: cwdb.Database, raw: Raw, phases: list[str], *, library: bool) -> tuple[int, float]:
    sql = raw.sql("tasks", "find_by_phase_id")
    total = 0
    started = time.perf_counter()
    for _ in range(3):
        for phase_id in phases:
            if library:
                total += len(db.tasks.find_by_phase_id(phase_id))
            else:
                total += len(raw.cur.execute(sql, {"phase_id": phase_id}).fetchall())
    took = time.perf_counter() - started
    assert total == 3 * len(phases) * TASKS
    return 3 * len(phases), took


def w4(db: cwdb.Database, raw: Raw, ids: list[str], *, library: bool) -> tuple[int, float]:
    order = ids[:]
    random.Random(4).shuffle(order)
    sql = raw.sql("tasks", "update")
    columns = [c for c in query_file("tasks")["update"].params if not c.startswith("set_")]
    columns = [c for c in columns if c not in ("id", "now")]
    template = update_template(columns)
    started = time.perf_counter()
    if library:
        for task_id in order:
            db.tasks.update(task_id, status="in_progress")
    else:
        for task_id in order:
            params = template.copy()
            params.update(status="completed", set_status=1, id=task_id, now=now_ms())
            raw.write(sql, params)
    took = time.perf_counter() - started
    expected = "in_progress" if library else "completed"
    assert raw.cur.execute("SELECT count(*) FROM tasks WHERE status = ?", (expected,)).fetchall()[
        0
    ][0] == len(ids)
    return len(order), took


def agents_of(run: str) -> list[str]:
    return [f"{run}-agent-{i}" for i in range(AGENTS)]


def w5(db: cwdb.Database, raw: Raw, run: str, *, library: bool) -> tuple[int, float]:
    agents = agents_of(run)
    batches = [
        [
            {"agent_id": agents[(call + n) % AGENTS], "agent_name": "builder",
             "content": CHUNK_TEXT, "session_number": 1}
            for n in range(PER_CALL)
        ]
        for call in range(CHUNKS // PER_CALL)
    ]  # fmt: skip
    written = 0
    started = time.perf_counter()
    if library:
        for batch in batches:
            written += db.log_chunks.insert_chunks(batch)
    else:
        sql = raw.sql("log_chunks", "insert_chunks")
        cur = raw.cur
        for batch in batches:
            now = now_ms()
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(sql, [{**chunk, "id": new_id(), "now": now} for chunk in batch])
            cur.execute("COMMIT")
            written += len(batch)
    took = time.perf_counter() - started
    assert written == CHUNKS
    return written, took


def w6(db: cwdb.Database, raw: Raw, run: str, *, library: bool) -> tuple[int, float]:
    agents = agents_of(run)
    groups = [agents[(i * 10) % AGENTS : (i * 10) % AGENTS + 10] for i in range(100)]
    sql = raw.sql("log_chunks", "find_by_agent_ids")
    rows = 0
    started = time.perf_counter()
    for group in groups:
        if library:
            rows += len(db.log_chunks.find_by_agent_ids(group))
        else:
            rows += len(raw.cur.execute(sql, {"agent_ids": json.dumps(group)}).fetchall())
    took = time.perf_counter() - started
    assert rows == 100 * 10 * (CHUNKS // AGENTS)
    return rows, took


def w7(db: cwdb.Database, raw: Raw, *, library: bool) -> tuple[int, float]:
    raw.cur.execute("DELETE FROM accounts")
    for i in range(20):
        db.accounts.create(email=f"user{i}@example.com", sort_order=i)
    sql = raw.sql("accounts", "find_next_available")
    picked: dict[str, int] = {}
    started = time.perf_counter()
    for _ in range(10_000):
        if library:
            account = db.accounts.find_next_available()
            assert account is not None
            key = account.id
        else:
            key = raw.write(sql, {"provider": "claude", "now": now_ms()})[0][0]
        picked[key] = picked.get(key, 0) + 1
    took = time.perf_counter() - started
    assert sorted(picked.values()) == [500] * 20
    return 10_000, took


def run_once(workdir: Path) -> dict[str, tuple[float, float]]:
    """One run of every workload: {id: (cwdb ops/s, raw ops/s)}."""
    results: dict[str, tuple[float, float]] = {}
    lib_path, raw_path = str(workdir / "lib.db"), str(workdir / "raw.db")
    for path in (lib_path, raw_path):
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        cwdb.ensure_schema(path)
    with cwdb.connect(lib_path) as lib, cwdb.connect(raw_path) as other:
        raw_lib, raw = Raw(lib_path), Raw(raw_path)
        results["W1"] = rate(w1_cwdb(lib, raw_lib)), rate(w1_raw(other, raw))
        phases = [r[0] for r in raw.cur.execute("SELECT id FROM phases")]
        tasks = [r[0] for r in raw.cur.execute("SELECT id FROM tasks")]
        lib_phases = [r[0] for r in raw_lib.cur.execute("SELECT id FROM phases")]
        lib_tasks = [r[0] for r in raw_lib.cur.execute("SELECT id FROM tasks")]
        results["W2"] = (
            rate(w2(lib, raw_lib, lib_tasks, library=True)),
            rate(w2(other, raw, tasks, library=False)),
        )
        results["W3"] = (
            rate(w3(lib, raw_lib, lib_phases, library=True)),
            rate(w3(other, raw, phases, library=False)),
        )
        results["W4"] = (
            rate(w4(lib, raw_lib, lib_tasks, library=True)),
            rate(w4(other, raw, tasks, library=False)),
        )
        results["W5"] = (
            rate(w5(lib, raw_lib, "r", library=True)),
            rate(w5(other, raw, "r", library=False)),
        )
        results["W6"] = (
            rate(w6(lib, raw_lib, "r", library=True)),
            rate(w6(other, raw, "r", library=False)),
        )
        results["W7"] = rate(w7(lib, raw_lib, library=True)), rate(w7(other, raw, library=False))
        raw_lib.conn.close()
        raw.conn.close()
    return results


def rate(result: tuple[int, float]) -> float:
    units, seconds = result
    return units / seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            runs.append(run_once(Path(tmp)))
    print(
        f"cwdb {cwdb.__version__}, apsw {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {args.runs} runs"
    )
    print(f"{'':4} {'cwdb ops/s':>12} {'raw ops/s':>12} {'ratio':>7}")
    ratios = []
    for workload in runs[0]:
        lib = statistics.median(r[workload][0] for r in runs)
        raw = statistics.median(r[workload][1] for r in runs)
        ratio = statistics.median(r[workload][0] / r[workload][1] for r in runs)
        ratios.append(ratio)
        print(f"{workload:4} {lib:12,.0f} {raw:12,.0f} {ratio:7.2f}")
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"geometric mean of ratios: {geomean:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
