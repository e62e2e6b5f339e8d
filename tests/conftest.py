"""Fixtures: a fresh database per test on each backend, file databases on demand.

``db`` and ``clocked_db`` run every test that takes them three times,
``[sqlite]`` (a fresh in-memory database), ``[postgresql]`` (the one migrated
database of the session on a real PostgreSQL 15 server, emptied before the
test: ``helpers.PostgresSuite``) and ``[pgbouncer]`` (the same database,
reached through PgBouncer in transaction-pooling mode:
``support/pgbouncer.py``). Which backends run:
``--backend=sqlite|postgresql|pgbouncer|both|all`` (``both``: SQLite and
PostgreSQL directly), or the environment variable ``CWDB_TEST_BACKEND`` (the
option wins); all by default. A test about SQLite itself carries
``@pytest.mark.sqlite_only(reason)`` and runs as ``[sqlite]`` only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import cwdb
from tests.support import async_facade, helpers, pg_tracer, pgbouncer, postgres_server
from tests.support.helpers import FakeClock

pytest_plugins = ["tests.support.tracer", "tests.support.otel"]

BACKENDS = ("sqlite", "postgresql", "pgbouncer")
_ENV = "CWDB_TEST_BACKEND"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=(*BACKENDS, "both", "all"),
        default=None,
        help=f"which backends the db/clocked_db tests run on (default: ${_ENV}, else all)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): a test about SQLite itself; with db/clocked_db it runs as "
        "[sqlite] only (the reason says why it cannot hold on PostgreSQL)",
    )
    config.addinivalue_line(
        "markers",
        "async_too: db/clocked_db also run as [sqlite-async] and [postgresql-async]: the "
        "same test through cwdb.connect_async (tests/support/async_facade.py)",
    )
    config.addinivalue_line(
        "markers",
        "sync_only(reason): in an async_too module, a test that reaches into the sync "
        "adapter's internals (the reason says which): no [*-async] cases",
    )
    chosen = selected_backends(config)
    config.stash[_SELECTED] = chosen


_SELECTED = pytest.StashKey[tuple[str, ...]]()
_SUITE = pytest.StashKey[helpers.PostgresSuite]()
#: (statements cwdb ran on the session's server, the ones not verbatim from the files).
_PG_TRACE = pytest.StashKey[tuple[int, list[str]]]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A statement on the PostgreSQL server not verbatim from the files fails the run."""
    _, wrong = session.config.stash.get(_PG_TRACE, (0, []))
    if wrong and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The PostgreSQL statement record; how long [postgresql] tests waited for their database."""
    if _PG_TRACE in config.stash:
        ran, wrong = config.stash[_PG_TRACE]
        if not wrong:
            terminalreporter.write_line(
                f"postgresql statement record: {ran} statements of cwdb's connections, "
                "all verbatim from sql/postgresql/ or migrations/postgresql/"
            )
        else:
            terminalreporter.section("PostgreSQL statements not verbatim from the files", red=True)
            for statement in wrong:
                terminalreporter.write_line(statement)
            terminalreporter.write_line("FAILED: tests/support/pg_tracer.py", red=True)
    suite = config.stash.get(_SUITE, None)
    if suite is not None and suite.opened:
        terminalreporter.write_line(
            f"postgresql test database: opened {suite.opened} times, "
            f"{suite.overhead / suite.opened * 1000:.1f} ms each (emptied + connect)"
        )


def selected_backends(config: pytest.Config) -> tuple[str, ...]:
    """The backends chosen by --backend, else CWDB_TEST_BACKEND, else all."""
    value = config.getoption("backend") or os.environ.get(_ENV, "").strip() or "all"
    if value == "all":
        return BACKENDS
    if value == "both":
        return ("sqlite", "postgresql")
    if value not in BACKENDS:
        raise pytest.UsageError(
            f"{_ENV}={value!r}: expected sqlite, postgresql, pgbouncer, both or all"
        )
    return (value,)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that (through its fixtures) asks for ``db_backend`` runs once per backend."""
    if "db_backend" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.stash[_SELECTED]
    marker = metafunc.definition.get_closest_marker("sqlite_only")
    if marker is not None:
        if not marker.args or not isinstance(marker.args[0], str):
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason")
        chosen = tuple(b for b in chosen if b == "sqlite")
    if not chosen:
        # SQLite-only, and only PostgreSQL chosen: one skipped case with the reason.
        reason = f"SQLite only ({marker.args[0] if marker else ''}); --backend excludes sqlite"
        metafunc.parametrize("db_backend", [pytest.param("sqlite", marks=pytest.mark.skip(reason))])
        return
    async_too = metafunc.definition.get_closest_marker("async_too") is not None
    if marker is None and async_too and metafunc.definition.get_closest_marker("sync_only") is None:
        asyncs = (f"{backend}-async" for backend in chosen if backend in ("sqlite", "postgresql"))
        chosen = (*chosen, *asyncs)
    metafunc.parametrize("db_backend", chosen, scope="function")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test opens its own database: an SQLite file, or the session's PostgreSQL emptied."""
    if request.param not in request.config.stash[_SELECTED]:
        pytest.skip(f"--backend excludes {request.param}")
    if request.param == "sqlite":
        return str(tmp_path / "cw.db")
    suite: helpers.PostgresSuite = request.getfixturevalue("pg_suite")
    suite.connection.execute(suite._empty)
    return suite.url


