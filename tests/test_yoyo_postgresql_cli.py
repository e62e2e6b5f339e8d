"""The ``yoyo`` command line on PostgreSQL, from the checkout (issue 23, item 7).

The checkout's ``yoyo.ini`` names SQLite's ``migrations/``: yoyo 9 reads
``sources`` from it before it looks at ``--database``, and has no setting per
database, so a PostgreSQL operator names ``migrations/postgresql``, as the
README shows. These tests run the real ``yoyo`` against a real server.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import cwdb
from tests.support import postgres_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")

ROOT = Path(__file__).resolve().parent.parent
YOYO = Path(sys.executable).parent / "yoyo"
IDS = ["0001_initial_schema", "0002_log_chunks_agent_order", "0003_seed_schema"]


@pytest.fixture
def url(pg_server: postgres_server.PostgresServer) -> str:
    return pg_server.create_database("yoyo_cli")


def yoyo(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``yoyo`` run from the checkout's root (where it finds ``yoyo.ini``) or ``cwd``."""
    return subprocess.run(
        [str(YOYO), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def tables(url: str) -> list[str]:
    with psycopg.connect(url) as connection:
        rows: list[Any] = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    return [row[0] for row in rows]


def test_yoyo_apply_with_the_postgresql_folder_migrates_what_cwdb_opens(url: str) -> None:
    done = yoyo("apply", "-b", "--database", postgres_server.yoyo_url(url), "migrations/postgresql")
    assert done.returncode == 0, done.stderr
    with psycopg.connect(url) as connection:
        applied = [row[0] for row in connection.execute("SELECT migration_id FROM _yoyo_migration")]
    assert sorted(applied) == IDS
    with cwdb.connect(url, migrate=False) as db:
        assert db.schema_version == IDS[-1]


def test_yoyo_ini_alone_gives_sqlites_migrations_which_postgresql_refuses_unchanged(
    url: str,
) -> None:
    # The README's warning, pinned: should yoyo learn sources per database, this fails
    # and yoyo.ini can name migrations/postgresql for PostgreSQL URLs.
    refused = yoyo("apply", "-b", "--database", postgres_server.yoyo_url(url))
    assert refused.returncode != 0
    assert 'syntax error at or near "STRICT"' in refused.stderr
    assert [name for name in tables(url) if "yoyo" not in name] == []


def test_yoyo_apply_from_the_installed_package_needs_no_checkout(url: str, tmp_path: Path) -> None:
    # An operator's command without a checkout (no yoyo.ini where it runs).
    source = "package:cwdb:migrations/postgresql"
    done = yoyo("apply", "-b", "--database", postgres_server.yoyo_url(url), source, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with cwdb.connect(url, migrate=False) as db:
        assert db.schema_version == IDS[-1]
