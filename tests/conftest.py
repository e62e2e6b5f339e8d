"""Fixtures: a fresh in-memory database per test, file databases on demand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import cwdb
from tests.support import postgres_server
from tests.support.helpers import FakeClock

pytest_plugins = ["tests.support.tracer"]


@pytest.fixture
def db() -> Iterator[cwdb.Database]:
    """A fresh, fully migrated in-memory database."""
    with cwdb.connect(":memory:") as database:
        yield database


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clocked_db(clock: FakeClock) -> Iterator[cwdb.Database]:
    """An in-memory database whose timestamps come from ``clock``."""
    with cwdb.connect(":memory:", clock=clock) as database:
        yield database


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cw.db"


@pytest.fixture
def file_db(db_path: Path) -> Iterator[cwdb.Database]:
    """A fresh, fully migrated database file in a temporary folder."""
    with cwdb.connect(db_path) as database:
        yield database


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres_server.PostgresServer]:
    """One real PostgreSQL 15 server for the whole run, started on first use."""
    started = postgres_server.start_or_skip()
    try:
        yield started
    finally:
        started.stop()
