"""A pytest plugin for applications built on cwdb: a fresh database per test, a settable clock.

Off unless asked for. Installing cwdb makes pytest load only
``cwdb._pytest_entry`` (the ``pytest11`` entry point), which adds the options
below and nothing else, so an application's own ``db`` or ``clock`` fixture
is never shadowed. Turn the fixtures on, as pytest-django is turned on by
its setting, with one line in ``pytest.ini`` (or ``[tool.pytest.ini_options]``)::

    [pytest]
    cwdb_testing = true

or, as for pytest's own optional plugins (``-p pytester``), with
``-p cwdb.testing`` on the command line or in ``addopts``, or
``pytest_plugins = ["cwdb.testing"]`` in the root ``conftest.py``.

Fixtures (all named ``cwdb_...``; alias one in your conftest if you like
``db``: ``@pytest.fixture def db(cwdb_db): return cwdb_db``):

``cwdb_db``
    A fresh, fully migrated, empty :class:`cwdb.Database` for each test,
    closed after it. By default a new ``":memory:"`` SQLite database (well
    under a millisecond). Given a PostgreSQL URL (``--cwdb-url URL``, else
    the environment variable ``CWDB_TEST_URL``, else the ini option
    ``cwdb_url``), that database instead: migrated once per session, and
    every cwdb table emptied before each test (the rows of a failed test
    stay for you to look at until the next one starts). Give a database
    used for nothing else: its cwdb tables are emptied without asking.
``cwdb_clock``
    A :class:`SettableClock`. When a test asks for both, ``cwdb_db`` takes
    its timestamps (and every "now" it compares against) from it.
``cwdb_url``
    The PostgreSQL URL in use, or ``None`` for ``":memory:"`` (session scope).

How a PostgreSQL database is emptied: ``cwdb.adapters.psycopg.testing``.
One database serves one pytest process; under pytest-xdist give each worker
its own URL.

An asyncio twin (``cwdb_async_db`` over ``cwdb.connect_async``) will come
with the asyncio API.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pytest

import cwdb
from cwdb._redact import redact
from cwdb.dialects import POSTGRESQL, dialect_for

#: Where ``cwdb_db`` looks for a PostgreSQL URL after ``--cwdb-url``.
URL_VARIABLE: Final = "CWDB_TEST_URL"
#: The first instant of a :class:`SettableClock` that was given none.
DEFAULT_START: Final = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class SettableClock:
    """A clock the test moves by hand, for ``cwdb.connect(..., clock=...)``.

    Calling it returns the current instant; it never moves by itself.
    Datetimes must be timezone-aware (cwdb stores them to the millisecond).
    """

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._now = _aware(start)

    def __call__(self) -> datetime:
        return self._now

    def __repr__(self) -> str:
        return f"SettableClock({self._now.isoformat()})"

    @property
    def now(self) -> datetime:
        """The instant the clock shows."""
        return self._now

    def set(self, when: datetime) -> datetime:
        """Show ``when`` from now on (earlier instants are allowed); returns it."""
        self._now = _aware(when)
        return self._now

    def advance(self, delta: timedelta | None = None, /, **parts: float) -> datetime:
        """Move by ``delta`` or ``timedelta(**parts)`` (``seconds=5``); returns the new instant."""
        self._now += (delta or timedelta()) + timedelta(**parts)
        return self._now


def _aware(when: datetime) -> datetime:
    if not isinstance(when, datetime) or when.utcoffset() is None:
        raise ValueError(f"the clock needs a timezone-aware datetime, got {when!r}")
    return when


def add_options(parser: pytest.Parser) -> None:
    """The command-line and ini options; added once, by whichever module pytest loads first."""
    group = parser.getgroup("cwdb", "cwdb test databases (cwdb.testing)")
    group.addoption(
        "--cwdb-url",
        default=None,
        metavar="URL",
        help=f"PostgreSQL database for cwdb_db, emptied before each test "
        f"(default: ${URL_VARIABLE}, else the ini option cwdb_url, else ':memory:')",
    )
    parser.addini(
        "cwdb_testing",
        type="bool",
        default=False,
        help="turn on cwdb's fixtures (cwdb_db, cwdb_clock, cwdb_url)",
    )
    parser.addini("cwdb_url", help="PostgreSQL database for cwdb_db (see --cwdb-url)")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    # Loaded after the entry point (ini option, conftest): the entry point added them.
    entry = sys.modules.get("cwdb._pytest_entry")
    if entry is None or not pluginmanager.is_registered(entry):
        add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    configured_url(config)  # a URL that is not PostgreSQL's stops the run before any test


def configured_url(config: pytest.Config) -> str | None:
    """The PostgreSQL URL chosen by option, environment or ini; ``None`` for ``:memory:``."""
    option = config.getoption("cwdb_url", default=None)
    ini = config.getini("cwdb_url") if _has_ini(config, "cwdb_url") else ""
    url = option or os.environ.get(URL_VARIABLE, "").strip() or str(ini or "").strip() or None
    if url is not None and not _is_postgresql(url):
        raise pytest.UsageError(
            f"cwdb.testing: {redact(url)!r} is not a PostgreSQL URL (postgresql://...); "
            "leave it out for a fresh ':memory:' database per test"
        )
    return url


def _is_postgresql(url: str) -> bool:
    try:
        return dialect_for(url).dialect is POSTGRESQL
    except cwdb.Error:  # an unsupported URL scheme
        return False


def _has_ini(config: pytest.Config, name: str) -> bool:
    try:
        config.getini(name)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="session")
def cwdb_url(pytestconfig: pytest.Config) -> str | None:
    """The PostgreSQL database ``cwdb_db`` opens, or ``None`` for a fresh ``:memory:`` one."""
    return configured_url(pytestconfig)


@pytest.fixture
def cwdb_clock() -> SettableClock:
    """A clock the test sets and advances; ``cwdb_db`` uses it when the test takes both."""
    return SettableClock()


@pytest.fixture(scope="session")
def _cwdb_postgresql(cwdb_url: str | None) -> Iterator[Any]:
    if cwdb_url is None:
        yield None
        return
    try:
        # Imported only here: SQLite users need no psycopg.
        from cwdb.adapters.psycopg.testing import EmptiedDatabase
    except ImportError as error:
        raise cwdb.Error(
            "cwdb.testing: a PostgreSQL test database needs psycopg "
            "(pip install 'cwdb[postgresql]')"
        ) from error
    database = EmptiedDatabase(cwdb_url)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def cwdb_db(request: pytest.FixtureRequest, _cwdb_postgresql: Any) -> Iterator[cwdb.Database]:
    """A fresh, migrated, empty database for this test (``:memory:`` or the emptied URL)."""
    clock = request.getfixturevalue("cwdb_clock") if "cwdb_clock" in request.fixturenames else None
    if _cwdb_postgresql is None:
        opened = cwdb.connect(":memory:", clock=clock)
    else:
        _cwdb_postgresql.empty()
        opened = cwdb.connect(_cwdb_postgresql.url, migrate=False, clock=clock)
    with opened as database:
        yield database
