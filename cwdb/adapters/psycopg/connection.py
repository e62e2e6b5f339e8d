"""Opening one psycopg connection, set up the way every cwdb connection runs.

As in ``cwdb.adapters.apsw.connection``, each setting has one reason, here
passed as server options when the connection opens (no SQL runs for them):

* ``TimeZone=UTC``: timestamps come back as UTC instants, as on SQLite;
* ``lock_timeout``: a statement waits for a row or table lock at most the
  busy timeout, then fails (cwdb.BusyError) instead of waiting forever;
* ``application_name=cwdb``: a DBA sees cwdb's sessions in pg_stat_activity.

Connections run in autocommit; the library opens its own transactions.
The password in a URL never reaches a message: errors show the URL through
``cwdb._open.redact``.
"""

from __future__ import annotations

import psycopg

from cwdb._open import redact
from cwdb.adapters.psycopg.translate import translate


def server_options(busy_timeout_ms: int) -> str:
    """The ``options`` a cwdb connection opens with (see the module docstring)."""
    return f"-c TimeZone=UTC -c lock_timeout={int(busy_timeout_ms)}"


def open_connection(url: str, *, busy_timeout_ms: int) -> psycopg.Connection[tuple[object, ...]]:
    """A configured autocommit connection; a failure is a cwdb.Error naming the redacted URL."""
    try:
        return psycopg.connect(
            url,
            autocommit=True,
            options=server_options(busy_timeout_ms),
            application_name="cwdb",
        )
    except psycopg.Error as error:
        raise translate(error, context=f"cannot open database {redact(url)!r}") from error
