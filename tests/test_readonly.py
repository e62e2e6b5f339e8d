"""``connect(path, readonly=True)``: an SQLite file opened for reading only.

Reads work; every write is a ``cwdb.Error`` saying the database is read-only,
and the file's bytes stay as they were. It never creates or migrates: a
missing or behind file is a ``MigrationError``. PostgreSQL refuses the option
and says how to read-only there (a role that may only read).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from yoyo import get_backend, read_migrations

import cwdb
from tests.support import postgres_server

ROOT = Path(__file__).resolve().parent.parent


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def stored(db_path: Path) -> tuple[Path, cwdb.Initiative]:
    """A current database file holding one initiative, closed."""
    with cwdb.connect(db_path) as db:
        made = db.initiatives.create(name="kept")
    return db_path, made


def test_a_read_only_database_reads_what_is_stored(stored: tuple[Path, cwdb.Initiative]) -> None:
    path, made = stored
    with cwdb.connect(path, readonly=True) as db:
        assert db.initiatives.find_all() == [made]
        assert db.schema_version == "0003_seed_schema"
        with db.transaction():
            assert db.initiatives.find_by_id(made.id) == made


WRITES: dict[str, Callable[[cwdb.Database, str], Any]] = {
    "create": lambda db, _: db.initiatives.create(name="new"),
    "update": lambda db, id_: db.initiatives.update(id_, name="changed"),
    "delete": lambda db, id_: db.initiatives.delete(id_),
    "in a block": lambda db, _: _write_in_block(db),
}


def _write_in_block(db: cwdb.Database) -> None:
    with db.transaction():
        db.projects.create(name="p", url="https://example.com/p.git")


@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_write_on_a_read_only_database_is_refused_and_the_file_unchanged(
    stored: tuple[Path, cwdb.Initiative], write: str
) -> None:
    path, made = stored
    before = digest(path)
    with cwdb.connect(path, readonly=True) as db:
        with pytest.raises(cwdb.Error, match="it is read-only") as raised:
            WRITES[write](db, made.id)
        assert not isinstance(raised.value, (cwdb.IntegrityError, cwdb.ValidationError))
        assert db.initiatives.find_all() == [made]
    assert digest(path) == before


def test_every_connection_of_a_read_only_database_is_read_only(
    stored: tuple[Path, cwdb.Initiative],
) -> None:
    # Each thread gets its own connection: the one opened for another thread
    # must refuse writes too.
    path, made = stored
    before = digest(path)
    with cwdb.connect(path, readonly=True) as db, ThreadPoolExecutor(1) as pool:
        assert pool.submit(db.initiatives.find_all).result() == [made]
        with pytest.raises(cwdb.Error, match="it is read-only"):
            pool.submit(db.initiatives.create, name="from a thread").result()
    assert digest(path) == before


def test_read_only_never_creates_a_missing_file(db_path: Path) -> None:
    with pytest.raises(cwdb.MigrationError, match="does not exist; missing migrations: 0001"):
        cwdb.connect(db_path, readonly=True)
    assert not db_path.exists()


def test_read_only_never_migrates_a_behind_file_and_names_what_is_missing(db_path: Path) -> None:
    with get_backend(f"apsw:///{db_path}") as backend:
        first = read_migrations(str(ROOT / "migrations"))[:1]
        backend.apply_migrations(backend.to_apply(first))
    before = digest(db_path)
    with pytest.raises(cwdb.MigrationError, match="behind; missing migrations: 0002"):
        cwdb.connect(db_path, readonly=True)  # migrate=True is the default: not applied
    assert digest(db_path) == before


def test_read_only_memory_database_is_refused() -> None:
    with pytest.raises(cwdb.ValidationError, match="readonly: a ':memory:' database"):
        cwdb.connect(":memory:", readonly=True)


def test_readonly_must_be_a_bool(stored: tuple[Path, cwdb.Initiative]) -> None:
    path, _ = stored
    before = digest(path)
    with pytest.raises(cwdb.ValidationError, match="readonly: expected True or False"):
        cwdb.connect(path, readonly="yes")  # type: ignore[arg-type]
    assert digest(path) == before


def test_a_uri_filename_asking_for_read_only_points_at_the_option(
    stored: tuple[Path, cwdb.Initiative],
) -> None:
    path, _ = stored
    with pytest.raises(cwdb.Error, match="readonly=True"):
        cwdb.connect(f"file:{path}?mode=ro")


def test_read_only_on_postgresql_is_refused_with_what_to_do_and_changes_nothing(
    pg_server: postgres_server.PostgresServer,
) -> None:
    psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")
    url = pg_server.create_database("readonly")
    with pytest.raises(cwdb.ValidationError, match="default_transaction_read_only"):
        cwdb.connect(url, readonly=True)
    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    assert tables == (0,)


@pytest.mark.asyncio
async def test_connect_async_reads_a_read_only_database_and_refuses_writes(
    stored: tuple[Path, cwdb.Initiative],
) -> None:
    path, made = stored
    before = digest(path)
    async with cwdb.connect_async(path, readonly=True) as db:
        assert await db.initiatives.find_all() == [made]
        with pytest.raises(cwdb.Error, match="it is read-only"):
            await db.initiatives.create(name="async")
    assert digest(path) == before


@pytest.mark.asyncio
async def test_connect_async_read_only_on_postgresql_is_refused(
    pg_server: postgres_server.PostgresServer,
) -> None:
    url = pg_server.create_database("readonly_async")
    with pytest.raises(cwdb.ValidationError, match="default_transaction_read_only"):
        await cwdb.connect_async(url, readonly=True)
