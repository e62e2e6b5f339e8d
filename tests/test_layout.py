"""The hexagon shows in the imports: drivers only at the edges, no I/O in the core.

* A driver (apsw, psycopg) is imported only by its adapter set
  (``cwdb/adapters/apsw``, ``cwdb/adapters/psycopg``) and by the dialect
  modules of the operator tools (``cwdb/ops/sqlite``, ``cwdb/ops/postgresql``).
* ``cwdb.ops`` may import ``cwdb.adapters``; ``cwdb/adapters`` never imports
  ``cwdb.ops``.
* ``records/``, ``ports/``, ``errors.py`` and ``enums.py`` import no adapter,
  no operator tool and no driver, so the domain can be read, and tested,
  without a database.
* ``import cwdb`` imports neither the operator tools nor tqdm (the CLI's),
  nor a driver: a target's dialect imports its driver half when opened.
* The code written once for both dialects (``adapters/repositories/``,
  ``sessions.py``, ``runner.py``, ``statements.py``, ``sqlfiles.py``,
  ``database.py``) imports neither driver half; ``dialects.py`` imports them
  only inside the functions that open a target, so mypy checks each use.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import cwdb

PACKAGE = Path(cwdb.__file__).resolve().parent
DRIVERS = {
    "apsw": ("adapters/apsw", "ops/sqlite"),
    "psycopg": ("adapters/psycopg", "ops/postgresql"),
}
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


def _under(path: Path, folder: str) -> bool:
    return (PACKAGE / folder) in path.parents


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_only_its_adapter_and_ops_modules_import_a_driver(driver: str) -> None:
    outside = [
        str(path.relative_to(PACKAGE))
        for path in modules()
        if not any(_under(path, home) for home in DRIVERS[driver])
        and any(name.split(".")[0] == driver for name in imported(path))
    ]
    assert outside == []


def test_the_adapters_never_import_the_operator_tools() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in modules()
        if _under(path, "adapters")
        for name in imported(path)
        if name == "cwdb.ops" or name.startswith("cwdb.ops.")
    ]
    assert offenders == []


def test_the_shared_ops_modules_import_no_driver() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "ops").glob("*.py")
        for name in imported(path)
        if name.split(".")[0] in DRIVERS
    ]
    assert offenders == []


def test_the_domain_imports_no_adapter_no_operator_tool_and_no_driver() -> None:
    offenders = []
    for path in modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if not relative.startswith(DOMAIN):
            continue
        for name in imported(path):
            if name.startswith(("cwdb.adapters", "cwdb.ops")) or name.split(".")[0] in DRIVERS:
                offenders.append(f"{relative}: {name}")
    assert offenders == []


def test_importing_cwdb_imports_no_operator_tool_and_no_tqdm() -> None:
    code = (
        "import sys, cwdb, cwdb.dialects; print(sorted(m for m in sys.modules if m.startswith("
        "('cwdb.ops', 'cwdb.cli', 'tqdm', 'apsw', 'psycopg', 'cwdb.adapters.apsw', "
        "'cwdb.adapters.psycopg'))))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


#: The code both dialects share: it never imports a driver half.
SHARED = (
    "adapters/repositories",
    "adapters/sessions.py",
    "adapters/runner.py",
    "adapters/statements.py",
    "adapters/sqlfiles.py",
    "adapters/database.py",
    "dialects.py",
)
_HALVES = ("cwdb.adapters.apsw", "cwdb.adapters.psycopg", "cwdb.ops")


def top_level_imports(path: Path) -> set[str]:
    """What ``path`` imports when it is imported (not inside functions)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_shared_code_imports_no_driver_half() -> None:
    offenders = []
    for path in modules():
        relative = path.relative_to(PACKAGE).as_posix()
        if not relative.startswith(SHARED):
            continue
        names = imported(path) if relative != "dialects.py" else top_level_imports(path)
        offenders += [
            f"{relative}: {name}"
            for name in names
            if name.startswith(_HALVES) or name.split(".")[0] in DRIVERS
        ]
    assert offenders == []


def test_the_dialects_open_their_driver_half_lazily() -> None:
    lazy = imported(PACKAGE / "dialects.py") - top_level_imports(PACKAGE / "dialects.py")
    assert {"cwdb.adapters.apsw", "cwdb.adapters.psycopg"} <= lazy
