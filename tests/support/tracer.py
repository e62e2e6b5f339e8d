"""pytest plugin: every statement cwdb runs comes verbatim from sql/ or migrations/.

docs/reference.md §6: "Every statement the library runs comes verbatim from `sql/` or
`migrations/`; no SQL text is built at run time. Statements that yoyo itself
generates, where cwdb calls yoyo, are yoyo's." For the whole test session
an ``apsw.connection_hooks`` hook puts an exec tracer on every connection that
cwdb itself opens, and records each statement text (with the names of the
parameters it was bound with). When the session ends, the run fails if any
recorded statement is not:

* the SQL of a named query of ``sql/``, exactly, bound with exactly that
  query's named parameters (extra or missing names mean the adapter and the
  file disagree);
* the SQL of a named query of a file a test registers with
  :func:`allow_queries` (an application's own queries, ``db.load_queries``),
  under the same rule;
* a piece of a file of ``migrations/`` (a migration runs as one script and
  SQLite reports it statement by statement), or of a folder a test registers
  with :func:`allow_migrations`;
* transaction control or a PRAGMA (:data:`EXEMPT`), as docs/reference.md §7 lists;
* or yoyo's own (below), counted apart.

Which connections are cwdb's: the hook looks at the Python stack that
creates the connection, at the unbroken run of frames inside the ``cwdb``
package that leads to ``apsw.Connection(...)``:

* no cwdb frame (``apsw.Connection(...)`` in a test), or only the opener
  functions (``cwdb/adapters/apsw/connection.py``, the ``open_connection``
  closure and ``ApswRunner.open_connection`` that ``tests/support/helpers.py:
  raw_connection`` calls directly): the
  test's own connection, not traced;
* a frame of ``yoyo_backend.py``: a connection yoyo's ``apsw://`` backend
  opened for itself (the ``yoyo`` command line's way, which tests drive
  through yoyo's API with their own SQL), not traced;
* anything else (``connect()``, the runner's per-thread sessions,
  ``ensure_schema``, backups, status, review): traced.

Which statements are yoyo's: ``ensure_schema`` hands cwdb's connection to
yoyo's backend, so yoyo's statements run on a traced connection. The tracer
looks at the Python stack when the statement runs (APSW calls it from
inside ``execute``). Frames that only pass SQL along are skipped: the DB-API
shim of ``yoyo_backend.py`` (its ``Cursor`` and ``Connection``) and yoyo's
``DatabaseBackend.execute``. The first frame left wrote the statement:

* yoyo's own code (``yoyo/backends/``, ``yoyo/internalmigrations/``): yoyo's
  SQL, exempt;
* ``yoyo/migrations.py``: yoyo running a migration file's statements, which
  must be verbatim from the files like cwdb's;
* anything else: cwdb's (a cwdb frame calling ``backend.execute(...)`` is
  cwdb's, so SQL cannot be smuggled past the check through yoyo).

Connections in other processes (the ``yoyo`` and ``python -m cwdb`` command
lines, ``multiprocessing`` workers) are outside this process and not traced.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import apsw
import pytest
import yoyo

import cwdb
from cwdb._resources import resource_dir
from cwdb.adapters.own_queries import load_query_file
from cwdb.adapters.sqlfiles import load_all
from cwdb.dialects import POSTGRESQL, SQLITE

#: Statements exempt from "verbatim from the files" (docs/reference.md §7), by first word.
EXEMPT = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"})

_PACKAGE = Path(cwdb.__file__).resolve().parent
_OPENERS = {(_PACKAGE / "adapters" / "apsw" / "connection.py").as_posix()}
_DATABASE = (_PACKAGE / "adapters" / "apsw" / "database.py").as_posix()
_SESSIONS = (_PACKAGE / "adapters" / "apsw" / "runner.py").as_posix()
_YOYO_BACKEND = (_PACKAGE / "adapters" / "apsw" / "yoyo_backend.py").as_posix()
_YOYO = Path(yoyo.__file__).resolve().parent
_YOYO_STEPS = (_YOYO / "migrations.py").as_posix()
#: Functions that only pass a statement along (module docstring), by file.
_PASS_THROUGH = {
    _YOYO_BACKEND: {"Cursor.execute", "Connection.execute"},
    (_YOYO / "backends" / "base.py").as_posix(): {"DatabaseBackend.execute"},
}
_LEADING_COMMENTS = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)

Key = tuple[str, tuple[str, ...] | None]
_PROBLEMS = pytest.StashKey[list[str]]()


def owner(frame: FrameType | None) -> str:
    """``"cwdb"``, ``"yoyo"`` or ``"test"``: who opens a connection (module docstring)."""
    run: list[FrameType] = []
    while frame is not None and _in_package(frame):
        run.append(frame)
        frame = frame.f_back
    if any(_path(f) == _YOYO_BACKEND for f in run):
        return "yoyo"
    if all(_is_opener(f) for f in run):
        return "test"
    return "cwdb"


def statement_author(frame: FrameType | None) -> str:
    """``"yoyo"`` or ``"cwdb"``: who wrote a statement running now (module docstring)."""
    while frame is not None and frame.f_code.co_qualname in _PASS_THROUGH.get(_path(frame), ()):
        frame = frame.f_back
    if frame is None:
        return "cwdb"
    path = _resolved(frame.f_code.co_filename)
    if path.is_relative_to(_YOYO) and path.as_posix() != _YOYO_STEPS:
        return "yoyo"
    return "cwdb"


def _path(frame: FrameType) -> str:
    return _resolved(frame.f_code.co_filename).as_posix()


def _in_package(frame: FrameType) -> bool:
    return _resolved(frame.f_code.co_filename).is_relative_to(_PACKAGE)


@functools.cache
def _resolved(filename: str) -> Path:
    return Path(filename).resolve()


def _is_opener(frame: FrameType) -> bool:
    path = _path(frame)
    return path in _OPENERS or (
        path in (_DATABASE, _SESSIONS) and frame.f_code.co_name == "open_connection"
    )


class StatementLog:
    """The statements cwdb's connections ran, and what breaks the rule among them."""

    def __init__(self) -> None:
        self.seen: dict[Key, int] = {}
        #: Statements yoyo wrote, run on cwdb's connections: exempt, but counted.
        self.yoyo: dict[str, int] = {}
        self.connections = {"cwdb": 0, "yoyo": 0, "test": 0}
        self._migration_texts: set[str] = set()
        #: Queries of an application's own files (:func:`allow_queries`), by SQL.
        self._own_queries: dict[str, Any] = {}
        self._lock = threading.Lock()

    # -- recording --------------------------------------------------------

    def hook(self, connection: apsw.Connection) -> None:
        """``apsw.connection_hooks`` entry: trace the connection if cwdb opened it."""
        try:
            who = owner(sys._getframe(1))
        except Exception:  # a hook must never break a connection
            who = "test"
        self.connections[who] += 1
        if who == "cwdb":
            connection.exec_trace = self.trace

    def trace(self, _cursor: apsw.Cursor, sql: str, bindings: Any) -> bool:
        if statement_author(sys._getframe(1)) == "yoyo":
            self.yoyo[sql] = self.yoyo.get(sql, 0) + 1
            return True
        names = tuple(bindings) if isinstance(bindings, dict) else None
        key = (sql, names)
        self.seen[key] = self.seen.get(key, 0) + 1
        return True

    def allow_migrations(self, folder: Path) -> None:
        """Accept the statements of another migrations folder (tests that make one)."""
        with self._lock:
            self._migration_texts |= {p.read_text(encoding="utf-8") for p in folder.glob("*.sql")}

    def allow_queries(self, queries: Iterable[Any]) -> None:
        """Accept these named queries (an application's own, as SQLite loads them)."""
        with self._lock:
            self._own_queries.update({query.sql: query for query in queries})

    # -- checking ---------------------------------------------------------

    def problems(self) -> list[str]:
        """One line per statement that breaks the rule (module docstring)."""
        queries = {q.sql: q for f in load_all().values() for q in f.values()}
        queries = {**self._own_queries, **queries}
        migrations = self._migration_texts | _texts(resource_dir("migrations"))
        found = []
        for sql, names in sorted(self.seen, key=lambda key: (key[0], key[1] or ())):
            problem = _check(sql, names, queries, migrations)
            if problem:
                found.append(f"{problem}: {sql.strip()[:300]!r}")
        return found


