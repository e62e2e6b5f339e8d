"""``python -m cwdb review``: every statement cwdb runs, as a DBA reviews it.

For each file of ``sql/`` (repositories first, then the library's own
machinery) the report shows every named query: its result shape and
documentation, its SQL exactly as it runs, its named parameters, its result
columns and the plan SQLite chooses for it. A step that reads a whole table
is flagged, together with the query's ``-- scan:`` reason when it has one.

Without a database, plans come from a private in-memory database migrated
from ``migrations/`` whose statistics model production volumes
(:data:`cwdb.ops.sqlite.plans.PRODUCTION_ROWS`). With a database path, the
queries are planned on that database itself, with its own ``sqlite_stat1``
(left by ``ANALYZE``): it is opened read-only and never written to.

The review fails (exit status 1) when a query reads a whole table without a
``-- scan:`` reason, or does not prepare.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

import apsw

from cwdb.adapters.apsw.migrator import Migrator
from cwdb.adapters.apsw.translate import translate
from cwdb.adapters.sqlfiles import QueryFile, load_all, query_file
from cwdb.errors import Error
from cwdb.ops.review import QueryReview, failures, render, require_current_schema
from cwdb.ops.sqlite.plans import PRODUCTION_ROWS, production_connection, review_query
from cwdb.ops.sqlite.read_only import open_read_only


def review(location: str | None, out: TextIO, *, extra: Sequence[QueryFile] = ()) -> int:
    """``python -m cwdb review [--database PATH]``: :func:`run` on an existing file, or None."""
    if location is None:
        return run(None, out, extra=extra)
    database = os.path.abspath(location)
    if not os.path.exists(database):
        raise Error(f"{database} does not exist (review creates nothing)")
    return run(database, out, extra=extra)


def run(database: str | None, out: TextIO | None = None, *, extra: Sequence[QueryFile] = ()) -> int:
    """Print the review of every query; 0 when it passes, 1 when it fails.

    ``database`` None plans against production-like statistics; a path plans
    against that database (opened read-only). ``extra``: an application's own
    files (``--queries``), planned after cwdb's. A database that cannot be
    read, or is not a cwdb database at the current schema, is a
    ``cwdb.Error`` naming it (the command prints it as its one error line).
    """
    out = out if out is not None else sys.stdout
    private = production_connection()
    try:
        if database is None:
            reviews = review_all(private, extra=extra)
            source = f"production-like statistics ({_volumes()}, ...)"
        else:
            reviews, source = _review_database(database, private, extra)
    finally:
        private.close()
    out.write(render(reviews, source, own=extra))
    return 1 if failures(reviews) else 0


def _review_database(
    database: str, private: apsw.Connection, extra: Sequence[QueryFile]
) -> tuple[list[QueryReview], str]:
    """Plan on ``database``: the review's own queries (``_review``) on ``private``.

    The review's statistics queries only ever run on its private database,
    so they are planned there; a user's database need not have statistics.
    """
    connection = open_read_only(database)
    try:
        require_current_schema(Migrator(connection), database, database)
        has_stats = connection.execute(query_file("_review")["has_stats"].sql).fetchall()[0][0]
        reviews = review_all(connection, own=private, extra=extra)
    except apsw.Error as error:
        raise translate(error, context=f"cannot review {database!r}") from error
    finally:
        connection.close()
    if has_stats:
        return reviews, f"the statistics of {database} (its sqlite_stat1)"
    return reviews, f"{database}, which has no statistics (run ANALYZE): SQLite's defaults"


def _volumes() -> str:
    largest = sorted(PRODUCTION_ROWS.items(), key=lambda item: -item[1])[:4]
    return ", ".join(f"{table}: {rows:,} rows" for table, rows in largest)


def review_all(
    connection: apsw.Connection,
    *,
    own: apsw.Connection | None = None,
    extra: Sequence[QueryFile] = (),
) -> list[QueryReview]:
    """Every query of every ``sql/`` file planned on ``connection``, in report order.

    ``own``, when given, plans the review's own queries (``sql/_review.sql``);
    ``extra`` files (an application's own queries) are planned last.
    """
    reviews = [
        review_query(own if own is not None and file.name == "_review" else connection, query)
        for file in _files()
        for query in file.values()
    ]
    return reviews + [review_query(connection, query) for file in extra for query in file.values()]


def _files() -> list[QueryFile]:
    files = list(load_all().values())
    return sorted(files, key=lambda file: (file.name.startswith("_"), file.name))
