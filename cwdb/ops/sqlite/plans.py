"""Query plans as production would see them, and which of them read a whole table.

SQLite picks a plan from the statistics in ``sqlite_stat1``. An empty test
database has none, so its plans say little about a database with ten
million log chunks; :func:`production_connection` migrates a private
in-memory database and writes statistics for production-like volumes
(:data:`PRODUCTION_ROWS`), derived from the schema itself: every index gets
its row count and the average number of rows per value of each prefix of its
columns, foreign-key columns as many values as their parent table has rows.

:func:`review_query` prepares one named query (never runs it) and reports
its parameters, result columns and plan. :func:`find_scans` reads the plan:
``SCAN <table>`` reads every row of a table, and so does ``SCAN <table>
USING [COVERING] INDEX`` (the whole index, for its order), as does building
an ``AUTOMATIC`` index on the fly. Scans of virtual tables (``json_each``),
of a CTE or subquery the plan itself builds, of a constant row and of
SQLite's own catalog are not table scans.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

import apsw
import apsw.ext

from cwdb.adapters.sqlfiles import Query, query_file
from cwdb.ops.review import QueryReview
from cwdb.ops.sqlite.schema_snapshot import migrated_connection

#: Rows per table in a busy orchestrator's database (a year of work).
PRODUCTION_ROWS: Final[Mapping[str, int]] = {
    "initiatives": 1_000,
    "phases": 10_000,
    "phase_dependencies": 15_000,
    "tasks": 100_000,
    "task_dependencies": 150_000,
    "agents": 20_000,
    "accounts": 50,
    "proposals": 50_000,
    "pages": 30_000,
    "projects": 200,
    "initiative_projects": 2_000,
    "messages": 200_000,
    "agent_log_chunks": 10_000_000,
    "conversations": 50_000,
    "change_sets": 20_000,
    "chat_sessions": 10_000,
    "chat_messages": 200_000,
    "errands": 5_000,
    "review_comments": 50_000,
    "_yoyo_migrations": 20,
    "_yoyo_log": 40,
    "_yoyo_version": 1,
    "yoyo_lock": 1,
}
_DEFAULT_ROWS: Final = 1_000

#: Distinct values of low-cardinality columns (enums, booleans, positions).
_FEW_VALUES: Final[Mapping[str, int]] = {
    "status": 4,
    "type": 4,
    "mode": 5,
    "category": 9,
    "priority": 3,
    "provider": 2,
    "role": 3,
    "target_type": 3,
    "sender_type": 2,
    "recipient_type": 2,
    "line_type": 3,
    "requires_response": 2,
    "is_exhausted": 2,
    "resolved": 2,
    "quality_review": 2,
    "session_number": 3,
    "order": 20,
    "sort_order": 20,
}

#: Columns that refer to another table without a declared foreign key.
_REFERS_TO: Final[Mapping[tuple[str, str], str]] = {
    ("agent_log_chunks", "agent_id"): "agents",
    ("chat_sessions", "target_id"): "tasks",
    ("proposals", "target_id"): "tasks",
}

#: Children per parent row when a table refers to itself (sub-tasks, replies).
_SELF_FANOUT: Final = 10

#: Share of a table's rows that a partial index (``CREATE INDEX ... WHERE``) holds.
_PARTIAL_SHARE: Final = 0.1

_SCAN: Final = re.compile(r"^SCAN (?P<name>\S+)")
_AUTOMATIC: Final = re.compile(r"^SEARCH (?P<name>\S+) USING AUTOMATIC ")
_BUILT: Final = re.compile(r"^(?:MATERIALIZE|CO-ROUTINE) (?P<name>\S+)")


def review_query(connection: apsw.Connection, query: Query) -> QueryReview:
    """Prepare ``query`` on ``connection`` (with NULL parameters) and read its plan."""
    try:
        info = apsw.ext.query_info(connection, query.sql, explain_query_plan=True)
    except apsw.Error as error:
        return QueryReview(query, error=f"{type(error).__name__}: {error}")
    if info.query_remaining and info.query_remaining.strip():
        return QueryReview(query, error="holds more than one statement")
    plan = tuple(_plan_lines(info.query_plan))
    return QueryReview(
        query,
        parameters=tuple(str(name) for name in info.bindings_names or ()),
        columns=tuple((str(d[0]), d[1]) for d in info.description or ()),
        plan=plan,
        scans=find_scans(plan),
    )


def _plan_lines(node: Any, depth: int = 0) -> Iterator[str]:
    for child in (node.sub or []) if node is not None else []:
        yield "  " * depth + str(child.detail)
        yield from _plan_lines(child, depth + 1)


def find_scans(plan: tuple[str, ...]) -> tuple[str, ...]:
    """The plan lines that read a whole table (see the module docstring)."""
    built = {m["name"] for m in map(_BUILT.match, (line.strip() for line in plan)) if m}
    scans = []
    for line in (line.strip() for line in plan):
        scan = _SCAN.match(line) or _AUTOMATIC.match(line)
        if scan is None or scan["name"] in built:
            continue
        if "VIRTUAL TABLE" in line or line == "SCAN CONSTANT ROW":
            continue
        if scan["name"].startswith(("sqlite_", "(")):
            continue
        scans.append(line)
    return tuple(scans)


# -- production-like statistics -----------------------------------------------


def production_connection() -> apsw.Connection:
    """A migrated private database whose planner believes it holds production volumes."""
    connection = migrated_connection()
    try:
        write_stats(connection, production_stats(connection))
    except BaseException:
        connection.close()
        raise
    return connection


def write_stats(connection: apsw.Connection, rows: list[dict[str, object]]) -> None:
    """Replace ``sqlite_stat1`` with ``rows`` and load them into the planner."""
    sql = query_file("_review")
    connection.execute(sql["load_stats"].sql)
    connection.execute(sql["clear_stats"].sql)
    connection.executemany(sql["write_stat"].sql, rows)
    connection.execute(sql["load_stats"].sql)


def production_stats(connection: apsw.Connection) -> list[dict[str, object]]:
    """``sqlite_stat1`` rows (tbl, idx, stat) for :data:`PRODUCTION_ROWS` volumes."""
    rows: list[dict[str, object]] = []
    for (table,) in _catalog(connection, "tables"):
        count = PRODUCTION_ROWS.get(table, _DEFAULT_ROWS)
        parents = {row[0]: row[1] for row in _catalog(connection, "foreign_keys", table=table)}
        indexes = _catalog(connection, "indexes", table=table)
        if not indexes:
            rows.append({"tbl": table, "idx": None, "stat": str(count)})
        for index, unique, partial in indexes:
            columns = [column for (column,) in _catalog(connection, "index_columns", index=index)]
            size = max(1, int(count * _PARTIAL_SHARE)) if partial == "1" else count
            distinct = [_distinct(table, column, count, parents) for column in columns]
            stat = _index_stat(size, distinct, unique=unique == "1")
            rows.append({"tbl": table, "idx": index, "stat": stat})
    return rows


def _catalog(connection: apsw.Connection, name: str, **params: str) -> list[tuple[str, ...]]:
    """The rows of one ``_review`` catalog query, every value as text."""
    cursor = connection.execute(query_file("_review")[name].sql, params)
    return [tuple(str(value) for value in row) for row in cursor]


def _distinct(table: str, column: str, count: int, parents: Mapping[str, str]) -> int:
    """How many different values a column holds in a table of ``count`` rows."""
    parent = parents.get(column) or _REFERS_TO.get((table, column))
    if parent == table:
        return max(1, count // _SELF_FANOUT)
    if parent is not None:
        return max(1, min(count, PRODUCTION_ROWS.get(parent, _DEFAULT_ROWS)))
    return min(count, _FEW_VALUES.get(column, count))


def _index_stat(size: int, distinct: list[int], *, unique: bool) -> str:
    """``"<rows> <rows per value of column 1> <... of columns 1-2> ..."``."""
    per_value: list[int] = []
    combined = 1
    for position, values in enumerate(distinct, start=1):
        combined *= values
        rows = 1 if unique and position == len(distinct) else math.ceil(size / combined)
        per_value.append(max(1, min(rows, per_value[-1] if per_value else size)))
    return " ".join(str(n) for n in [size, *per_value])
