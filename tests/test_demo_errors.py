"""scripts/demo.sh given a bad target prints one clear line, no traceback (issue 23)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support import postgres_server

DEMO_SH = Path(__file__).resolve().parent.parent / "scripts" / "demo.sh"


def run_demo_sh(target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DEMO_SH), target], capture_output=True, text=True, check=False, timeout=600
    )


def test_a_directory_is_one_line_naming_it(tmp_path: Path) -> None:
    result = run_demo_sh(str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr == f"demo: error: {str(tmp_path)!r} is a directory, not a database file\n"
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_postgresql_role_is_one_line_without_the_password(
    pg_server: postgres_server.PostgresServer,
) -> None:
    url = pg_server.create_database("demo_role")
    wrong = url.replace("postgres@", "no_such_role:s3cret@", 1)
    assert wrong != url
    result = run_demo_sh(wrong)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("demo: error: ")
    assert "no_such_role" in lines[0]
    assert "s3cret" not in result.stderr + result.stdout
