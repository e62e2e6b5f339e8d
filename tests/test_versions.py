"""cwdb.__version__ and db.schema_version (docs/reference.md §8)."""

from __future__ import annotations

import configparser
import importlib.metadata
from pathlib import Path

import cwdb

ROOT = Path(__file__).resolve().parent.parent


def newest_migration_id() -> str:
    names = sorted(p.name for p in (ROOT / "migrations").glob("*.sql"))
    return [n for n in names if not n.endswith(".rollback.sql")][-1].removesuffix(".sql")


def test_version_is_the_installed_package_version() -> None:
    assert cwdb.__version__ == importlib.metadata.version("cwdb")


def test_version_is_the_one_setup_cfg_declares() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    assert cwdb.__version__ == config["metadata"]["version"]


def test_schema_version_of_a_memory_database_is_the_newest_migration(db: cwdb.Database) -> None:
    assert db.schema_version == newest_migration_id()


def test_schema_version_of_a_migrated_file_is_the_newest_migration(db_path: Path) -> None:
    applied = cwdb.ensure_schema(db_path)
    with cwdb.connect(db_path, migrate=False) as db:
        assert db.schema_version == applied[-1] == newest_migration_id()
