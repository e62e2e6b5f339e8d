"""Soak: the load of tests/test_load.py, for a duration, with throughput and latency.

Usage: python -m scripts.soak_load [--seconds 60] [--processes 8] [--readers 2] [--seed 0]
                                 [--database PATH]

Each process opens its own Database on one WAL file and runs a random mix of
five write transactions (task create, task update, shared retry-count
increment, a batch of log chunks, and a db.transaction() writing a task and a
log chunk together; see tests/support/loadgen.py) until the time is up, while reader
threads read the same rows. Then every count is checked against what the
workers acknowledged (nothing lost, no half transaction, integrity_check and
foreign_key_check clean) and the figures are printed: transactions per
second, p50 / p99 / max latency of a transaction, reads done. Latencies are
reported, never asserted. Exit status 1 when anything was lost or failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

from tests.support import loadgen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database", help="file to load (default: a new temporary file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cwdb-soak-") as folder:
        path = args.database or str(Path(folder) / "soak.db")
        setup = loadgen.prepare(path, args.processes)
        outcomes, readers, elapsed = loadgen.run_load(
            setup,
            processes=args.processes,
            seconds=args.seconds,
            readers=args.readers,
            seed=args.seed,
        )
        problems = loadgen.verify(setup, outcomes) + readers.errors
    report(args, outcomes, readers.reads, elapsed)
    for problem in problems[:20]:
        print(f"PROBLEM: {problem}")
    if problems:
        print(f"FAILED: {len(problems)} problems")
        return 1
    print("OK: every acknowledged transaction is there, none half done, integrity ok")
    return 0


def report(
    args: argparse.Namespace, outcomes: list[loadgen.Outcome], reads: int, elapsed: float
) -> None:
    kinds: Counter[str] = Counter()
    for outcome in outcomes:
        kinds.update(outcome.counts)
    done = sum(kinds.values())
    latencies = [s for outcome in outcomes for s in outcome.latencies]
    ms = 1000.0
    print(f"{args.processes} processes, {args.readers} reader threads, {elapsed:.1f} s")
    print(f"transactions: {done} ({', '.join(f'{k} {kinds[k]}' for k in loadgen.KINDS)})")
    print(f"throughput:   {done / elapsed:.0f} tx/s")
    print(
        f"latency:      p50 {loadgen.percentile(latencies, 0.5) * ms:.2f} ms, "
        f"p99 {loadgen.percentile(latencies, 0.99) * ms:.2f} ms, "
        f"max {max(latencies, default=0.0) * ms:.2f} ms"
    )
    print(f"reads:        {reads} rounds ({reads / elapsed:.0f}/s)")


if __name__ == "__main__":
    sys.exit(main())
