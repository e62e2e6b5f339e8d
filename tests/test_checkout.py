"""What a new user does in a fresh clone: the README's commands, the venv, yoyo.

The scripts build ``.venv`` with ``scripts/bootstrap.sh``; these tests use
that venv (the one running them, when it is the checkout's own).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import cwdb
from cwdb.adapters.apsw.migrator import shipped_migrations

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def in_the_checkouts_venv() -> None:
    """These tests change or read .venv: only when it is the one running them."""
    if Path(sys.prefix).resolve() != VENV.resolve():
        pytest.skip(f"the tests run from {sys.prefix}, not from the checkout's {VENV}")


def run(*args: str | Path, cwd: Path = ROOT, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        **kwargs,
    )


# -- the venv the scripts build ---------------------------------------------------------


def test_mypy_in_the_venv_sees_cwdbs_types_from_outside_the_checkout(tmp_path: Path) -> None:
    in_the_checkouts_venv()
    app = tmp_path / "app.py"
    app.write_text(
        "import cwdb\n"
        "\n"
        "\n"
        "def main() -> None:\n"
        "    with cwdb.connect(':memory:') as db:\n"
        "        task: cwdb.Task = db.tasks.create(name='x', priority='high')\n"
        "        db.tasks.create(name='y', priority='urgent')\n"
        "        print(task)\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    result = run(
        VENV / "bin" / "mypy", "--strict", "--no-pretty", "--cache-dir", tmp_path / "cache",
        "app.py", cwd=tmp_path, env=env,
    )  # fmt: skip
    assert "Cannot find implementation or library stub" not in result.stdout, result.stdout
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout
    assert errors[0].startswith('app.py:7: error: Argument "priority" to "create"')


def test_a_warm_bootstrap_prints_nothing_and_installs_nothing() -> None:
    in_the_checkouts_venv()
    first = run(ROOT / "scripts" / "bootstrap.sh")  # may install: silent all the same
    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    (dist_info,) = VENV.glob("lib/python*/site-packages/cwdb-*.dist-info")
    installed = dist_info.stat().st_mtime_ns
    second = run(ROOT / "scripts" / "bootstrap.sh")
    assert (second.returncode, second.stdout, second.stderr) == (0, "", "")
    assert dist_info.stat().st_mtime_ns == installed


def test_the_test_script_prints_a_header_before_each_tool() -> None:
    """Each step of test.sh (ruff's two commands are one step) under its ``==`` line."""
    lines = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8").splitlines()
    header, previous = False, None
    for line in lines:
        if line.startswith('echo "== '):
            header = True
        elif line.startswith(".venv/bin/"):
            words = [word for word in line.split() if word != "-m"]
            tool = words[1] if words[0].endswith("/python") else words[0]
            assert header or tool == previous, line
            header, previous = False, tool


# -- the README's commands, as written --------------------------------------------------


def test_every_script_the_readme_runs_is_run_with_the_venvs_python() -> None:
    runs = re.findall(r"([\w./]*python[\w.]*)\s+scripts/\w+\.py", README)
    assert runs, "the README runs no script"
    assert set(runs) == {".venv/bin/python"}


@pytest.mark.parametrize("script", ["update_schema.py", "land_migrations.py"])
def test_a_schema_script_runs_with_a_python_that_lacks_cwdb(script: str) -> None:
    in_the_checkouts_venv()
    # -S: no site-packages, as a system python without cwdb.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = run(sys.executable, "-S", f"scripts/{script}", "--check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No module named" not in result.stderr


# -- yoyo --------------------------------------------------------------------------------


def test_the_readme_warns_that_rollback_all_drops_every_table() -> None:
    text = " ".join(README.split())
    assert "**Warning:** `yoyo rollback --all` drops every table, and all the data" in text
    assert "Take a backup first" in text


def test_yoyo_asks_before_a_rollback_in_a_terminal(tmp_path: Path) -> None:
    """Without batch_mode in yoyo.ini, yoyo prompts when its output is a terminal."""
    in_the_checkouts_venv()
    shutil.copy(ROOT / "yoyo.ini", tmp_path / "yoyo.ini")
    shutil.copytree(ROOT / "migrations", tmp_path / "migrations")
    cwdb.ensure_schema(tmp_path / "cw.db")
    try:
        controller, terminal = os.openpty()
    except OSError as error:  # a container without /dev/ptmx
        pytest.skip(f"no pseudo-terminal to run yoyo in: {error}")
    os.write(controller, b"n" * 10)  # no to every migration (yoyo reads single keys)
    try:
        result = subprocess.run(
            [str(VENV / "bin" / "yoyo"), "rollback", "--all"],
            cwd=tmp_path,
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            timeout=120,
            check=False,
        )
        os.close(terminal)
        shown = b""
        while chunk := _read(controller):
            shown += chunk
    finally:
        os.close(controller)
    assert result.returncode == 0, shown
    assert b"Shall I rollback this migration?" in shown
    connection = sqlite3.connect(tmp_path / "cw.db")
    applied = connection.execute("SELECT count(*) FROM _yoyo_migration").fetchone()
    connection.close()
    assert applied == (len(shipped_migrations()),)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # the terminal's other end is closed: all read
        return b""
