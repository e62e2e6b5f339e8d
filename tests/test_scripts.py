"""The measurement scripts run and print their figures (no timing thresholds)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_script(name: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_bench_logs_quick_prints_both_peaks_the_stall_and_the_delete() -> None:
    out = run_script("bench_logs.py", "--quick")
    peaks = re.findall(
        r"(iter_by_agent_id|find_by_agent_id) +50,000 chunks .* peak memory [\d.,]+ MB", out
    )
    assert peaks == ["iter_by_agent_id", "find_by_agent_id"]
    assert re.search(r"deleted 50,000 chunks in [\d.]+ s", out)
    assert re.search(r"longest writer stall during the delete: [\d.]+ ms", out)


def test_bench_backup_quick_prints_the_time_and_the_1_gb_extrapolation() -> None:
    out = run_script("bench_backup.py", "--quick")
    assert re.search(r"backup, no writer: +[\d.]+ s", out)
    assert re.search(r"extrapolated to 1 GB: +[\d.]+ s", out)
    assert re.search(r"backup, writer busy: +[\d.]+ s", out)
    assert "integrity_check of the copy made under load: ok" in out
