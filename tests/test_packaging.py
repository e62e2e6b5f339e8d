"""The built wheel works on its own: a fresh virtualenv, another directory.

One wheel is built from a copy of the source tree (so no stale ``build/``
folder leaks into it) and installed, non-editable, in a new virtualenv with
its dependencies from the package index; the installed package must find its
``sql/`` and ``migrations/`` inside itself, and yoyo must migrate from
``package:cwdb:migrations`` through cwdb's ``apsw`` backend.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import cwdb

ROOT = Path(__file__).resolve().parent.parent
#: Every migration of the checkout, and the newest (the installed schema_version).
MIGRATION_IDS = sorted(
    p.name[: -len(".sql")]
    for p in (Path(__file__).resolve().parent.parent / "migrations").glob("*.sql")
    if not p.name.endswith(".rollback.sql")
)
LATEST = MIGRATION_IDS[-1]
#: Not part of the source a wheel is built from.
JUNK = (
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "cw.db*",
)

pytestmark = pytest.mark.slow


def clean_env() -> dict[str, str]:
    """This process's environment without what would point at the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of the project, built from a clean copy of the source tree."""
    base = tmp_path_factory.mktemp("wheel")
    source, dist = base / "source", base / "dist"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*JUNK))
    if importlib.util.find_spec("build") is not None:
        run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, source, cwd=base)
    else:
        run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, source, cwd=base)
    (built,) = dist.glob("cwdb-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with only the wheel and its dependencies installed."""
    target = tmp_path_factory.mktemp("venv") / "venv"
    run(sys.executable, "-m", "venv", target, cwd=target.parent)
    run(target / "bin" / "python", "-m", "pip", "install", "-q", wheel, cwd=target.parent)
    return target


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory with no checkout, no yoyo.ini, no cwdb in sight."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


SNIPPET = """
import json, sys
from pathlib import Path
import cwdb
from cwdb._resources import resource_dir

with cwdb.connect(Path(sys.argv[1])) as db:
    initiative = db.initiatives.create(name="from the wheel")
    found = db.initiatives.find_by_id(initiative.id)
    version = db.schema_version
print(json.dumps({
    "file": cwdb.__file__,
    "sql": str(resource_dir("sql")),
    "migrations": str(resource_dir("migrations")),
    "found": found.name,
    "schema_version": version,
    "version": cwdb.__version__,
}))
"""


def test_wheel_ships_sql_migrations_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    assert {
        "cwdb/py.typed",
        "cwdb/sql/initiatives.sql",
        "cwdb/sql/_migrations.sql",
    } <= names
    for migration in MIGRATION_IDS:
        assert f"cwdb/migrations/{migration}.sql" in names
        assert f"cwdb/migrations/{migration}.rollback.sql" in names


def test_wheel_ships_every_module_of_the_package(wheel: Path) -> None:
    """A package folder missing from setup.cfg's ``packages`` would not ship."""
    names = set(zipfile.ZipFile(wheel).namelist())
    package = Path(cwdb.__file__).parent
    modules = {
        f"cwdb/{path.relative_to(package).as_posix()}"
        for path in package.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules - names == set()


def test_wheel_registers_apsw_yoyo_backend(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
        text = archive.read(entry_points).decode()

    assert "[yoyo.backends]" in text
    assert "apsw = cwdb.adapters.apsw.yoyo_backend:ApswBackend" in text


def test_installed_package_connects_from_another_directory(venv: Path, elsewhere: Path) -> None:
    result = run(venv / "bin" / "python", "-c", SNIPPET, elsewhere / "x.db", cwd=elsewhere)
    report = json.loads(result.stdout)
    package = Path(report["file"]).parent

    assert package.is_relative_to(venv)
    assert Path(report["sql"]) == package / "sql"
    assert Path(report["migrations"]) == package / "migrations"
    assert report["found"] == "from the wheel"
    assert report["schema_version"] == LATEST
    assert report["version"] == "0.1.0"


def test_installed_yoyo_applies_packaged_migrations(venv: Path, elsewhere: Path) -> None:
    run(
        venv / "bin" / "yoyo",
        "apply",
        "--batch",
        "--no-config-file",
        "--database",
        "apsw:///x.db",
        "package:cwdb:migrations",
        cwd=elsewhere,
    )
    check = (
        "import cwdb\n"
        "with cwdb.connect('x.db', migrate=False) as db:\n"
        "    print(db.schema_version)\n"
    )
    result = run(venv / "bin" / "python", "-c", check, cwd=elsewhere)

    assert result.stdout.strip() == LATEST
    assert (elsewhere / "x.db").stat().st_mode & 0o777 == 0o600