@pytest.fixture
def db_backend() -> str:
    """Replaced by ``pytest_generate_tests``: ``"sqlite"`` or ``"postgresql"``."""
    return "sqlite"


@pytest.fixture(scope="session")
def pg_server(pytestconfig: pytest.Config) -> Iterator[postgres_server.PostgresServer]:
    """One real PostgreSQL 15 server for the whole run, started on first use.

    It logs every statement (``pg_tracer``); before it stops, the log is
    checked: every statement of cwdb's connections must come from the files.
    """
    started = postgres_server.start_or_skip()
    try:
        started.configure(pg_tracer.settings())
        yield started
        pg_tracer.learn_yoyo(started.create_database("yoyo_vocabulary"))
        pytestconfig.stash[_PG_TRACE] = pg_tracer.problems(started.folder / "server.log")
    finally:
        started.stop()


@pytest.fixture(scope="session")
def pg_suite(
    request: pytest.FixtureRequest, pg_server: postgres_server.PostgresServer
) -> Iterator[helpers.PostgresSuite]:
    """The session's one migrated database for ``db[postgresql]``, and how to empty it."""
    url = pg_server.create_database("suite")
    cwdb.ensure_schema(url)
    suite = helpers.PostgresSuite(url)
    request.config.stash[_SUITE] = suite
    try:
        yield suite
    finally:
        suite.close()


@pytest.fixture(scope="session")
def pg_bouncer(pg_server: postgres_server.PostgresServer) -> Iterator[pgbouncer.PgBouncer]:
    """PgBouncer in transaction-pooling mode before the session's server, started on first use."""
    started = pgbouncer.start_or_skip(pg_server)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def pg_bouncer_suite(
    pg_suite: helpers.PostgresSuite, pg_bouncer: pgbouncer.PgBouncer
) -> helpers.PostgresSuite:
    """The session's database for ``db[pgbouncer]``: the same one, opened through PgBouncer."""
    return pg_suite.through(pg_bouncer.url(pg_suite.url))


@contextmanager
def _open(
    request: pytest.FixtureRequest, db_backend: str, clock: Callable[[], Any] | None
) -> Iterator[cwdb.Database]:
    if db_backend == "sqlite":
        with cwdb.connect(":memory:", clock=clock) as database:
            yield database
        return
    if db_backend == "sqlite-async":
        with async_facade.opened(lambda: cwdb.connect_async(":memory:", clock=clock)) as facade:
            facade._runner = facade.adb._runner.sync  # type: ignore[attr-defined]
            yield facade  # type: ignore[misc]
        return
    fixture = "pg_bouncer_suite" if db_backend == "pgbouncer" else "pg_suite"
    suite: helpers.PostgresSuite = request.getfixturevalue(fixture)
    if db_backend == "postgresql-async":
        with async_facade.opened(lambda: suite.connect_async(clock=clock)) as facade:
            suite.register(facade)
            yield facade  # type: ignore[misc]
        return
    with suite.connect(clock=clock) as database:
        yield database


@pytest.fixture
def db(request: pytest.FixtureRequest, db_backend: str) -> Iterator[cwdb.Database]:
    """A fresh, fully migrated, empty database on ``db_backend``."""
    with _open(request, db_backend, None) as database:
        yield database


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clocked_db(
    request: pytest.FixtureRequest, db_backend: str, clock: FakeClock
) -> Iterator[cwdb.Database]:
    """A fresh database on ``db_backend`` whose timestamps come from ``clock``."""
    with _open(request, db_backend, clock) as database:
        yield database


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cw.db"


@pytest.fixture
def file_db(db_path: Path) -> Iterator[cwdb.Database]:
    """A fresh, fully migrated database file in a temporary folder."""
    with cwdb.connect(db_path) as database:
        yield database
