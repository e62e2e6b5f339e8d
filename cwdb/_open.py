"""``cwdb.connect`` and ``cwdb.ensure_schema``: a target's dialect opens it.

The target (a path, ``":memory:"`` or a URL) is mapped to its dialect in one
place, :func:`cwdb.dialects.dialect_for`; the dialect imports its driver only
then, so SQLite users need no psycopg.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from cwdb.adapters.database import Database, check_busy_timeout
from cwdb.adapters.observe import check_slow_query_ms
from cwdb.dialects import Clock, dialect_for
from cwdb.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from cwdb.adapters.aio.database import AsyncDatabase, Opening


def connect(
    target: str | os.PathLike[str],
    *,
    migrate: bool = True,
    busy_timeout_ms: int = 5000,
    clock: Clock | None = None,
    slow_query_ms: float | None = 100,
    readonly: bool = False,
    **options: Any,
) -> Database:
    """Open a cwdb database, by default creating and migrating it first.

    ``target`` is one of:

    * an SQLite file path (``str`` or ``os.PathLike``), or ``sqlite:///path``
      / ``apsw:///path`` (yoyo's forms). A missing file is created with mode
      0600, since the database stores credentials; an existing file readable
      by group or others is logged as a warning.
    * ``":memory:"``: a fresh in-memory SQLite database with the full schema,
      shared by the threads that use the returned ``Database``.
    * a PostgreSQL URL (``postgresql://user@host:5432/db``, ``postgres://``,
      or yoyo's ``postgresql+psycopg://``), with the ``postgresql`` extra
      (``pip install "cwdb[postgresql]"``); query parameters such as
      ``sslmode`` pass through to libpq. A password in it never appears in an
      error, a ``repr`` or a log line.

    Any other URL scheme is a ``cwdb.Error``.

    ``migrate`` True applies the pending migrations first (as
    :func:`ensure_schema`); False opens without creating or migrating
    anything, and a missing or behind database is a ``MigrationError``
    listing every missing migration. ``busy_timeout_ms`` is how long a call
    waits for a lock (a whole number of milliseconds, 0 or more) before
    ``BusyError``. ``clock`` is a callable returning an aware ``datetime``:
    every timestamp the library writes, and every "now" it compares against,
    comes from it (default: the system clock, in UTC). ``slow_query_ms``:
    a statement that takes this many milliseconds or longer logs a WARNING
    on the logger ``cwdb.sql`` (None: never; docs/reference.md §9).
    ``readonly`` True opens an existing SQLite file for reading only (and
    never migrates it: a behind schema is a ``MigrationError``); every write
    is a ``cwdb.Error`` and the file stays unchanged. On PostgreSQL it is a
    ``ValidationError``: connect as a role that may only read.
    PostgreSQL takes further options (docs/reference.md §9).

    A target that cannot be opened is a ``cwdb.Error`` naming it.
    """
    opened = dialect_for(target)
    check_busy_timeout(busy_timeout_ms)
    check_slow_query_ms(slow_query_ms)
    _take_readonly(readonly, options)
    db = opened.dialect.connect(
        opened.location, migrate=migrate, busy_timeout_ms=busy_timeout_ms, clock=clock, **options
    )
    db.slow_query_ms = slow_query_ms
    return db


def connect_async(
    target: str | os.PathLike[str],
    *,
    migrate: bool = True,
    busy_timeout_ms: int = 5000,
    clock: Clock | None = None,
    slow_query_ms: float | None = 100,
    readonly: bool = False,
    **options: Any,
) -> Opening:
    """Open a cwdb database for asyncio: ``await`` it, or ``async with`` it.

    Takes what :func:`connect` takes and gives an :class:`AsyncDatabase`
    (docs/reference.md §10): the same 14 repositories, each method a
    coroutine function. Like ``connect`` it migrates first when ``migrate``
    is True (on a worker thread: the event loop does not wait). On
    PostgreSQL the calls are native asyncio over a pool of at most
    ``max_connections`` connections (default 10; ``prepare_threshold`` as
    for ``connect``); on SQLite they run on
    ``workers`` threads (default 4) that the ``AsyncDatabase`` owns.
    ``async with`` closes it on exit (``aclose()``). ``slow_query_ms`` and
    ``readonly`` as for ``connect``.
    """
    # Imported here: asyncio and the async twins cost 0.1 s at import, which
    # `import cwdb` does not pay for programs that never open one.
    from cwdb.adapters.aio.database import Opening

    opened = dialect_for(target)
    check_busy_timeout(busy_timeout_ms)
    check_slow_query_ms(slow_query_ms)
    _take_readonly(readonly, options)
    opening = opened.dialect.connect_async(
        opened.location, migrate=migrate, busy_timeout_ms=busy_timeout_ms, clock=clock, **options
    )
    return Opening(_watched(opening, slow_query_ms))


async def _watched(opening: Awaitable[AsyncDatabase], slow_query_ms: float | None) -> AsyncDatabase:
    """The opened ``AsyncDatabase``, its ``slow_query_ms`` set (as ``connect`` sets it)."""
    db = await opening
    db.slow_query_ms = slow_query_ms
    return db


def _take_readonly(readonly: object, options: dict[str, Any]) -> None:
    """Pass ``readonly=True`` on to the dialect; it is a bool (``ValidationError``)."""
    if type(readonly) is not bool:
        raise ValidationError(f"readonly: expected True or False, got {readonly!r}")
    if readonly:
        options["readonly"] = True


def ensure_schema(target: str | os.PathLike[str]) -> list[str]:
    """Apply the pending migrations to the database at ``target``; their ids.

    ``target`` is an SQLite file path or a PostgreSQL URL, as for
    :func:`connect`. Creates a missing SQLite file (mode 0600). Each
    migration commits together with its record in yoyo's tables, so ``yoyo
    list`` and ``yoyo rollback`` see it; a failed migration leaves the
    database as it was (``MigrationError``). Idempotent (an empty list when
    up to date) and safe when several processes call it at once.
    ``":memory:"`` is a ``ValueError``: ``connect(":memory:")`` migrates
    itself.
    """
    opened = dialect_for(target)
    return opened.dialect.ensure_schema(opened.location)
