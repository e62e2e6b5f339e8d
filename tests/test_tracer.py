"""The statement tracer (tests/support/tracer.py) catches SQL not verbatim from the files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import apsw
import yoyo

import cwdb
from cwdb.adapters.sqlfiles import load_all
from tests.support import tracer
from tests.support.helpers import raw_connection

REPOSITORY = Path(__file__).resolve().parent.parent


def test_a_statement_built_at_run_time_on_a_cwdb_connection_is_caught() -> None:
    with tracer.recording() as log, cwdb.connect(":memory:") as db:
        db._runner.session().cursor.execute("SELECT count(*) FROM initiatives WHERE 1")
    (problem,) = log.problems()
    assert problem.startswith("not verbatim from sql/ or migrations/")
    assert "WHERE 1" in problem


def test_named_queries_transactions_and_pragmas_pass() -> None:
    with tracer.recording() as log, cwdb.connect(":memory:") as db:
        with db.transaction():
            created = db.initiatives.create(name="traced")
        db.initiatives.update(created.id, status="completed")
    create = load_all()["initiatives"]["create"].sql
    assert any(sql == create for sql, _names in log.seen)
    assert {tracer.first_word(sql) for sql, _names in log.seen} >= {"BEGIN", "COMMIT"}
    assert log.problems() == []


def test_migration_scripts_pass_statement_by_statement(tmp_path: Path) -> None:
    with tracer.recording() as log:
        cwdb.ensure_schema(tmp_path / "cw.db")
    assert any("CREATE TABLE initiatives" in sql for sql, _names in log.seen)
    assert log.problems() == []


def test_connections_a_test_opens_itself_are_not_traced() -> None:
    with tracer.recording() as log, cwdb.connect(":memory:") as db:
        own = raw_connection(db)
        own.execute("SELECT 42")
        own.close()
        apsw.Connection(":memory:").execute("SELECT 43")
    assert log.connections["test"] == 2
    assert log.problems() == []


def test_connections_opened_on_other_threads_are_traced(tmp_path: Path) -> None:
    with tracer.recording() as log, cwdb.connect(tmp_path / "cw.db") as db:
        worker = threading.Thread(target=db.initiatives.find_all)
        worker.start()
        worker.join()
    find_all = load_all()["initiatives"]["find_all"].sql
    assert (find_all, ()) in log.seen


def test_yoyos_own_connections_are_left_to_yoyo(tmp_path: Path) -> None:
    with tracer.recording() as log:
        backend = yoyo.get_backend(f"apsw:///{tmp_path / 'cw.db'}")
        with backend.lock():
            backend.apply_migrations(backend.to_apply(yoyo.read_migrations(_migrations())))
        backend.connection.close()
    assert log.connections["yoyo"] >= 1
    assert log.seen == {}


def test_extra_migration_folders_can_be_allowed(tmp_path: Path) -> None:
    (tmp_path / "0002_extra.sql").write_text("CREATE TABLE extra (x INTEGER) STRICT;\n")
    log = tracer.StatementLog()
    log.seen[("CREATE TABLE extra (x INTEGER) STRICT;\n", None)] = 1
    assert len(log.problems()) == 1
    log.allow_migrations(tmp_path)
    assert log.problems() == []


def test_a_test_session_where_cwdb_runs_built_sql_fails(tmp_path: Path) -> None:
    test_file = tmp_path / "test_builds_sql.py"
    test_file.write_text(
        textwrap.dedent(
            """
            import cwdb

            def test_passes_but_runs_built_sql():
                with cwdb.connect(":memory:") as db:
                    table = "initiatives"
                    db._runner.session().cursor.execute(f"SELECT id FROM {table} LIMIT 1")
            """
        )
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", str(test_file)),
            *("-p", "tests.support.tracer", "-p", "no:cacheprovider"),
            *("--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini")),
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "1 passed" in done.stdout
    assert (
        "not verbatim from sql/ or migrations/: 'SELECT id FROM initiatives LIMIT 1'" in done.stdout
    )
    assert done.returncode == 1


def _migrations() -> str:
    from cwdb._resources import resource_dir

    return str(resource_dir("migrations"))
