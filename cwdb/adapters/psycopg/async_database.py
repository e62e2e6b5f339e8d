"""Opening PostgreSQL for asyncio: ``connect_async(url)`` gives a :class:`PostgresqlAsyncDatabase`.

The async twins of the repositories over :class:`AsyncPsycopgRunner`, a
``psycopg_pool.AsyncConnectionPool`` of connections set up as the sync ones
are (``connection.py``: server options, application name, binary loaders).
``connect_async`` migrates first, as ``connect`` does, with the sync migrator
in a worker thread (once, at start); reading the schema version does the same.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

import psycopg
from psycopg_pool import AsyncConnectionPool

from cwdb._redact import redact
from cwdb.adapters.aio.database import AsyncDatabase
from cwdb.adapters.database import Clock
from cwdb.adapters.observe import count_connections
from cwdb.adapters.psycopg.async_pool import PooledConnection
from cwdb.adapters.psycopg.async_runner import AsyncConnection, AsyncPsycopgRunner
from cwdb.adapters.psycopg.connection import (
    ADAPTERS,
    NO_PREPARED,
    open_connection,
    session_settings,
)
from cwdb.adapters.psycopg.database import DEFAULT_MAX_CONNECTIONS, check_options, ensure_schema
from cwdb.adapters.psycopg.database import _check_current as check_current
from cwdb.adapters.psycopg.migrator import Migrator
from cwdb.adapters.psycopg.translate import translate
from cwdb.dialects import POSTGRESQL
from cwdb.errors import Error


class PostgresqlAsyncDatabase(AsyncDatabase):
    """A cwdb database on a PostgreSQL server, awaited from asyncio through psycopg's pool."""

    _runner: AsyncPsycopgRunner

    def __init__(self, runner: AsyncPsycopgRunner, url: str, clock: Clock | None) -> None:
        super().__init__(
            runner,
            redact(url),
            dialect=POSTGRESQL,
            clock=clock,
            busy_timeout_ms=runner.busy_timeout_ms,
        )
        self._url = url

    async def schema_version(self) -> str | None:
        """The id of the newest applied migration (read by the migrator, in a thread)."""
        self._runner.check_open()
        return await asyncio.to_thread(_schema_version, self._url, self._runner.busy_timeout_ms)

    async def backup(self, dest_path: str | os.PathLike[str]) -> None:
        """Not on PostgreSQL: a server's database is copied by ``pg_dump`` or ``cwdb copy``."""
        raise Error(
            f"backup() copies SQLite files; to copy {self.path!r} use pg_dump "
            "(pg_dump --format=custom), or `python -m cwdb copy SRC DEST` into a new database"
        )


def _configure(busy_timeout_ms: int) -> Callable[[AsyncConnection], Awaitable[None]]:
    """The pool's set-up of each new connection: the sync connections' session ``SET``."""
    settings = session_settings(busy_timeout_ms)

    async def configure(connection: AsyncConnection) -> None:
        # Several statements, no parameters: the simple protocol, never prepared.
        await connection.execute(settings, prepare=False)
        connection.set_up()

    return configure


def _schema_version(url: str, busy_timeout_ms: int) -> str | None:
    connection = open_connection(url, busy_timeout_ms=busy_timeout_ms)
    try:
        return Migrator(connection).schema_version()
    except psycopg.Error as error:
        raise translate(error, context="cannot read the schema version") from error
    finally:
        connection.close()


def _check(url: str, busy_timeout_ms: int) -> None:
    """Open one sync connection (a failure names the URL) and check the schema is current."""
    connection = open_connection(url, busy_timeout_ms=busy_timeout_ms)
    try:
        check_current(connection, redact(url))
    finally:
        connection.close()


async def connect(
    url: str,
    *,
    migrate: bool = True,
    busy_timeout_ms: int = 5000,
    clock: Clock | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    prepare_threshold: int | None = NO_PREPARED,
) -> PostgresqlAsyncDatabase:
    """Open the cwdb database at a PostgreSQL URL for asyncio (see ``cwdb.connect_async``).

    The options are the sync ``connect``'s, checked the same way:
    ``max_connections`` bounds the pool, ``prepare_threshold`` is psycopg's
    (None, the default, never prepares a statement on the server, which
    every PgBouncer allows in transaction mode).
    """
    check_options(busy_timeout_ms, max_connections, prepare_threshold)
    if migrate:
        await asyncio.to_thread(ensure_schema, url)
    else:
        await asyncio.to_thread(_check, url, busy_timeout_ms)
    pool: AsyncConnectionPool[AsyncConnection] = AsyncConnectionPool(
        url,
        connection_class=PooledConnection,
        kwargs={
            "autocommit": True,
            "application_name": "cwdb",
            "context": ADAPTERS,
            "prepare_threshold": prepare_threshold,
        },
        configure=_configure(busy_timeout_ms),
        min_size=1,
        max_size=max_connections,
        open=False,
        name="cwdb",
    )
    await pool.open()
    runner = AsyncPsycopgRunner(pool, busy_timeout_ms=busy_timeout_ms, database=redact(url))
    # The lender's count: the connections it keeps idle are idle, not used.
    count_connections(runner.lender, redact(url))
    runner.guard_loop_shutdown()
    return PostgresqlAsyncDatabase(runner, url, clock)
