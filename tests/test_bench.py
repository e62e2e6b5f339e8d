"""scripts/bench.py runs its workloads at a small scale and prints its table.

No timing thresholds: the point is that every workload runs and passes its
own result checks. --peers is not run here (its extra is optional).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import postgres_server

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "scripts" / "bench.py"
#: A workload's row: ops/s of cwdb, raw, hand, naive, then cwdb's three ratios.
ROW = r"^{}" + r" +[\d,]+" * 4 + r" +\d+\.\d\d" * 3 + "$"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_small_scale_run_prints_every_workload_and_the_geometric_mean() -> None:
    result = run(str(BENCH), "--runs", "1", "--scale", "0.02")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"cwdb \S+, apsw \S+, SQLite \S+, .*median of 1 runs at scale 0.02$", lines[0])
    assert lines[1].split() == [
        *("cwdb", "ops/s", "raw", "ops/s", "hand", "ops/s", "naive", "ops/s"),
        *("cwdb/raw", "cwdb/hand", "cwdb/naive"),
    ]
    for workload, line in zip(["W1", "W2", "W3", "W4", "W5", "W6", "W7"], lines[2:9], strict=True):
        assert re.match(ROW.format(workload), line), line
    assert re.match(r"^geomean +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d$", lines[9])
    assert len(lines) == 10


def test_only_reports_the_workloads_asked_for() -> None:
    result = run(str(BENCH), "--runs", "1", "--scale", "0.02", "--only", "W3,W6")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines()[2:-1]]
    assert rows == ["W3", "W6"]


def test_peers_without_the_extra_exit_with_the_install_command() -> None:
    hide_extra = (
        "import runpy, sys; sys.path.insert(0, 'scripts'); "
        "sys.modules['aiosql'] = sys.modules['sqlalchemy'] = None; "
        "sys.argv = ['bench.py', '--peers']; "
        "runpy.run_path('scripts/bench.py', run_name='__main__')"
    )
    result = run("-c", hide_extra)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "pip install -e '.[bench]'" in result.stderr


#: The stacks of ``--peers``, in the order of its columns.
PEERS = ["cwdb", "raw", "hand", "naive", "sqlite3+attrs", "apsw+attrs by name", "aiosql",
         "sqlalchemy-orm"]  # fmt: skip


def test_peers_print_every_stack_as_a_ratio_to_both_raw_baselines() -> None:
    """bench.py --peers (bench_peers.py): every workload row carries a ratio for every stack."""
    pytest.importorskip("sqlalchemy", reason="--peers needs the optional extra 'bench'")
    pytest.importorskip("aiosql", reason="--peers needs the optional extra 'bench'")
    result = run(str(BENCH), "--runs", "1", "--scale", "0.02", "--peers")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"cwdb \S+, apsw \S+, SQLite \S+, SQLAlchemy \S+, aiosql \S+, ", lines[0])
    workloads = ["W1", "W2", "W3", "W4", "W5", "W6", "W7"]
    for at, base in ((1, "raw"), (12, "hand")):
        shown = [name for name in PEERS if name != base]
        assert lines[at] == f"ratio to {base}"
        assert lines[at + 1].split() == " ".join(shown).split()
        rows = [line.split() for line in lines[at + 2 : at + 10]]
        assert [row[0] for row in rows] == [*workloads, "geomean"]
        assert all(re.fullmatch(r"\d+\.\d\d", cell) for row in rows for cell in row[1:])
        assert all(len(row) == 1 + len(shown) for row in rows)
    assert lines[23].split()[0] == "ops/s"
    ops = [line.split() for line in lines[24:31]]
    assert [row[0] for row in ops] == workloads
    assert all(len(row) == 1 + len(PEERS) for row in ops)


def test_semantics_compares_the_pick_with_hand_written_picks() -> None:
    result = run(str(BENCH), "--runs", "1", "--scale", "0.02", "--semantics")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split()[1] for line in result.stdout.splitlines()[1:]]
    assert rows == ["cwdb", "hand", "hand+strict", "hand+contract"]


#: A PostgreSQL workload's row: ops/s of cwdb, raw, hand, then cwdb/raw and cwdb/hand.
PG_ROW = r"^{}" + r" +[\d,]+" * 3 + r" +\d+\.\d\d" * 2 + "$"


def test_postgresql_small_scale_run_checks_every_workload(
    pg_server: postgres_server.PostgresServer,
) -> None:
    """bench.py --database: three stacks on fresh databases of the server, dropped after."""
    result = run(str(BENCH), "--runs", "1", "--scale", "0.02", "--database", pg_server.url())
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.match(
        r"cwdb \S+, psycopg \S+ \(.*libpq \S+\), PostgreSQL \S+ \(fsync=off, .*\), "
        r".*median of 1 runs at scale 0.02$",
        lines[0],
    )
    assert lines[1].split() == [
        *("cwdb", "ops/s", "raw", "ops/s", "hand", "ops/s", "cwdb/raw", "cwdb/hand")
    ]
    for workload, line in zip(["W1", "W2", "W3", "W4", "W5", "W6", "W7"], lines[2:9], strict=True):
        assert re.match(PG_ROW.format(workload), line), line
    assert re.match(r"^geomean +\d+\.\d\d +\d+\.\d\d$", lines[9])
    assert len(lines) == 10
    psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")
    with psycopg.connect(pg_server.url(), autocommit=True) as admin:
        left = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'cwdb_bench_%'")
        assert left.fetchall() == []


def test_async_small_scale_run_checks_every_workload_on_both_backends(
    pg_server: postgres_server.PostgresServer,
) -> None:
    """bench.py --async: four PostgreSQL stacks, SQLite sync against async, tasks and threads."""
    result = run(
        str(BENCH), "--async", "--runs", "1", "--scale", "0.02", "--database", pg_server.url()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("PostgreSQL: AsyncDatabase against raw psycopg AsyncConnection")
    assert lines[2].split()[-2:] == ["cwdb/raw", "cwdb-prep/raw-prep"]
    for workload, line in zip(["W1", "W2", "W3", "W4", "W5", "W6", "W7"], lines[3:10], strict=True):
        assert re.match(rf"^{workload}" + r" +[\d,]+" * 4 + r" +\d+\.\d\d" * 2 + "$", line)
    assert re.match(r"^geomean +\d+\.\d\d +\d+\.\d\d$", lines[10])
    assert re.match(r"^target cwdb/raw \(.*\): (met|NOT met)$", lines[11])
    assert re.match(r"^target cwdb-prep/raw-prep \(.*\): (met|NOT met)$", lines[12])
    assert lines[13].startswith("SQLite (file, WAL): AsyncDatabase against the sync Database")
    for workload, line in zip(
        ["W1", "W2", "W3", "W4", "W5", "W6", "W7"], lines[15:22], strict=True
    ):
        assert re.match(rf"^{workload} +\d+\.\d +\d+\.\d +-?\d+\.\d$", line), line
    assert re.match(r"^  100 asyncio tasks, AsyncDatabase +[\d,]+ calls/s +\d+\.\d CPU", lines[23])
    assert re.match(r"^  100 threads, Database +[\d,]+ calls/s +\d+\.\d CPU", lines[24])
    assert len(lines) == 25


def test_writers_smoke_run_on_both_backends(pg_server: postgres_server.PostgresServer) -> None:
    """bench_writers.py: 1 and 2 writer processes on each backend, each run checked."""
    writers = ROOT / "scripts" / "bench_writers.py"
    url = pg_server.url()
    result = run(str(writers), "--seconds", "0.2", "--processes", "1,2", "--database", url)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    backends = r"SQLite \S+ \(WAL, synchronous=NORMAL\), PostgreSQL \S+ \("
    assert re.match(rf"cwdb \S+, {backends}", lines[0])
    assert lines[1].split() == ["backend", "processes", "writes/s", "x", "of", "1", "chunks/s"]
    rows = [line.rsplit(None, 4) for line in lines[2:]]
    assert [(r[0], r[1]) for r in rows] == [
        ("SQLite (WAL)", "1"), ("SQLite (WAL)", "2"), ("PostgreSQL", "1"), ("PostgreSQL", "2")
    ]  # fmt: skip
