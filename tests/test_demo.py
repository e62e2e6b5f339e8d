"""The README's main job: scripts/demo.py migrates a database and uses all 14 repositories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cwdb
from tests.support import postgres_server

DEMO = Path(__file__).resolve().parent.parent / "scripts" / "demo.py"
REPOSITORIES = (
    "initiatives", "projects", "phases", "tasks", "accounts", "agents", "log_chunks",
    "conversations", "messages", "proposals", "pages", "review_comments", "chat_sessions",
    "errands",
)  # fmt: skip


def run_demo(path: Path | str) -> str:
    result = subprocess.run(
        [sys.executable, str(DEMO), str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_demo_migrates_a_new_file_and_touches_every_repository(tmp_path: Path) -> None:
    output = run_demo(tmp_path / "cw.db")
    assert "applied ['0001_initial_schema'" in output
    for repository in REPOSITORIES:
        assert repository in output, repository
    assert "credentials hidden: True" in output
    with cwdb.connect(tmp_path / "cw.db", migrate=False) as db:
        assert len(db.initiatives.find_by_status("completed")) == 1
        assert len(db.log_chunks.find_by_agent_ids(a.id for a in db.agents.find_all())) == 50


def test_the_demo_runs_again_on_the_same_file(tmp_path: Path) -> None:
    run_demo(tmp_path / "cw.db")
    output = run_demo(tmp_path / "cw.db")
    assert "nothing (up to date)" in output
    assert "2 completed initiative(s)" in output


def test_the_demo_runs_on_postgresql_and_hides_the_password(
    pg_server: postgres_server.PostgresServer,
) -> None:
    url = pg_server.create_database("demo")
    # The test server trusts local connections: the password is only there to be hidden.
    secret = url.replace("postgres@", "postgres:demo-s3cret@", 1)
    output = run_demo(secret)
    assert "demo-s3cret" not in output
    assert "postgres:***@" in output
    for repository in REPOSITORIES:
        assert repository in output, repository
    with cwdb.connect(url, migrate=False) as db:
        assert len(db.initiatives.find_by_status("completed")) == 1
        assert len(db.log_chunks.find_by_agent_ids(a.id for a in db.agents.find_all())) == 50
