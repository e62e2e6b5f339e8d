"""``python -m cwdb review``: every statement cwdb runs, as a DBA reviews it.

For each file of ``sql/`` (repositories first, then the library's own
machinery) the report shows every named query: its result shape and
documentation, its SQL exactly as it runs, its named parameters, its result
columns and the plan SQLite chooses for it. A step that reads a whole table
is flagged, together with the query's ``-- scan:`` reason when it has one.

Without a database, plans come from a private in-memory database migrated
from ``migrations/`` whose statistics model production volumes
(:data:`cwdb.adapters.apsw.dba.plans.PRODUCTION_ROWS`). With a database path, the
queries are planned on that database itself, with its own ``sqlite_stat1``
(left by ``ANALYZE``): it is opened read-only and never written to.

The review fails (exit status 1) when a query reads a whole table without a
``-- scan:`` reason, or does not prepare.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

import apsw

from cwdb.adapters.apsw.connection import open_read_only
from cwdb.adapters.apsw.dba.plans import (
    PRODUCTION_ROWS,
    QueryReview,
    production_connection,
    review_query,
)
from cwdb.adapters.apsw.sqlfiles import QueryFile, load_all, query_file
from cwdb.adapters.apsw.translate import translate
from cwdb.errors import Error


def run(database: str | None, out: TextIO | None = None) -> int:
    """Print the review of every query; 0 when it passes, 1 when it fails.

    ``database`` None plans against production-like statistics; a path plans
    against that database (opened read-only). A database that cannot be read
    is a one-line message on stderr and exit status 1.
    """
    out = out if out is not None else sys.stdout
    try:
        try:
            connection, source = _open(database)
        except apsw.Error as error:
            raise translate(error, context=f"cannot read {database!r}") from error
    except Error as error:
        print(f"cwdb review: {error}", file=sys.stderr)
        return 1
    try:
        reviews = review_all(connection)
    except apsw.Error as error:
        failed = translate(error, context=f"cannot review {database!r}")
        print(f"cwdb review: {failed}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    out.write(render(reviews, source))
    return 1 if failures(reviews) else 0


def _open(database: str | None) -> tuple[apsw.Connection, str]:
    if database is None:
        return production_connection(), f"production-like statistics ({_volumes()}, ...)"
    connection = open_read_only(database)
    try:
        has_stats = connection.execute(query_file("_review")["has_stats"].sql).fetchall()[0][0]
    except BaseException:
        connection.close()
        raise
    if has_stats:
        return connection, f"the statistics of {database} (its sqlite_stat1)"
    return connection, f"{database}, which has no statistics (run ANALYZE): SQLite's defaults"


def _volumes() -> str:
    largest = sorted(PRODUCTION_ROWS.items(), key=lambda item: -item[1])[:4]
    return ", ".join(f"{table}: {rows:,} rows" for table, rows in largest)


def review_all(connection: apsw.Connection) -> list[QueryReview]:
    """Every query of every ``sql/`` file planned on ``connection``, in report order."""
    return [review_query(connection, query) for file in _files() for query in file.values()]


def _files() -> list[QueryFile]:
    files = list(load_all().values())
    return sorted(files, key=lambda file: (file.name.startswith("_"), file.name))


def failures(reviews: Iterable[QueryReview]) -> list[QueryReview]:
    """The queries that fail the review: an unmarked scan, or no valid SQL."""
    return [r for r in reviews if r.error is not None or r.unmarked_scan]


def render(reviews: Sequence[QueryReview], source: str) -> str:
    """The report as text (see the module docstring)."""
    lines = [f"cwdb review: {len(reviews)} queries of sql/, planned with {source}."]
    current = None
    for review in reviews:
        if review.query.file != current:
            current = review.query.file
            lines += ["", f"== {current} (sql/{current}.sql) " + "=" * 40]
        lines += ["", *_render_query(review)]
    lines += ["", *_summary(reviews)]
    return "\n".join(lines) + "\n"


def _render_query(review: QueryReview) -> list[str]:
    query = review.query
    lines = [f"-- {query.qualified_name}  ({query.shape.description})"]
    lines += [f"   {line}" for line in query.doc.splitlines()]
    if review.error is not None:
        return [*lines, f"   ERROR: the query does not prepare: {review.error}"]
    params = ", ".join(f":{name}" for name in review.parameters) or "(none)"
    columns = ", ".join(_column(name, kind) for name, kind in review.columns) or "(none)"
    lines += [f"   parameters: {params}", f"   columns:    {columns}", "   plan:"]
    lines += [f"     {step}" for step in review.plan or ("(no table access)",)]
    lines += ["   sql:", *(f"     {line}" for line in query.sql.splitlines())]
    for scan in review.scans:
        if query.scan is None:
            lines.append(f"   UNMARKED SCAN: {scan} (add `-- scan: <reason>` or an index)")
        else:
            lines.append(f"   scan (marked: {query.scan}): {scan}")
    return lines


def _column(name: str, kind: str | None) -> str:
    return f"{name} {kind}" if kind else name


def _summary(reviews: Sequence[QueryReview]) -> list[str]:
    marked = sum(1 for r in reviews if r.scans and not r.unmarked_scan)
    failed = failures(reviews)
    lines = [
        f"Summary: {len(reviews)} queries, {marked} marked scans, "
        f"{sum(r.unmarked_scan for r in reviews)} unmarked scans, "
        f"{sum(r.error is not None for r in reviews)} that do not prepare."
    ]
    if failed:
        lines.append("FAILED: " + ", ".join(r.query.qualified_name for r in failed))
    else:
        lines.append("OK: every whole-table read is marked with its reason.")
    return lines
