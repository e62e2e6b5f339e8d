"""The async twins are generated from the sync repositories and ports, and are current."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_generated_async_code_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "async_repositories", ROOT / "scripts" / "async_repositories.py"
    )
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules["async_repositories"] = script
    spec.loader.exec_module(script)
    diffs = script.stale(script.generate())
    assert not diffs, "".join(diffs) + f"\nthe async twins are stale: run {script.COMMAND}"
