"""Opening one psycopg connection, set up the way every cwdb connection runs.

As in ``cwdb.adapters.apsw.connection``, each setting has one reason:

* ``application_name=cwdb`` (a startup parameter PgBouncer passes on): a DBA
  sees cwdb's sessions in pg_stat_activity;
* ``lock_timeout``: a statement waits for a row or table lock at most the
  busy timeout, then fails (cwdb.BusyError) instead of waiting forever;
* ``TimeZone=UTC``: what a DBA or an error message shows of a timestamp.

The last two are ``SET`` once the connection is open (one round trip), not
startup ``options``, which PgBouncer refuses. Behind PgBouncer in
transaction mode a session's ``SET`` may land on another server connection
than the next statement, so nothing relies on it: ``transaction()`` blocks
set ``lock_timeout`` again with ``SET LOCAL`` (``psycopg/runner.py``); the
time zone changes no result (timestamps are read in binary as instants,
parameters carry their offset, and no query formats or truncates a time),
and PgBouncer keeps each client's ``TimeZone`` anyway. A lone statement
outside a block is bounded by the session's ``lock_timeout`` when connected
directly, and behind PgBouncer by the server's own (a DBA sets it for cwdb's
role: ``ALTER ROLE ... SET lock_timeout``).

Connections run in autocommit; the library opens its own transactions.
Their binary loaders read ``timestamptz`` as milliseconds since 1970 and
``jsonb`` as its text: the storage forms the shared row mappers read.
The password in a URL never reaches a message: errors show the URL through
``cwdb._redact.redact``.
"""

from __future__ import annotations

import struct
from typing import Final

import psycopg
from psycopg.adapt import AdaptersMap, Buffer, Loader
from psycopg.pq import Format

from cwdb._redact import redact
from cwdb.adapters.psycopg.translate import translate

#: Milliseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01 (UTC).
_PG_EPOCH_MS: Final = 946_684_800_000
_INT8: Final = struct.Struct(">q")


class _MillisecondsLoader(Loader):
    """Binary ``timestamptz`` (microseconds since 2000) as milliseconds since 1970."""

    format = Format.BINARY

    def load(self, data: Buffer) -> int:
        # timestamptz(3) columns hold whole milliseconds: the division is exact.
        microseconds: int = _INT8.unpack(data)[0]
        return microseconds // 1000 + _PG_EPOCH_MS


class _JsonTextLoader(Loader):
    """Binary ``jsonb`` (a version byte, then the text) as the JSON text."""

    format = Format.BINARY

    def load(self, data: Buffer) -> str:
        return bytes(data[1:]).decode()


#: The adapters of every cwdb connection: psycopg's, with the two loaders above.
ADAPTERS: Final = AdaptersMap(psycopg.adapters)
ADAPTERS.register_loader("timestamptz", _MillisecondsLoader)
ADAPTERS.register_loader("jsonb", _JsonTextLoader)


def session_settings(busy_timeout_ms: int, *, no_statement_timeout: bool = False) -> str:
    """The ``SET`` statements a cwdb connection runs once it is open (see the module doc)."""
    # lock_timeout=0 would mean "wait forever": a busy timeout of 0 waits 1 ms.
    settings = f"SET TimeZone = 'UTC'; SET lock_timeout = {max(1, int(busy_timeout_ms))}"
    return f"{settings}; SET statement_timeout = 0" if no_statement_timeout else settings


#: What ``prepare_threshold`` is when not given: no server-side prepared
#: statements, which PgBouncer before 1.21 cannot keep in transaction mode.
NO_PREPARED: Final = None


def open_connection(
    url: str,
    *,
    busy_timeout_ms: int,
    no_statement_timeout: bool = False,
    prepare_threshold: int | None = NO_PREPARED,
) -> psycopg.Connection[tuple[object, ...]]:
    """A configured autocommit connection; a failure is a cwdb.Error naming the redacted URL.

    ``no_statement_timeout`` overrides a ``statement_timeout`` that a DBA set
    for the database or role (the migrator's: its waits are bounded by
    ``busy_timeout_ms`` alone, and a migration must not be cut short by a
    limit meant for the application's queries). ``prepare_threshold`` is
    psycopg's: after how many runs on one connection a statement is
    prepared on the server (None: never).
    """
    try:
        connection = psycopg.connect(
            url,
            autocommit=True,
            application_name="cwdb",
            context=ADAPTERS,
            prepare_threshold=prepare_threshold,
        )
    except psycopg.Error as error:
        raise translate(error, context=f"cannot open database {redact(url)!r}") from error
    try:
        # One round trip in the simple protocol: several statements, no parameters.
        connection.execute(
            session_settings(busy_timeout_ms, no_statement_timeout=no_statement_timeout),
            prepare=False,
        )
    except psycopg.Error as error:
        connection.close()
        raise translate(error, context=f"cannot set up {redact(url)!r}") from error
    return connection
