"""Which adapter set opens a target: an SQLite path, or a PostgreSQL URL.

``cwdb.connect`` and ``cwdb.ensure_schema`` take either. A ``postgresql://``
or ``postgres://`` URL goes to ``cwdb.adapters.psycopg``, imported only then,
so SQLite users need no psycopg; without it (the ``postgresql`` extra) such a
URL is a ``cwdb.Error`` that names it, password hidden. Everything else is a
path for ``cwdb.adapters.apsw``.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from types import ModuleType
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit

from cwdb.adapters.apsw import database as sqlite
from cwdb.adapters.database import Clock, Database
from cwdb.errors import Error

#: The URL schemes libpq accepts.
SCHEMES: Final = ("postgresql://", "postgres://")
_HIDDEN: Final = "***"
_PASSWORD_WORD: Final = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def is_postgresql_url(target: object) -> bool:
    """Whether ``connect``/``ensure_schema`` were given a PostgreSQL URL."""
    return isinstance(target, str) and target.startswith(SCHEMES)


@functools.wraps(sqlite.connect)
def connect(
    path: str | os.PathLike[str],
    *,
    migrate: bool = True,
    busy_timeout_ms: int = 5000,
    clock: Clock | None = None,
) -> Database:
    if is_postgresql_url(path):
        assert isinstance(path, str)
        opened: Database = postgresql_adapter(path, "database").connect(
            path, migrate=migrate, busy_timeout_ms=busy_timeout_ms, clock=clock
        )
        return opened
    return sqlite.connect(path, migrate=migrate, busy_timeout_ms=busy_timeout_ms, clock=clock)


@functools.wraps(sqlite.ensure_schema)
def ensure_schema(path: str | os.PathLike[str]) -> list[str]:
    if is_postgresql_url(path):
        assert isinstance(path, str)
        applied: list[str] = postgresql_adapter(path, "database").ensure_schema(path)
        return applied
    return sqlite.ensure_schema(path)


def postgresql_adapter(url: str, module: str) -> ModuleType:
    """``cwdb.adapters.psycopg.<module>``, or a cwdb.Error saying how to install psycopg."""
    try:
        adapter: ModuleType = importlib.import_module(f"cwdb.adapters.psycopg.{module}")
    except ImportError as error:
        raise Error(
            f"cannot open {_shown(url)}: PostgreSQL needs psycopg (pip install 'cwdb[postgresql]')"
        ) from error
    return adapter


def _shown(url: str) -> str:
    return repr(redact(url))


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
