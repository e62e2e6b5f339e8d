"""Database.backup(): how long a consistent copy takes, extrapolated to 1 GB.

Usage: python scripts/bench_backup.py [--mb 100] [--runs 3] [--quick]

Fills a WAL database file with ~--mb MB of 1 KB log chunks, then times
``db.backup()`` (median of --runs, each to a new file) with no other writer,
and once more while another process keeps committing single
``insert_chunk`` calls (reporting that writer's longest stall). The copy's
``PRAGMA integrity_check`` and a plain file copy of the same size are timed
for comparison. The 1 GB figure is a linear extrapolation of the MB/s.

--quick (5 MB, one run) is what tests/test_scripts.py runs. Figures depend on
the machine and its page cache; nothing here passes or fails on a timing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import apsw

import cwdb

CHUNK_BYTES = 1000
BATCH = 5_000
GB = 1024 * 1024 * 1024
MB = 1024 * 1024


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=100, help="database size to build, in MB")
    parser.add_argument("--runs", type=int, default=3, help="backups to time (median)")
    parser.add_argument("--quick", action="store_true", help="5 MB, one run")
    args = parser.parse_args(argv)
    if args.quick:
        args.mb, args.runs = 5, 1
    return args


def fill(path: Path, megabytes: int) -> int:
    """Log chunks until the file holds about ``megabytes``; the chunk count."""
    content = "x" * CHUNK_BYTES
    rows = 0
    with cwdb.connect(path) as db:
        while Path(path).stat().st_size < megabytes * MB:
            db.log_chunks.insert_chunks(
                {"agent_id": f"agent-{i % 50}", "agent_name": "bench", "content": content}
                for i in range(BATCH)
            )
            rows += BATCH
    return rows


def wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def timed_backup(db: cwdb.Database, dest: Path) -> float:
    started = time.perf_counter()
    db.backup(dest)
    return time.perf_counter() - started


def integrity_seconds(path: Path) -> tuple[str, float]:
    connection = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        started = time.perf_counter()
        result = connection.execute("PRAGMA integrity_check").fetchall()
        return str(result[0][0]), time.perf_counter() - started
    finally:
        connection.close()


def write_until(path: str, started: Any, stop: Any, results: Any) -> None:
    """Writer process: single insert_chunk calls; sends back the latencies."""
    latencies: list[float] = []
    with cwdb.connect(path) as db:
        while not stop.is_set():
            begin = time.perf_counter()
            db.log_chunks.insert_chunk("live", "live", "live output line")
            latencies.append(time.perf_counter() - begin)
            if len(latencies) == 1:
                started.set()
    results.put(latencies)


def backup_beside_writer(db: cwdb.Database, path: Path, dest: Path) -> tuple[float, list[float]]:
    context = multiprocessing.get_context("spawn")
    started, stop = context.Event(), context.Event()
    results = context.Queue()
    writer = context.Process(target=write_until, args=(str(path), started, stop, results))
    writer.start()
    try:
        if not started.wait(60):
            raise RuntimeError("the writer did not start")
        seconds = timed_backup(db, dest)
    finally:
        stop.set()
    latencies: list[float] = results.get(timeout=120)
    writer.join(60)
    return seconds, latencies


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    print(f"cwdb {cwdb.__version__}, bench_backup ({'quick' if args.quick else 'full'})")
    with tempfile.TemporaryDirectory(prefix="cwdb-bench-backup-") as folder:
        path = Path(folder) / "live.db"
        rows = fill(path, args.mb)
        with cwdb.connect(path) as db:
            size = path.stat().st_size + wal_size(path)
            print(f"  database: {rows:,} chunks, {size / MB:,.1f} MB")
            times = [timed_backup(db, Path(folder) / f"copy-{run}.db") for run in range(args.runs)]
            seconds = statistics.median(times)
            copied = (Path(folder) / "copy-0.db").stat().st_size
            rate = copied / MB / seconds
            median_of = f"median of {len(times)}"
            print(f"  backup, no writer:    {seconds:6.2f} s  ({rate:,.0f} MB/s, {median_of})")
            print(f"  extrapolated to 1 GB: {GB / MB / rate:6.1f} s  (linear in size)")
            busy_seconds, latencies = backup_beside_writer(db, path, Path(folder) / "busy.db")
        longest = max(latencies) * 1000
        print(
            f"  backup, writer busy:  {busy_seconds:6.2f} s  (writer: {len(latencies):,} commits,"
            f" longest call {longest:.1f} ms)"
        )
        verdict, check_seconds = integrity_seconds(Path(folder) / "busy.db")
        print(f"  integrity_check of the copy made under load: {verdict} in {check_seconds:.2f} s")
        started = time.perf_counter()
        shutil.copyfile(path, Path(folder) / "plain.db")
        print(f"  plain file copy, for comparison: {time.perf_counter() - started:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
