"""The measurement scripts run and print their figures (no timing thresholds)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_script(name: str, *args: str) -> str:
    """Run ``scripts/<name>`` (or ``-m scripts.<module>``) from the root; its stdout."""
    target = ["-m", name] if name.startswith("scripts.") else [str(ROOT / "scripts" / name)]
    result = subprocess.run(
        [sys.executable, *target, *args],
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


def test_bench_copy_quick_prints_rows_per_second_both_ways() -> None:
    out = run_script("scripts.bench_copy", "--quick")
    for label in ("SQLite -> PostgreSQL", "PostgreSQL -> SQLite", "SQLite -> SQLite"):
        assert re.search(rf"{label} +[\d,]+ rows in +[\d.]+ s +[\d,]+ rows/s", out), out
    assert "rows per table equal" in out


def test_bench_import_quick_prints_both_caches_and_the_costliest_modules() -> None:
    out = run_script("bench_import.py", "--quick")
    assert out.count("bytecode cache:") == 2
    figures = re.findall(r"import cwdb \(this checkout\) +wall best +[\d.]+ ms", out)
    assert len(figures) == 2, out
    assert re.search(r"cwdb [\d.]+ ms cumulative \(best of 3\), \d+ modules imported", out)


@pytest.mark.parametrize("module", ["scripts.soak_load", "scripts.soak_crash"])
def test_soak_scripts_run_as_modules_from_the_root(module: str) -> None:
    assert "--seconds" in run_script(module, "--help")


def _python_files() -> list[Path]:
    return sorted([*ROOT.glob("tests/**/*.py"), *ROOT.glob("scripts/*.py")])


def test_nothing_imports_a_test_module() -> None:
    """Shared test code lives in tests/support/; test_*.py modules are leaves."""
    offenders = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names
                if name.rsplit(".", 1)[-1].startswith("test_")
            ]
    assert offenders == []


def test_no_script_or_test_edits_sys_path() -> None:
    offenders = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "path"
                and isinstance(node.value.value, ast.Name)
                and node.value.value.id == "sys"
                and node.attr in {"insert", "append", "extend"}
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_bench_instructions_quick_prints_the_instructions_of_one_call() -> None:
    out = run_script("bench_instructions.py", "--quick", "--only", "raw_find_by_id")
    count = re.search(r"^raw_find_by_id +([\d,]+)$", out, re.MULTILINE)
    assert count is not None, out
    # One indexed read of one row: thousands of instructions, not millions.
    assert 1_000 < int(count.group(1).replace(",", "")) < 1_000_000
