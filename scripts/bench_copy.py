"""``python -m cwdb copy`` at scale: rows per second, SQLite to PostgreSQL and back.

Usage: python -m scripts.bench_copy [--chunks N] [--days N] [--batch N] [--quick]
       (from the root: it uses tests/support/ for the busy data and the server)

A database file is filled like a busy orchestrator's: --days demo days (every
repository: initiatives, phases, tasks, agents, accounts, proposals, pages,
messages, conversations, chat, review comments, errands; default 300) and
--chunks log chunks of about 100 bytes over 100 agents (default 1,000,000).
It is then copied, each copy timed end to end as the command runs it
(migrating the destination, streaming every table in one transaction,
reading it all back to verify, COMMIT):

    SQLite -> PostgreSQL (a throwaway server of tests/support/postgres_server.py,
                          fsync off), then that database -> a new SQLite file,
    SQLite -> SQLite for comparison.

The round trip is checked (same row count in every table). --quick (20,000
chunks, 3 days) is what tests/test_scripts.py runs. Figures depend on the
machine; nothing here passes or fails on a timing.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cwdb
from scripts.bench_workload import copy_database, fill_chunks, parser, quick
from tests.support import postgres_server
from tests.support.busy import build_busy


def parse_args(argv: list[str]) -> argparse.Namespace:
    arguments = parser(__doc__)
    arguments.add_argument("--chunks", type=int, default=1_000_000, help="log chunks to copy")
    arguments.add_argument("--days", type=int, default=300, help="demo days of other data")
    arguments.add_argument("--batch", type=int, default=5000, help="rows per round trip")
    return quick(arguments, argv, chunks=20_000, days=3)


def fill(path: Path, *, days: int, chunks: int) -> None:
    build_busy(path, days=days)
    agents = [f"agent-{n:03}" for n in range(100)]
    with cwdb.connect(path) as db:
        fill_chunks(
            db,
            chunks,
            agents,
            lambda i: f"{i:>9} line of output from the agent, as it streams it to the log .....",
        )


def timed(source: str, dest: str, batch: int, label: str) -> Any:
    report = copy_database(source, dest, batch)
    rate = report.total / report.seconds
    print(
        f"  {label:<22} {report.total:>11,} rows in {report.seconds:7.2f} s"
        f"  {rate:>9,.0f} rows/s (verified)"
    )
    return report


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cwdb-bench-copy-") as folder:
        source = Path(folder) / "source.db"
        started = time.perf_counter()
        fill(source, days=args.days, chunks=args.chunks)
        size = source.stat().st_size
        print(
            f"source: {args.days} demo days + {args.chunks:,} log chunks, "
            f"{size / 1e6:,.1f} MB, built in {time.perf_counter() - started:.1f} s"
        )
        server = postgres_server.start_or_skip()
        try:
            url = server.create_database("bench")
            print(f"copies (batches of {args.batch:,} rows, each one transaction, verified):")
            there = timed(str(source), url, args.batch, "SQLite -> PostgreSQL")
            back = timed(url, str(Path(folder) / "back.db"), args.batch, "PostgreSQL -> SQLite")
            local = timed(
                str(source), str(Path(folder) / "copy.db"), args.batch, "SQLite -> SQLite"
            )
        finally:
            server.stop()
    if not there.rows == back.rows == local.rows:
        print("error: the copies differ in rows per table", file=sys.stderr)
        return 1
    chunks = dict(there.rows)["agent_log_chunks"]
    print(f"  every copy: {len(there.rows)} tables, {chunks:,} log chunks, rows per table equal")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process (building included): {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
