"""No query reads a whole table unless its SQL file says why; the review reports it.

Plans come from a migrated database whose ``sqlite_stat1`` models production
volumes (cwdb/ops/sqlite/plans.py), so they are the plans a busy orchestrator's
database gets, not those of an empty test database.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import apsw
import pytest

import cwdb
from cwdb.adapters.sqlfiles import Query, QueryFile, load_all, parse_file
from cwdb.ops.sqlite import review
from cwdb.ops.sqlite.plans import (
    find_scans,
    production_connection,
    production_stats,
    review_query,
    write_stats,
)
from cwdb.ops.sqlite.schema_snapshot import migrated_connection
from tests.support.helpers import raw_connection

ALL_QUERIES = [query for file in load_all().values() for query in file.values()]

#: A lookup by a column no index starts with.
UNINDEXED = "SELECT id FROM tasks WHERE summary = :summary"
#: Two candidate indexes; production statistics pick the selective one.
PICKY = "SELECT id FROM agents WHERE status = :status AND initiative_id = :initiative_id"


@pytest.fixture(scope="module")
def production() -> Iterator[apsw.Connection]:
    connection = production_connection()
    yield connection
    connection.close()


def probe(tmp_path: Path, sql: str, *, scan: str | None = None, name: str = "probe") -> Query:
    """A query written to a temporary sql/ file, parsed as the library parses it."""
    path = tmp_path / "probes.sql"
    marker = f"-- scan: {scan}\n" if scan else ""
    path.write_text(f"-- name: {name}\n-- A probe.\n{marker}{sql};\n")
    return parse_file(path)[name]


@pytest.mark.parametrize("query", ALL_QUERIES, ids=lambda q: q.qualified_name)
def test_no_query_reads_a_whole_table_unless_marked(
    production: apsw.Connection, query: Query
) -> None:
    reviewed = review_query(production, query)
    assert reviewed.error is None
    assert not reviewed.unmarked_scan, (
        f"{query.qualified_name} reads a whole table: {reviewed.scans}; add an index, "
        f"or a `-- scan: <reason>` line to sql/{query.file}.sql. Plan: {reviewed.plan}"
    )


def test_an_unmarked_scan_is_caught(production: apsw.Connection, tmp_path: Path) -> None:
    reviewed = review_query(production, probe(tmp_path, UNINDEXED))
    assert reviewed.scans == ("SCAN tasks",)
    assert reviewed.unmarked_scan


def test_a_marked_scan_passes(production: apsw.Connection, tmp_path: Path) -> None:
    reviewed = review_query(production, probe(tmp_path, UNINDEXED, scan="a report"))
    assert reviewed.scans == ("SCAN tasks",)
    assert not reviewed.unmarked_scan


def test_a_whole_index_read_for_its_order_counts_as_a_scan(
    production: apsw.Connection, tmp_path: Path
) -> None:
    query = probe(tmp_path, f"{UNINDEXED} ORDER BY created_at")
    assert review_query(production, query).scans == ("SCAN tasks USING INDEX tasks_created_at_idx",)


def test_an_automatic_index_counts_as_a_scan() -> None:
    plan = (
        "SEARCH t USING INDEX tasks_phase_id_idx (phase_id=?)",
        "SEARCH a USING AUTOMATIC COVERING INDEX (prompt=?)",
    )
    assert find_scans(plan) == ("SEARCH a USING AUTOMATIC COVERING INDEX (prompt=?)",)


def test_json_each_ctes_and_the_catalog_are_not_table_scans(
    production: apsw.Connection, tmp_path: Path
) -> None:
    sql = """
        WITH RECURSIVE up (id) AS (
            SELECT :id UNION SELECT parent_task_id FROM tasks JOIN up USING (id)
        )
        SELECT id FROM tasks WHERE id IN (SELECT value FROM json_each(:ids))
        UNION ALL SELECT id FROM up
        UNION ALL SELECT name FROM sqlite_schema
    """
    reviewed = review_query(production, probe(tmp_path, sql))
    assert any("json_each" in line for line in reviewed.plan)
    assert reviewed.scans == ()


def test_every_index_gets_a_production_statistic() -> None:
    with cwdb.connect(":memory:") as db:
        connection = raw_connection(db)
        write_stats(connection, production_stats(connection))
        stats = dict(connection.execute("SELECT idx, stat FROM sqlite_stat1").fetchall())
        indexes = connection.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'index'"
        ).fetchall()
        connection.close()
    assert {name for (name,) in indexes} <= set(stats)
    assert stats["agent_log_chunks_created_at_idx"] == "10000000 1"
    assert stats["tasks_phase_id_idx"] == "100000 10 1 1"


def test_production_statistics_reach_the_planner(
    production: apsw.Connection, tmp_path: Path
) -> None:
    query = probe(tmp_path, PICKY)
    empty = migrated_connection()
    try:
        assert review_query(empty, query).plan == (
            "SEARCH agents USING INDEX agents_status_idx (status=?)",
        )
    finally:
        empty.close()
    assert review_query(production, query).plan == (
        "SEARCH agents USING INDEX agents_initiative_id_idx (initiative_id=?)",
    )


# -- the review command -------------------------------------------------------


def only(monkeypatch: pytest.MonkeyPatch, *files: QueryFile) -> None:
    """Review these files instead of sql/."""
    monkeypatch.setattr(review, "load_all", lambda: {file.name: file for file in files})


def probe_file(tmp_path: Path, text: str) -> QueryFile:
    path = tmp_path / "probes.sql"
    path.write_text(text)
    return parse_file(path)


def test_the_review_shows_each_querys_doc_sql_parameters_columns_and_plan() -> None:
    out = io.StringIO()
    review.run(None, out=out)
    report = out.getvalue()
    query = load_all()["tasks"]["find_by_phase_id"]
    section = report[report.index("-- tasks.find_by_phase_id ") :].split("\n\n")[0]
    assert "(all rows)" in section
    assert query.doc.splitlines()[0] in section
    assert "parameters: :phase_id" in section
    assert "columns:    id TEXT, phase_id TEXT," in section
    assert "SEARCH tasks USING INDEX tasks_phase_id_idx (phase_id=?)" in section
    assert all(line.strip() in section for line in query.sql.splitlines())
    assert f"{len(ALL_QUERIES)} queries of sql/" in report
    assert "production-like statistics" in report


def test_the_review_fails_on_an_unmarked_scan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    only(monkeypatch, load_all()["tasks"], probe_file(tmp_path, f"-- name: slow\n{UNINDEXED};\n"))
    assert review.run(None) == 1
    report = capsys.readouterr().out
    assert "UNMARKED SCAN: SCAN tasks" in report
    assert "FAILED: probes.slow" in report


def test_the_review_passes_when_every_scan_is_marked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    marked = probe_file(tmp_path, f"-- name: slow\n-- scan: a nightly report\n{UNINDEXED};\n")
    only(monkeypatch, marked)
    assert review.run(None) == 0
    report = capsys.readouterr().out
    assert "scan (marked: a nightly report): SCAN tasks" in report
    assert "1 marked scans, 0 unmarked scans" in report


def test_the_review_fails_on_a_query_that_does_not_prepare(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    only(monkeypatch, probe_file(tmp_path, "-- name: broken\nSELECT nope FROM tasks;\n"))
    assert review.run(None) == 1
    assert "ERROR: the query does not prepare: SQLError: no such column: nope" in (
        capsys.readouterr().out
    )


def analysed_file(path: Path, stats: dict[str, str]) -> Path:
    """A migrated database file whose sqlite_stat1 holds ``stats`` (index -> stat)."""
    cwdb.ensure_schema(path)
    connection = apsw.Connection(str(path))
    connection.execute("ANALYZE")
    for index, stat in stats.items():
        connection.execute("UPDATE sqlite_stat1 SET stat = ? WHERE idx = ?", (stat, index))
    connection.close()
    return path


def test_the_review_of_a_database_plans_with_its_own_statistics(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = analysed_file(
        tmp_path / "cw.db",
        {"agents_status_idx": "20000 2 1", "agents_initiative_id_idx": "20000 10000"},
    )
    only(monkeypatch, probe_file(tmp_path, f"-- name: picky\n{PICKY};\n"))
    assert review.run(str(path)) == 0
    report = capsys.readouterr().out
    assert f"the statistics of {path}" in report
    assert "SEARCH agents USING INDEX agents_status_idx (status=?)" in report
    assert review.run(None) == 0
    assert "agents_initiative_id_idx (initiative_id=?)" in capsys.readouterr().out


def test_the_review_of_a_database_never_writes_to_it(tmp_path: Path) -> None:
    path = analysed_file(tmp_path / "cw.db", {})
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    review.run(str(path), out=io.StringIO())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_the_review_says_when_a_database_has_no_statistics(tmp_path: Path) -> None:
    path = tmp_path / "cw.db"
    cwdb.ensure_schema(path)
    out = io.StringIO()
    review.run(str(path), out=out)
    assert "which has no statistics (run ANALYZE)" in out.getvalue()


def test_the_review_of_a_missing_database_is_a_cwdb_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(cwdb.Error, match=r"missing\.db"):
        review.run(str(missing), out=io.StringIO())
    assert not missing.exists()


def test_the_review_of_a_database_without_statistics_plans_with_the_defaults(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cw.db"
    cwdb.ensure_schema(path)
    out = io.StringIO()
    review.run(str(path), out=out)
    assert "which has no statistics (run ANALYZE): SQLite's defaults" in out.getvalue()
    assert " 0 that do not prepare." in out.getvalue()
    assert "does not prepare" not in out.getvalue()


def test_the_review_of_a_sqlite_file_without_cwdbs_schema_says_so_in_one_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "other.db"
    other = apsw.Connection(str(path))
    other.execute("CREATE TABLE unrelated (x)")
    other.close()
    out = io.StringIO()
    with pytest.raises(cwdb.Error, match="is not a cwdb database") as raised:
        review.run(str(path), out=out)
    assert "\n" not in str(raised.value)
    assert out.getvalue() == ""
