"""The review's report, the same for both dialects: queries, plans, flagged scans.

``python -m cwdb review`` plans every named query of a dialect's folder
(``cwdb/ops/sqlite/review.py`` with SQLite's ``EXPLAIN QUERY PLAN``,
``cwdb/ops/postgresql/review.py`` with PostgreSQL's ``EXPLAIN``) into one
:class:`QueryReview` each; this module renders them and decides the exit
status: a query fails the review when it reads a whole table without a
``-- scan:`` reason, or does not prepare.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from cwdb.adapters.migration_files import MigrationLedger
from cwdb.adapters.sqlfiles import Query, QueryFile
from cwdb.errors import Error


@attrs.frozen
class QueryReview:
    """One named query as the database prepares it, with the plan it gets."""

    query: Query
    #: Named parameters as the database sees them (without ``:`` or ``%()s``).
    parameters: tuple[str, ...] = ()
    #: Result columns as (name, declared type or None).
    columns: tuple[tuple[str, str | None], ...] = ()
    #: The plan, one line per step, indented by depth.
    plan: tuple[str, ...] = ()
    #: One line per step that reads a whole table.
    scans: tuple[str, ...] = ()
    #: Why the query does not prepare, or None.
    error: str | None = None

    @property
    def unmarked_scan(self) -> bool:
        """The query reads a whole table without a ``-- scan:`` reason."""
        return bool(self.scans) and self.query.scan is None


def failures(reviews: Iterable[QueryReview]) -> list[QueryReview]:
    """The queries that fail the review: an unmarked scan, or no valid SQL."""
    return [r for r in reviews if r.error is not None or r.unmarked_scan]


def render(
    reviews: Sequence[QueryReview],
    source: str,
    *,
    folder: str = "sql",
    own: Sequence[QueryFile] = (),
) -> str:
    """The report as text: each file's queries, then the summary.

    ``own`` are the application's files among the reviewed (``--queries``),
    shown by their own paths.
    """
    paths = {name: path for file in own for name, path in file.sources.items()}
    mine = {id(q) for file in own for q in file.values()}
    where = f"{folder}/" + "".join(f" and {file.path}" for file in own)
    lines = [f"cwdb review: {len(reviews)} queries of {where}, planned with {source}."]
    current: tuple[bool, str] | None = None
    for review in reviews:
        key = (id(review.query) in mine, review.query.file)
        if key != current:
            current = key
            name = key[1]
            shown = paths[name] if key[0] else f"{folder}/{name}.sql"
            lines += ["", f"== {name} ({shown}) " + "=" * 40]
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


def require_current_schema(migrator: MigrationLedger, shown: str, target: str) -> None:
    """Refuse, in one line, a database whose schema is not cwdb's current one.

    ``shown`` names the database (a URL without its password), ``target``
    is what the user passes to ``--database`` in the command to run.
    """
    if not migrator.applied_ids():
        raise Error(
            f"{shown!r} is not a cwdb database: it has none of cwdb's migrations "
            f"(python -m cwdb migrate --database {target} creates the schema)"
        )
    pending = [m.id for m in migrator.pending()]
    if pending:
        raise Error(
            f"{shown!r} lacks migrations {', '.join(pending)}: its schema is behind "
            f"(python -m cwdb migrate --database {target} applies them)"
        )
