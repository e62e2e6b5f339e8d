"""The hexagon shows in the imports: drivers only in their adapter, no I/O in the core.

``cwdb/adapters/<driver>/`` is the only place that imports its driver (apsw,
psycopg); ``records/``, ``ports/``, ``errors.py`` and ``enums.py`` import no
adapter and no driver, so the domain can be read, and tested, without a
database.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cwdb

PACKAGE = Path(cwdb.__file__).resolve().parent
DRIVERS = {"apsw": "adapters/apsw", "psycopg": "adapters/psycopg"}
DOMAIN = ("records", "ports", "errors.py", "enums.py")


def imported(path: Path) -> set[str]:
    """The top-level names of every module ``path`` imports (lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_only_its_adapter_imports_a_driver(driver: str) -> None:
    home = PACKAGE / DRIVERS[driver]
    outside = [
        str(path.relative_to(PACKAGE))
        for path in modules()
        if home not in path.parents and any(name.split(".")[0] == driver for name in imported(path))
    ]
    assert outside == []


def test_the_domain_imports_no_adapter_and_no_driver() -> None:
    offenders = []
    for path in modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if not relative.startswith(DOMAIN):
            continue
        for name in imported(path):
            if name.startswith("cwdb.adapters") or name.split(".")[0] in DRIVERS:
                offenders.append(f"{relative}: {name}")
    assert offenders == []
