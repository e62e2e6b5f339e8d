"""Every statement cwdb sends to PostgreSQL comes verbatim from sql/postgresql/ or migrations/.

The SQLite half of this promise is checked by ``tracer.py`` with APSW's exec
tracer. psycopg has no such hook, so the PostgreSQL test server itself
keeps the record: :func:`settings` turn on ``log_statement = 'all'`` with the
application name in each log line, and :func:`problems` reads the server's
log when the session ends. Every statement a connection named ``cwdb`` (the
library's ``application_name``) ran must be:

* the SQL of a named query of ``sql/postgresql/``, exactly, as psycopg sends
  it (``%(name)s`` numbered ``$1``, ``$2``, ... in order of first use),
  after the comment naming that very query that cwdb puts before each one
  (``/* cwdb:tasks.find_by_id */ ``, ``PostgresqlDialect.statement_text``):
  exactly that form is stripped, and the rest must be the named query's SQL;
* a piece of a file of ``migrations/postgresql/`` (yoyo runs a migration
  statement by statement);
* transaction control, ``SET`` or the review's own ``PREPARE`` of a named
  query / ``EXPLAIN EXECUTE`` / ``DEALLOCATE`` of it (:data:`EXEMPT`);
* or a statement yoyo itself generates (docs/reference.md §6 leaves those to yoyo).

yoyo's statements: ``ensure_schema`` hands cwdb's connection to yoyo's
``postgresql+psycopg`` backend, so yoyo's bookkeeping SQL (its tables, log,
marks, the applied hashes) arrives under cwdb's application name, and the
server cannot tell who wrote it. So the check learns yoyo's vocabulary from
yoyo itself, on the same server: :func:`learn_yoyo` runs yoyo's stock
backend, with no cwdb code involved, through every operation cwdb's
migrator uses (create its tables or read their version, apply, log, mark,
roll back, unmark), on a
scratch database under its own application name; a ``cwdb`` statement is
yoyo's when yoyo sent exactly that text. yoyo binds every value as a
parameter, so its texts do not vary, and cwdb cannot pass SQL of its own
unless yoyo would send the very same statement. No comment is added to
yoyo's SQL and no session setting changes.

Connections of tests, yoyo and psycopg's defaults carry another application
name and are not checked.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Final

from cwdb._resources import resource_dir
from cwdb.adapters.sqlfiles import Query, load_all

#: First words of statements outside the "verbatim" rule (docs/reference.md §7).
EXEMPT: Final = frozenset(
    {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "EXPLAIN", "DEALLOCATE"}
)
_APPLICATION: Final = "cwdb"
#: The application name of :func:`learn_yoyo`'s connections (yoyo's own statements).
_YOYO_APPLICATION: Final = "cwdb-tests-yoyo-vocabulary"
_ENTRY: Final = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] (?P<app>[^|]*)\|(?P<level>[A-Z]+):  "
)
_STATEMENT: Final = re.compile(r"^(?:statement|execute [^:]+): ", re.DOTALL)
_PREPARE: Final = re.compile(r"^PREPARE \S+ AS ", re.DOTALL)
#: The comment naming a query, exactly as ``statement_text`` writes it.
_NAMED: Final = re.compile(
    r"^/\* cwdb:(?P<name>[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*) \*/ "
)


def settings() -> dict[str, str]:
    """The server settings that make the log the record (``ALTER SYSTEM``)."""
    return {"log_statement": "all", "log_line_prefix": "%m [%p] %a|"}


#: Queries of files a test wrote itself (a review test's deliberately bad SQL).
_ALLOWED: set[str] = set()
#: The same, by ``<file>.<query>``: an application's own queries, sent named.
_ALLOWED_BY_NAME: dict[str, set[str]] = {}


def allow(query: Query | str) -> None:
    """Accept ``query`` (from a file a test wrote, or a test's own SQL on a cwdb connection).

    A :class:`Query` is also accepted after the comment naming it, as cwdb
    sends an application's own queries (``db.load_queries``).
    """
    if isinstance(query, str):
        _ALLOWED.add(query)
        return
    _ALLOWED.add(query.numbered_sql)
    _ALLOWED_BY_NAME.setdefault(query.qualified_name, set()).add(query.numbered_sql)


@functools.cache
def _queries() -> frozenset[str]:
    files = load_all("postgresql").values()
    return frozenset(q.numbered_sql for file in files for q in file.values())


@functools.cache
def _by_name() -> dict[str, str]:
    files = load_all("postgresql").values()
    return {q.qualified_name: q.numbered_sql for file in files for q in file.values()}


def named(text: str) -> tuple[str | None, str]:
    """The query a leading ``/* cwdb:<file>.<name> */ `` comment names, and the text after it."""
    found = _NAMED.match(text)
    if found is None:
        return None, text
    return found["name"], text[found.end() :]


@functools.cache
def _migration_texts() -> tuple[str, ...]:
    folder = resource_dir("migrations") / "postgresql"
    return tuple(path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.sql")))


def learn_yoyo(url: str) -> None:
    """Let yoyo's stock backend send its statements on ``url`` (a scratch database) once."""
    from yoyo import get_backend, read_migrations

    from tests.support.postgres_server import MIGRATIONS, yoyo_url

    named = f"{url}{'&' if '?' in url else '?'}application_name={_YOYO_APPLICATION}"
    migrations = read_migrations(str(MIGRATIONS))
    with get_backend(yoyo_url(named)) as backend:
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations))
            backend.rollback_migrations(backend.to_rollback(migrations))
        backend.mark_migrations(migrations)
        backend.unmark_migrations(migrations)
    with get_backend(yoyo_url(named)) as again:  # yoyo's tables exist: it reads their version
        again.to_apply(migrations)


def statements(log: Path, application: str = _APPLICATION) -> list[str]:
    """The SQL of every statement ``application`` ran, from the server log."""
    found: list[str] = []
    entry: list[str] | None = None
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        start = _ENTRY.match(line)
        if start is None:
            if entry is not None:
                # The server indents each further line of a message with a tab.
                entry.append(line.removeprefix("\t"))
            continue
        if entry is not None:
            found.append("\n".join(entry))
        entry = None
        if start["app"] == application and start["level"] == "LOG":
            message = line[start.end() :]
            statement = _STATEMENT.match(message)
            if statement is not None:
                entry = [message[statement.end() :]]
    if entry is not None:
        found.append("\n".join(entry))
    return found


def problems(log: Path) -> tuple[int, list[str]]:
    """How many cwdb statements the log holds, and the ones that break the rule."""
    ran = statements(log)
    queries = _queries()
    yoyos = {sql.strip() for sql in statements(log, _YOYO_APPLICATION)}
    wrong = []
    for sql in ran:
        text = sql.strip()
        prepared = _PREPARE.match(text)
        if prepared is not None:
            text = text[prepared.end() :]
        name, rest = named(text)
        if name is not None:
            # Named: the rest must be exactly that query's SQL, not any file's.
            if _by_name().get(name) != rest and rest not in _ALLOWED_BY_NAME.get(name, ()):
                wrong.append(text)
            continue
        if text in queries or text in _ALLOWED or text.split(maxsplit=1)[0].upper() in EXEMPT:
            continue
        if text in yoyos:
            continue
        if any(text in migration for migration in _migration_texts()):
            continue
        wrong.append(text)
    return len(ran), sorted(set(wrong))
