"""Opening one psycopg connection, set up the way every cwdb connection runs.

As in ``cwdb.adapters.apsw.connection``, each setting has one reason, here
passed as server options when the connection opens (no SQL runs for them):

* ``TimeZone=UTC``: timestamps come back as UTC instants, as on SQLite;
* ``lock_timeout``: a statement waits for a row or table lock at most the
  busy timeout, then fails (cwdb.BusyError) instead of waiting forever;
* ``application_name=cwdb``: a DBA sees cwdb's sessions in pg_stat_activity.

Connections run in autocommit; the library opens its own transactions.
The password in a URL never leaves this module: errors and reprs use
:func:`redact`.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg

from cwdb.adapters.psycopg.translate import translate

#: The URL schemes libpq accepts.
SCHEMES: Final = ("postgresql://", "postgres://")
_HIDDEN: Final = "***"
_PASSWORD_WORD: Final = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def is_postgresql_url(target: object) -> bool:
    """Whether ``connect``/``ensure_schema`` were given a PostgreSQL URL."""
    return isinstance(target, str) and target.startswith(SCHEMES)


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``, for messages and reprs."""
    if not url.startswith(SCHEMES):
        return _PASSWORD_WORD.sub(rf"\g<1>{_HIDDEN}", url)
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostinfo = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = f"{userinfo.split(':', 1)[0]}:{_HIDDEN}"
        netloc = f"{userinfo}@{hostinfo}"
    query = [
        (key, _HIDDEN if key.lower() == "password" else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    # Built by hand: urlunsplit drops the empty host of "postgresql:///db".
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    if query:
        shown += "?" + urlencode(query, safe="/*")
    return shown + (f"#{parts.fragment}" if parts.fragment else "")


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
