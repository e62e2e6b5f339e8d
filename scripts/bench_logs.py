"""Log chunks at scale: streaming memory, and retention beside a live writer.

Usage: python scripts/bench_logs.py [--chunks N] [--old N] [--writer thread|process]
                                    [--content-bytes B] [--part a|b|both] [--quick]

(a) Streaming. One agent gets --chunks chunks (default 1,000,000). Reading
    them with ``log_chunks.iter_by_agent_id`` and with ``find_by_agent_id``
    is timed (untraced), then repeated under ``tracemalloc`` to report each
    one's peak of Python memory: the stream holds one batch, the list all.
(b) Retention. --old chunks (default 500,000) of 100 agents are made a month
    ago, plus 10 % as many recent ones. A writer (a thread of the same
    Database, or another process) calls ``insert_chunk`` one at a time and
    records each call's latency while ``delete_older_than`` removes the old
    chunks. Printed: the delete's duration and the writer's longest stall
    during it, next to the writer's latencies before it.

--quick (50,000 chunks for both) is what tests/test_scripts.py runs. Figures
depend on the machine; nothing here passes or fails on a timing. The
database is a WAL file in a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_workload import Calls, fill_chunks, live_writer, parser, quick

import cwdb

AGENTS = 100
WRITER_WARMUP_SECONDS = 1.0
WRITER_COOLDOWN_SECONDS = 0.5


def parse_args(argv: list[str]) -> argparse.Namespace:
    arguments = parser(__doc__)
    arguments.add_argument("--chunks", type=int, default=1_000_000, help="chunks to stream")
    arguments.add_argument("--old", type=int, default=500_000, help="old chunks to delete")
    arguments.add_argument("--content-bytes", type=int, default=100, help="size of each chunk")
    arguments.add_argument("--writer", choices=["thread", "process"], default="thread")
    arguments.add_argument("--part", choices=["a", "b", "both"], default="both", help="what to run")
    return quick(arguments, argv, chunks=50_000, old=50_000)


def seed(db: cwdb.Database, count: int, agents: list[str], content: str, prefix: str = "") -> None:
    """``count`` chunks spread over ``agents``."""
    fill_chunks(db, count, agents, lambda i: f"{prefix}{i} {content}")


def mb(size: float) -> str:
    return f"{size / 1_000_000:,.1f} MB"


# -- (a) streaming ----------------------------------------------------------------


def stream(db: cwdb.Database) -> int:
    return sum(1 for _ in db.log_chunks.iter_by_agent_id("streamer"))


def load(db: cwdb.Database) -> int:
    return len(db.log_chunks.find_by_agent_id("streamer"))


def measure(read: Callable[[cwdb.Database], int], db: cwdb.Database) -> tuple[int, float, int]:
    """(rows, seconds untraced, peak bytes traced) of one way of reading."""
    started = time.perf_counter()
    rows = read(db)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        traced_rows = read(db)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert traced_rows == rows
    return rows, seconds, peak


def streaming(path: Path, count: int, content: str) -> None:
    print(f"(a) streaming {count:,} chunks of one agent ({len(content)}-byte content)")
    with cwdb.connect(path) as db:
        started = time.perf_counter()
        seed(db, count, ["streamer"], content)
        print(f"    seeded in {time.perf_counter() - started:.1f} s")
        results = {"iter_by_agent_id": measure(stream, db), "find_by_agent_id": measure(load, db)}
    for name, (rows, seconds, peak) in results.items():
        assert rows == count, f"{name} returned {rows:,} chunks, expected {count:,}"
        print(f"    {name:<17} {rows:>10,} chunks  {seconds:6.2f} s  peak memory {mb(peak)}")
    ratio = results["find_by_agent_id"][2] / max(results["iter_by_agent_id"][2], 1)
    print(f"    streaming peak is 1/{ratio:,.0f} of the list's")


# -- (b) retention ----------------------------------------------------------------


def latency_line(label: str, calls: Calls) -> str:
    if not calls:
        return f"    {label:<24} no calls"
    latencies = sorted(latency for _, latency in calls)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return (
        f"    {label:<24} {len(calls):>7,} calls  median {statistics.median(latencies) * 1000:6.2f}"
        f" ms  p99 {p99 * 1000:6.2f} ms  longest {latencies[-1] * 1000:7.2f} ms"
    )


def retention(path: Path, old: int, content: str, writer: str) -> None:
    print(f"(b) retention: delete_older_than on {old:,} old chunks, a {writer} writing meanwhile")
    month_ago = datetime.now(UTC) - timedelta(days=30)
    agents = [f"agent-{n}" for n in range(AGENTS)]
    with cwdb.connect(path, clock=lambda: month_ago) as past:
        seed(past, old, agents, content, prefix="old ")
    with cwdb.connect(path) as db:
        seed(db, old // 10, agents, content, prefix="new ")
        cutoff = datetime.now(UTC) - timedelta(days=1)
        with live_writer(db, str(path), writer) as calls:
            time.sleep(WRITER_WARMUP_SECONDS)  # the writer's baseline latencies
            start = time.monotonic()
            deleted = db.log_chunks.delete_older_than(cutoff)
            end = time.monotonic()
            time.sleep(WRITER_COOLDOWN_SECONDS)
        remaining = len(db.log_chunks.find_by_agent_id("agent-0"))
    assert deleted == old, f"deleted {deleted:,}, expected {old:,}"
    assert remaining == (old // 10 + AGENTS - 1) // AGENTS, "recent chunks were deleted"
    before = [c for c in calls if c[0] + c[1] < start]
    during = [c for c in calls if c[0] < end and c[0] + c[1] > start]
    took = end - start
    print(f"    deleted {deleted:,} chunks in {took:.2f} s ({deleted / took:,.0f} chunks/s)")
    print(latency_line("writer before the delete", before))
    print(latency_line("writer during the delete", during))
    longest = max((latency for _, latency in during), default=0.0)
    print(f"    longest writer stall during the delete: {longest * 1000:.1f} ms")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    content = "x" * args.content_bytes
    print(f"cwdb {cwdb.__version__}, bench_logs ({'quick' if args.quick else 'full'})")
    with tempfile.TemporaryDirectory(prefix="cwdb-bench-logs-") as folder:
        if args.part in ("a", "both"):
            streaming(Path(folder) / "stream.db", args.chunks, content)
        if args.part in ("b", "both"):
            retention(Path(folder) / "retention.db", args.old, content, args.writer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
