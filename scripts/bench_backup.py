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
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import apsw
from bench_workload import fill_chunks, live_writer, parser, quick

import cwdb

GB = 1024 * 1024 * 1024
MB = 1024 * 1024


def parse_args(argv: list[str]) -> argparse.Namespace:
    arguments = parser(__doc__)
    arguments.add_argument("--mb", type=int, default=100, help="database size to build, in MB")
    arguments.add_argument("--runs", type=int, default=3, help="backups to time (median)")
    return quick(arguments, argv, mb=5, runs=1)


def fill(path: Path, megabytes: int) -> int:
    """1 KB log chunks over 50 agents until the file holds about ``megabytes``; the count."""
    agents = [f"agent-{i}" for i in range(50)]
    rows = 0
    with cwdb.connect(path) as db:
        while Path(path).stat().st_size < megabytes * MB:
            fill_chunks(db, 5_000, agents, lambda _: "x" * 1000)
            rows += 5_000
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
            with live_writer(db, str(path)) as calls:
                busy_seconds = timed_backup(db, Path(folder) / "busy.db")
        latencies = [latency for _, latency in calls]
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
