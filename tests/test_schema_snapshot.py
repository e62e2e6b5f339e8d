"""schema.sql is exactly what the migrations build (regenerate: scripts/update_schema.py)."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
from pathlib import Path

from cwdb._resources import resource_dir
from cwdb.adapters.migration_files import read_migrations
from cwdb.ops.sqlite.schema_snapshot import current_schema_text
from tests.support import tracer

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "schema.sql"


def stale_lines(snapshot: str, built: str) -> list[str]:
    """The diff from the snapshot to what the migrations build; empty when current."""
    return list(
        difflib.unified_diff(
            snapshot.splitlines(), built.splitlines(), "schema.sql", "migrations/", lineterm=""
        )
    )


def test_schema_sql_is_what_the_migrations_build() -> None:
    diff = stale_lines(SNAPSHOT.read_text(encoding="utf-8"), current_schema_text())
    stale = "schema.sql is stale: run python scripts/update_schema.py\n"
    assert diff == [], stale + "\n".join(diff)


def test_a_snapshot_missing_a_new_migration_is_caught(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(resource_dir("migrations"), folder)
    (folder / "0999_more.sql").write_text("CREATE INDEX tasks_name_idx ON tasks (name);\n")
    (folder / "0999_more.rollback.sql").write_text("DROP INDEX tasks_name_idx;\n")
    tracer.allow_migrations(folder)
    built = current_schema_text(read_migrations(folder))
    diff = stale_lines(SNAPSHOT.read_text(encoding="utf-8"), built)
    assert "+CREATE INDEX tasks_name_idx ON tasks (name);" in diff


def test_a_hand_edited_snapshot_is_caught() -> None:
    edited = SNAPSHOT.read_text(encoding="utf-8").replace("STRICT;", ";", 1)
    assert stale_lines(edited, current_schema_text()) != []


def test_the_snapshot_leaves_out_sqlite_and_yoyo_internals() -> None:
    text = current_schema_text()
    for internal in ("sqlite_autoindex", "sqlite_stat", "_yoyo_", "yoyo_lock"):
        assert internal not in text
    assert "CREATE TABLE initiatives (" in text


def test_the_snapshot_is_the_same_every_time() -> None:
    assert current_schema_text() == current_schema_text()


def test_the_script_writes_the_snapshot_and_checks_it(tmp_path: Path) -> None:
    output = tmp_path / "schema.sql"
    script = [sys.executable, str(ROOT / "scripts" / "update_schema.py"), "--output", str(output)]
    subprocess.run(script, check=True, capture_output=True)
    assert output.read_text(encoding="utf-8") == current_schema_text()
    assert subprocess.run([*script, "--check"], capture_output=True, check=False).returncode == 0
    output.write_text("-- stale\n")
    assert subprocess.run([*script, "--check"], capture_output=True, check=False).returncode == 1
