"""``python -m cwdb review --database postgresql://...``: the queries as PostgreSQL plans them.

Every named query of ``sql/postgresql/`` is planned on the target database
with its own statistics, inside one read-only transaction that is rolled
back: nothing runs, nothing is written. A query is prepared (``PREPARE``,
psycopg's ``%(name)s`` placeholders numbered as psycopg numbers them) and
its generic plan read with ``EXPLAIN (FORMAT JSON) EXECUTE`` and
``plan_cache_mode = force_generic_plan``: the plan for any parameter values,
as the library's prepared statements use it.

A whole-table read is a ``Seq Scan`` of a table, or an index scan without an
index condition (the whole index, for its order). On a small table the
planner rightly prefers a ``Seq Scan`` (or a hash or merge join over one);
so a query whose plan reads a table whole is planned again with
``enable_seqscan``, ``enable_hashjoin`` and ``enable_mergejoin`` off, and
only a whole-table read that remains is flagged: no index can serve it. The report notes the
other ones. Statements ``PREPARE`` cannot take (the migrations' DDL) are
listed without a plan. The exit status follows the SQLite review: 1 when a
whole-table read has no ``-- scan:`` reason, or a query does not prepare.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any, Final, TextIO

import psycopg

from cwdb._redact import redact
from cwdb.adapters.psycopg.connection import open_connection
from cwdb.adapters.psycopg.migrator import Migrator
from cwdb.adapters.psycopg.translate import translate
from cwdb.adapters.sqlfiles import Query, QueryFile, load_all
from cwdb.ops.review import QueryReview, failures, render, require_current_schema

#: What PREPARE takes; anything else (DDL, DO blocks) is listed unplanned.
_PLANNABLE: Final = ("select", "insert", "update", "delete", "with", "values")
_STATEMENT: Final = "cwdb_review"
#: Turned off to ask the planner whether indexes alone can serve a query.
_INDEX_ONLY: Final = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin")
#: Plan nodes that read no table of the schema.
_NOT_TABLES: Final = ("pg_",)


def run(url: str, out: TextIO | None = None, *, extra: Sequence[QueryFile] = ()) -> int:
    """Print the review of every PostgreSQL query; 0 when it passes, 1 when it fails.

    ``extra``: an application's own files (``--queries``), planned after cwdb's.
    """
    out = out if out is not None else sys.stdout
    shown = redact(url)
    with open_connection(url, busy_timeout_ms=5000) as connection:
        try:
            require_current_schema(Migrator(connection), shown, "URL")
            reviews = review_all(connection, extra=extra)
        except psycopg.Error as error:
            raise translate(error, context=f"cannot review {shown!r}") from error
    source = f"the statistics of {shown} (generic plans, EXPLAIN)"
    out.write(render(reviews, source, folder="sql/postgresql", own=extra))
    out.write(ON_THE_SERVER)
    return 1 if failures(reviews) else 0


#: What a DBA runs to see cwdb's named statements by the time they take
#: (README, "Observing cwdb"; tests/test_observe_postgresql.py runs it).
NAMED_STATEMENTS: Final = """\
SELECT substring(query FROM '^/\\* cwdb:([^ ]+) \\*/') AS query_name,
       calls, round(total_exec_time::numeric, 1) AS total_ms,
       round(mean_exec_time::numeric, 3) AS mean_ms, rows
FROM pg_stat_statements
WHERE query LIKE '/* cwdb:%'
ORDER BY total_exec_time DESC
LIMIT 20;"""

ON_THE_SERVER: Final = f"""
On the server: cwdb sends each query after a comment naming it, e.g.
  /* cwdb:tasks.find_by_id */ SELECT ...
so pg_stat_activity.query, pg_stat_statements and the server log name the
query of this review. With pg_stat_statements (shared_preload_libraries =
'pg_stat_statements', then CREATE EXTENSION pg_stat_statements), the named
queries by the time they took:

