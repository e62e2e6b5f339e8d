"""Opening one psycopg connection, set up the way every cwdb connection runs.

As in ``cwdb.adapters.apsw.connection``, each setting has one reason, here
passed as server options when the connection opens (no SQL runs for them):

* ``TimeZone=UTC``: timestamps come back as UTC instants, as on SQLite;
* ``lock_timeout``: a statement waits for a row or table lock at most the
  busy timeout, then fails (cwdb.BusyError) instead of waiting forever;
* ``application_name=cwdb``: a DBA sees cwdb's sessions in pg_stat_activity.

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


def server_options(busy_timeout_ms: int, *, no_statement_timeout: bool = False) -> str:
    """The ``options`` a cwdb connection opens with (see the module docstring)."""
    # lock_timeout=0 would mean "wait forever": a busy timeout of 0 waits 1 ms.
    options = f"-c TimeZone=UTC -c lock_timeout={max(1, int(busy_timeout_ms))}"
    return f"{options} -c statement_timeout=0" if no_statement_timeout else options


def open_connection(
    url: str, *, busy_timeout_ms: int, no_statement_timeout: bool = False
) -> psycopg.Connection[tuple[object, ...]]:
    """A configured autocommit connection; a failure is a cwdb.Error naming the redacted URL.

    ``no_statement_timeout`` overrides a ``statement_timeout`` that a DBA set
    for the database or role (the migrator's: its waits are bounded by
    ``busy_timeout_ms`` alone, and a migration must not be cut short by a
    limit meant for the application's queries).
    """
    try:
        return psycopg.connect(
            url,
            autocommit=True,
            options=server_options(busy_timeout_ms, no_statement_timeout=no_statement_timeout),
            application_name="cwdb",
            context=ADAPTERS,
        )
    except psycopg.Error as error:
        raise translate(error, context=f"cannot open database {redact(url)!r}") from error