def _texts(folder: Path) -> set[str]:
    return {path.read_text(encoding="utf-8") for path in folder.glob("*.sql")}


def _check(
    sql: str, names: tuple[str, ...] | None, queries: dict[str, Any], migrations: Iterable[str]
) -> str | None:
    query = queries.get(sql)
    if query is not None:
        if names is not None and set(names) != set(query.params):
            return (
                f"{query.qualified_name} bound with {sorted(names)}, "
                f"but its SQL names {sorted(query.params)}"
            )
        return None
    if first_word(sql) in EXEMPT:
        return None
    text = sql.strip()
    if text and any(text in migration for migration in migrations):
        return None
    return "not verbatim from sql/ or migrations/"


def first_word(sql: str) -> str:
    """The statement's first keyword, upper case, after comments and spaces."""
    rest = sql[_LEADING_COMMENTS.match(sql).end() :]  # type: ignore[union-attr]
    return rest.split(None, 1)[0].upper().rstrip(";") if rest.strip() else ""


# -- the plugin ---------------------------------------------------------------

LOG = StatementLog()


def allow_migrations(folder: Path) -> None:
    """Let cwdb run the migrations of ``folder`` (a test's own) without failing the run."""
    LOG.allow_migrations(folder)


def allow_queries(path: Path) -> None:
    """Let cwdb run the queries of an application's own file or folder (``load_queries``).

    Registers them with this tracer (SQLite's text) and with ``pg_tracer``
    (PostgreSQL's, named ``<file>.<query>``), each under the "verbatim" rule.
    """
    from tests.support import pg_tracer

    LOG.allow_queries(load_query_file(path, SQLITE).values())
    for query in load_query_file(path, POSTGRESQL).values():
        pg_tracer.allow(query)


