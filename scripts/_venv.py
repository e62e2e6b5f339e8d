"""Run a repository script with the checkout's .venv, whatever python started it.

``python scripts/update_schema.py`` from a fresh clone used to fail with
``No module named 'cwdb'`` unless that python was the venv's. A script that
imports this module first is re-executed with ``.venv/bin/python`` (made by
``scripts/bootstrap.sh`` when missing) when cwdb cannot be imported.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def use_the_checkouts_venv() -> None:
    """Return when cwdb imports; otherwise bootstrap if needed and re-run in the venv."""
    if importlib.util.find_spec("cwdb") is not None:
        return
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        sys.exit("cwdb is not installed in .venv: run scripts/bootstrap.sh")
    if not VENV_PYTHON.exists():
        subprocess.run([str(ROOT / "scripts" / "bootstrap.sh")], check=True)
    os.execv(VENV_PYTHON, [str(VENV_PYTHON), *sys.argv])  # noqa: S606 - the same script, no shell
