"""Many processes writing one file at once: no BusyError, nothing lost (docs/reference.md §1).

The load itself lives in ``tests/support/loadgen.py`` (shared with
``scripts/soak_load.py``, which runs it for a duration and reports
throughput and latency).
"""

from __future__ import annotations

from pathlib import Path

from tests.support import loadgen

PROCESSES = 8
TRANSACTIONS = 300


def test_mixed_writes_from_many_processes_all_commit_and_none_is_lost(db_path: Path) -> None:
    setup = loadgen.prepare(str(db_path), PROCESSES)
    outcomes, readers, elapsed = loadgen.run_load(
        setup, processes=PROCESSES, transactions=TRANSACTIONS, readers=2, seed=1
    )
    assert loadgen.verify(setup, outcomes) == []
    done = sum(sum(o.counts.values()) for o in outcomes)
    assert done == PROCESSES * TRANSACTIONS
    assert readers.errors == []
    assert readers.reads > 0
    latencies = [s for o in outcomes for s in o.latencies]
    print(
        f"\n{PROCESSES} processes x {TRANSACTIONS} transactions: {done / elapsed:.0f} tx/s, "
        f"p50 {loadgen.percentile(latencies, 0.5) * 1000:.2f} ms, "
        f"p99 {loadgen.percentile(latencies, 0.99) * 1000:.2f} ms, {readers.reads} reads"
    )