@contextmanager
def recording() -> Iterator[StatementLog]:
    """A fresh log of the statements cwdb runs inside the block (and only there).

    The session's log records nothing meanwhile, so a test may run statements
    that break the rule on purpose.
    """
    log = StatementLog()
    apsw.connection_hooks.append(log.hook)
    try:
        yield log
    finally:
        apsw.connection_hooks.remove(log.hook)


def pytest_configure(config: pytest.Config) -> None:
    if LOG.hook not in apsw.connection_hooks:
        apsw.connection_hooks.append(LOG.hook)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if LOG.hook in apsw.connection_hooks:
        apsw.connection_hooks.remove(LOG.hook)
    problems = LOG.problems()
    session.config.stash[_PROBLEMS] = problems
    if problems and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    problems = terminalreporter.config.stash.get(_PROBLEMS, [])
    traced = sum(LOG.seen.values())
    if not problems:
        terminalreporter.write_line(
            f"statement tracer: {traced} statements on {LOG.connections['cwdb']} cwdb "
            f"connections, all verbatim from sql/ or migrations/ "
            f"(and {sum(LOG.yoyo.values())} of yoyo's own)"
        )
        return
    terminalreporter.section("statements not verbatim from sql/ or migrations/", red=True)
    for problem in problems:
        terminalreporter.write_line(problem)
    terminalreporter.write_line(
        "FAILED: cwdb ran SQL that a DBA cannot find in sql/ or migrations/ "
        "(tests/support/tracer.py)",
        red=True,
    )