{NAMED_STATEMENTS}
"""


def review_all(
    connection: psycopg.Connection[Any], *, extra: Sequence[QueryFile] = ()
) -> list[QueryReview]:
    """Every query of ``sql/postgresql/``, repositories first, in one rolled-back transaction.

    ``extra`` files (an application's own queries) are planned last.
    """
    files = sorted(load_all("postgresql").values(), key=lambda f: (f.name.startswith("_"), f.name))
    files += extra
    with connection.transaction(force_rollback=True):
        connection.execute("SET TRANSACTION READ ONLY")
        return [review_query(connection, query) for file in files for query in file.values()]


def review_query(connection: psycopg.Connection[Any], query: Query) -> QueryReview:
    """Prepare one query in a savepoint, read its generic plan, look for whole-table reads."""
    if not query.sql.lstrip().lower().startswith(_PLANNABLE):
        return QueryReview(query, parameters=query.params, plan=("(not planned: not a query)",))
    try:
        with connection.transaction():
            connection.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            return _planned(connection, query)
    except psycopg.Error as error:
        return QueryReview(query, parameters=query.params, error=_first_line(error))


def _planned(connection: psycopg.Connection[Any], query: Query) -> QueryReview:
    plan, columns = _explain(connection, query)
    lines = tuple(_plan_lines(plan))
    scans = tuple(_scans(plan))
    if scans:
        # Is there a plan without them? Nested loops of index lookups, if any.
        # (A cached plan ignores later settings: _explain prepares it anew.)
        for setting in _INDEX_ONLY:
            connection.execute(f"SET LOCAL {setting} = off")
        scans = tuple(_scans(_explain(connection, query)[0]))
        for setting in _INDEX_ONLY:
            connection.execute(f"SET LOCAL {setting} = on")
        if not scans:
            lines += ("note: the planner reads a small table whole here; an index serves it",)
    return QueryReview(query, parameters=query.params, columns=columns, plan=lines, scans=scans)


def _explain(
    connection: psycopg.Connection[Any], query: Query
) -> tuple[dict[str, Any], tuple[tuple[str, str | None], ...]]:
    """The generic plan of ``query`` and its result columns (prepared, then deallocated)."""
    connection.execute(f"PREPARE {_STATEMENT} AS {query.numbered_sql}")
    columns = _columns(connection)
    count = len(query.params)
    nulls = ", ".join(["NULL"] * count)
    arguments = f"({nulls})" if count else ""
    row = connection.execute(f"EXPLAIN (FORMAT JSON) EXECUTE {_STATEMENT}{arguments}").fetchone()
    connection.execute(f"DEALLOCATE {_STATEMENT}")
    assert row is not None
    plan: dict[str, Any] = row[0][0]["Plan"]
    return plan, columns


def _columns(connection: psycopg.Connection[Any]) -> tuple[tuple[str, str | None], ...]:
    """The prepared statement's result columns, with their type names."""
    described = connection.pgconn.describe_prepared(_STATEMENT.encode())
    types = connection.adapters.types
    columns = []
    for index in range(described.nfields):
        name = (described.fname(index) or b"?").decode()
        info = types.get(described.ftype(index))
        columns.append((name, info.name if info is not None else None))
    return tuple(columns)


def _nodes(plan: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    stack = [(0, plan)]
    while stack:
        depth, node = stack.pop()
        yield depth, node
        stack.extend((depth + 1, child) for child in reversed(node.get("Plans", [])))


def _describe(node: dict[str, Any]) -> str:
    text = str(node["Node Type"])
    if "Relation Name" in node:
        text += f" on {node['Relation Name']}"
    if "Index Name" in node:
        text += f" using {node['Index Name']}"
    for key in ("Index Cond", "Recheck Cond", "Filter", "Join Filter", "Hash Cond"):
        if key in node:
            text += f" ({key.lower()}: {node[key]})"
    return text


def _plan_lines(plan: dict[str, Any]) -> Iterator[str]:
    for depth, node in _nodes(plan):
        yield "  " * depth + _describe(node)


def _scans(plan: dict[str, Any]) -> Iterator[str]:
    """The nodes that read a whole table of the schema."""
    for _, node in _nodes(plan):
        relation = str(node.get("Relation Name", ""))
        if not relation or relation.startswith(_NOT_TABLES):
            continue
        kind = node["Node Type"]
        whole_index = kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
        if kind == "Seq Scan" or whole_index:
            yield _describe(node)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
