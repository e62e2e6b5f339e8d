"""Landed migrations never change: migrations/landed.sha256 freezes every file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cwdb._resources import resource_dir
from cwdb.ops.landed import (
    LANDED_FILE,
    landed_problems,
    landing_lines,
    read_landed,
)

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "land_migrations.py"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of migrations/ with every file landed (whatever the checkout holds)."""
    folder = tmp_path / "migrations"
    shutil.copytree(resource_dir("migrations"), folder)
    with (folder / LANDED_FILE).open("a") as landed:
        landed.writelines(f"{line}\n" for line in landing_lines(folder))
    assert landed_problems(folder) == []
    return folder


def land(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), "--folder", str(folder), *options]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("dialect", ["", "postgresql"], ids=["sqlite", "postgresql"])
def test_every_migration_file_has_landed_unchanged(dialect: str) -> None:
    assert landed_problems(resource_dir("migrations") / dialect) == []


@pytest.mark.parametrize("dialect", ["", "postgresql"], ids=["sqlite", "postgresql"])
def test_every_shipped_migration_has_landed(dialect: str) -> None:
    landed = read_landed(resource_dir("migrations") / dialect)
    assert {"0001_initial_schema.sql", "0001_initial_schema.rollback.sql"} <= set(landed)
    assert {"0003_seed_schema.sql", "0003_seed_schema.rollback.sql"} <= set(landed)


def test_editing_a_landed_migration_is_caught(copy: Path) -> None:
    migration = copy / "0001_initial_schema.sql"
    migration.write_text(migration.read_text() + "\nCREATE INDEX extra ON tasks (name);\n")
    assert landed_problems(copy) == [
        "0001_initial_schema.sql has landed and must not change (its sha256 differs)"
    ]


def test_an_unlisted_migration_is_caught(copy: Path) -> None:
    (copy / "0999_new.sql").write_text("CREATE INDEX extra ON tasks (name);\n")
    assert "0999_new.sql is not listed in landed.sha256 (run scripts/land_migrations.py)" in (
        landed_problems(copy)
    )


def test_a_landed_migration_that_disappears_is_caught(copy: Path) -> None:
    (copy / "0001_initial_schema.rollback.sql").unlink()
    assert "0001_initial_schema.rollback.sql has landed but is missing" in landed_problems(copy)


def test_the_script_appends_new_files_and_keeps_existing_lines(copy: Path) -> None:
    before = (copy / LANDED_FILE).read_text()
    (copy / "0999_new.sql").write_text("CREATE INDEX extra ON tasks (name);\n")
    (copy / "0999_new.rollback.sql").write_text("DROP INDEX extra;\n")
    assert land(copy, "--check").returncode == 1
    assert land(copy).returncode == 0
    after = (copy / LANDED_FILE).read_text()
    assert after.startswith(before)
    assert after.count("\n") == before.count("\n") + 2
    assert landed_problems(copy) == []
    assert land(copy, "--check").returncode == 0


def test_the_script_refuses_to_land_over_a_changed_file(copy: Path) -> None:
    before = (copy / LANDED_FILE).read_text()
    (copy / "0001_initial_schema.rollback.sql").write_text("SELECT 1;\n")
    (copy / "0999_new.sql").write_text("CREATE INDEX extra ON tasks (name);\n")
    done = land(copy)
    assert done.returncode == 1
    assert "0001_initial_schema.rollback.sql has landed and must not change" in done.stdout
    assert (copy / LANDED_FILE).read_text() == before


def test_the_list_is_in_sha256sum_format(copy: Path) -> None:
    done = subprocess.run(
        ["sha256sum", "--check", "--strict", LANDED_FILE],
        cwd=copy,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0
