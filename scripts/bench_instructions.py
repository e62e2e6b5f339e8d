"""CPU instructions per call, under callgrind: deterministic where wall-clock time is not.

Usage: python scripts/bench_instructions.py [--baseline DIR] [--only find_by_id,...] [--quick]

On a shared machine a timing moves by several percent from run to run;
an instruction count by a few instructions. Each call below runs in a
subprocess under ``valgrind --tool=callgrind`` twice, ``N1`` and ``N2``
times after the same set-up and warm-up; the difference of the two totals
divided by ``N2 - N1`` is what one call costs, set-up and start-up cancelled
out. The ids of the set-up come from a seeded generator, so both runs build
the same B-trees.

* ``find_by_id``: W2, ``tasks.find_by_id`` of one task;
* ``update_status``: ``tasks.update(id, status=...)``, its own transaction;
* ``insert_chunks100``: ``log_chunks.insert_chunks`` of 100 chunks;
* ``find_by_agent_ids``: W6, 10 agents' 1,000 chunks of 300 characters;
* ``raw_find_by_id``: raw APSW running the same SQL with the id as a tuple.

Logging is at WARNING with no OpenTelemetry provider, the budget's setting
(docs/reference.md §9), and ``slow_query_ms`` a minute: callgrind's slowdown
would make statements "slow" that are not. ``--baseline DIR`` counts a checkout without the
change too (imported with ``PYTHONPATH=DIR``), as ``bench_observe.py`` does.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_observe import ROWS

ROOT = Path(__file__).resolve().parent.parent
#: Calls measured, with (N1, N2): fewer runs of the calls that cost more.
CALLS = {
    "find_by_id": (1000, 4000),
    "update_status": (500, 2000),
    "insert_chunks100": (20, 120),
    "find_by_agent_ids": (20, 120),
    "raw_find_by_id": (1000, 4000),
}
QUICK = {name: (n1 // 10, n2 // 10) for name, (n1, n2) in CALLS.items()}

CHILD = (
    r"""
import logging, os, random, sys, tempfile
call, n = sys.argv[1], int(sys.argv[2])
logging.basicConfig(level=logging.WARNING)
os.urandom = random.Random(0).randbytes  # the same ids, so the same B-trees, in both runs
import cwdb
path = os.path.join(tempfile.mkdtemp(), "bench.db")
try:
    # Callgrind runs ~50x slower: at the default 100 ms, W6 would log a slow
    # WARNING every time and be profiled from then on. The check still runs.
    db = cwdb.connect(path, slow_query_ms=60_000)
except (TypeError, cwdb.errors.ValidationError):  # a build from before slow_query_ms
    db = cwdb.connect(path)
"""
    + ROWS
    + r"""extra = db.agents.create(name="extra", worktree_id="wx")
chunks = [{"agent_id": extra.id, "agent_name": "extra", "content": "x" * 80}] * 100
tid = task.id
if call == "raw_find_by_id":
    import apsw
    from cwdb.adapters.sqlfiles import query_file
    sql = query_file("tasks")["find_by_id"].sql
    db.close()
    cursor = apsw.Connection(path).cursor()
    def run():
        return cursor.execute(sql, (tid,)).fetchall()
else:
    find, read = db.tasks.find_by_id, db.log_chunks.find_by_agent_ids
    update, insert = db.tasks.update, db.log_chunks.insert_chunks
    run = {
        "find_by_id": lambda: find(tid),
        "update_status": lambda: update(tid, status="in_progress"),
        "insert_chunks100": lambda: insert(chunks),
        "find_by_agent_ids": lambda: read(ids),
    }[call]
for _ in range(20):
    run()
for _ in range(n):
    run()
"""
)


def instructions(valgrind: str, build: Path, call: str, n: int) -> int:
    """The instructions callgrind counted in a whole child process running ``call`` n times."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        done = subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                "--dump-instr=no",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                CHILD,
                call,
                str(n),
            ],
            env={**os.environ, "PYTHONPATH": str(build), "PYTHONHASHSEED": "0"},
            capture_output=True,
            text=True,
            check=False,
            cwd=folder,
        )
        if done.returncode:
            sys.exit(f"{build} ({call}) failed:\n{done.stderr[-3000:]}")
        found = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        if found is None:
            sys.exit(f"{build} ({call}): no total in callgrind's output")
        return int(found.group(1))


def per_call(valgrind: str, build: Path, call: str, counts: tuple[int, int]) -> int:
    n1, n2 = counts
    more, fewer = (instructions(valgrind, build, call, n) for n in (n2, n1))
    return (more - fewer) // (n2 - n1)


def main(argv: list[str]) -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    arguments.add_argument("--baseline", type=Path, help="a checkout to compare to")
    arguments.add_argument("--only", help="comma-separated calls (default: all)")
    arguments.add_argument("--quick", action="store_true", help="a tenth of the calls")
    args = arguments.parse_args(argv)
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        sys.exit("valgrind is not installed")
    counts = QUICK if args.quick else CALLS
    calls = args.only.split(",") if args.only else list(counts)
    unknown = set(calls) - set(counts)
    if unknown:
        sys.exit(f"unknown calls: {', '.join(sorted(unknown))} (known: {', '.join(counts)})")
    print("instructions per call under callgrind (logging at WARNING, no OpenTelemetry)")
    header = f"{'':18} {'this':>12}"
    print(header + (f" {'baseline':>12} {'ratio':>7}" if args.baseline else ""))
    for call in calls:
        this = per_call(valgrind, ROOT, call, counts[call])
        line = f"{call:18} {this:12,}"
        if args.baseline and not call.startswith("raw_"):
            base = per_call(valgrind, args.baseline, call, counts[call])
            line += f" {base:12,} {this / base:7.3f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
