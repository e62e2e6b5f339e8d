"""Observability (docs/reference.md §11): the cwdb.sql log, slow statements, db.capture().

Run on both backends, and through the asyncio API (``async_too``: the
statements of each call are run by its own task, ``db.capture()`` is the
``AsyncDatabase``'s, opened on the test's thread and inherited by the tasks).
OpenTelemetry is tests/test_otel.py; what the PostgreSQL server sees is
tests/test_observe_postgresql.py; coroutines' own captures and spans are
tests/test_observe_async.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

import cwdb
from cwdb.adapters.observe import Captured
from tests.support import factories

pytestmark = pytest.mark.async_too

SQL = "cwdb.sql"
#: What BEGIN of a write outside a block is, per backend (PostgreSQL: none, autocommit).
OWN_TRANSACTION = {"sqlite": ["BEGIN IMMEDIATE"], "postgresql": [], "pgbouncer": []}
OWN_COMMIT = {"sqlite": ["COMMIT"], "postgresql": [], "pgbouncer": []}
#: What a transaction() block runs around its statements.
SERIALIZABLE = ["BEGIN ISOLATION LEVEL SERIALIZABLE"]
BLOCK_BEGIN = {"sqlite": ["BEGIN IMMEDIATE"], "postgresql": SERIALIZABLE, "pgbouncer": SERIALIZABLE}


def backend(db_backend: str) -> str:
    """The database behind a case: ``sqlite-async`` runs on SQLite, as ``sqlite`` does."""
    return db_backend.removesuffix("-async")


@pytest.fixture
def debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG, logger=SQL):
        yield caplog


def sql_records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == SQL and r.levelno == level]


def names(captured: list[Captured]) -> list[str]:
    return [c.name for c in captured]


# -- the DEBUG record ----------------------------------------------------------


def test_each_statement_logs_one_debug_record_with_name_dialect_duration_and_rows(
    db: cwdb.Database, debug: pytest.LogCaptureFixture
) -> None:
    task = factories.task(db)
    debug.clear()
    db.tasks.find_by_id(task.id)
    (record,) = sql_records(debug, logging.DEBUG)
    assert record.query_name == "tasks.find_by_id"  # type: ignore[attr-defined]
    assert record.dialect == db.dialect.name  # type: ignore[attr-defined]
    assert record.rows == 1  # type: ignore[attr-defined]
    assert isinstance(record.duration_ms, float)  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]
    assert record.database == db.path  # type: ignore[attr-defined]
    message = record.getMessage()
    assert message.startswith("tasks.find_by_id: ")
    assert "rows 1" in message
    assert f"({db.dialect.name})" in message


def test_a_write_logs_the_rows_it_changed(
    db: cwdb.Database, debug: pytest.LogCaptureFixture
) -> None:
    task = factories.task(db)
    debug.clear()
    assert db.tasks.delete(task.id) is None
    deletes = [r for r in sql_records(debug, logging.DEBUG) if r.query_name == "tasks.delete"]  # type: ignore[attr-defined]
    assert [r.rows for r in deletes] == [1]  # type: ignore[attr-defined]


def missing_id(db: cwdb.Database) -> str:
    """An id of the right form that no initiative has."""
    known = factories.initiative(db).id
    return known[:-1] + ("a" if known[-1] != "a" else "b")


def test_a_failed_statement_logs_its_error_type_only(
    db: cwdb.Database, debug: pytest.LogCaptureFixture
) -> None:
    missing = missing_id(db)
    debug.clear()
    with pytest.raises(cwdb.IntegrityError, match=missing):
        db.phases.create(initiative_id=missing, name="p")
    failed = [r for r in sql_records(debug, logging.DEBUG) if hasattr(r, "error_type")]
    assert [r.query_name for r in failed] == ["phases.create"]  # type: ignore[attr-defined]
    assert failed[0].error_type.split(".")[0] in ("apsw", "psycopg")  # type: ignore[attr-defined]
    assert missing not in failed[0].getMessage()


def test_debug_switched_on_between_two_reads_logs_the_second(
    db: cwdb.Database, caplog: pytest.LogCaptureFixture
) -> None:
    task = factories.task(db)
    logger = logging.getLogger(SQL)
    with caplog.at_level(logging.DEBUG, logger=SQL):  # restores the level after
        logger.setLevel(logging.WARNING)
        db.tasks.find_by_id(task.id)  # DEBUG off: the quiet path, its answer cached
        assert sql_records(caplog, logging.DEBUG) == []
        logger.setLevel(logging.DEBUG)
        db.tasks.find_by_id(task.id)
    (record,) = sql_records(caplog, logging.DEBUG)
    assert record.query_name == "tasks.find_by_id"  # type: ignore[attr-defined]


def test_nothing_is_logged_at_the_default_level(
    db: cwdb.Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=SQL):
        factories.task(db)
    assert sql_records(caplog, logging.DEBUG) == []


def test_migration_records_name_the_migration_once(
    tmp_path: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="cwdb"):
        cwdb.ensure_schema(str(tmp_path / "cw.db"))  # type: ignore[operator]
    applied = [r for r in caplog.records if r.name == "cwdb.migrations"]
    assert applied
    first = applied[0]
    assert first.getMessage() == f"applied migration {first.migration_id} (sqlite)"  # type: ignore[attr-defined]
    assert not any(r.getMessage().startswith("cwdb:") for r in caplog.records)


# -- slow statements -----------------------------------------------------------


def test_a_statement_at_or_over_slow_query_ms_logs_a_warning(
    db: cwdb.Database, caplog: pytest.LogCaptureFixture
) -> None:
    task = factories.task(db)
    db.slow_query_ms = 0
    with caplog.at_level(logging.WARNING, logger=SQL):
        db.tasks.find_by_id(task.id)
    (record,) = sql_records(caplog, logging.WARNING)
    assert record.query_name == "tasks.find_by_id"  # type: ignore[attr-defined]
    assert record.slow_query_ms == 0  # type: ignore[attr-defined]
    assert record.rows == 1  # type: ignore[attr-defined]
    assert record.dialect == db.dialect.name  # type: ignore[attr-defined]
    assert record.getMessage().startswith("slow statement tasks.find_by_id: ")


def test_statements_under_slow_query_ms_log_nothing(
    db: cwdb.Database, caplog: pytest.LogCaptureFixture
) -> None:
    assert db.slow_query_ms == 100
    with caplog.at_level(logging.WARNING, logger=SQL):
        factories.task(db)
        db.slow_query_ms = None
        factories.task(db)
    assert sql_records(caplog, logging.WARNING) == []


@pytest.mark.sqlite_only("SQLite's per-statement counters")
def test_a_slow_sqlite_statement_carries_full_scan_sort_and_vm_step_counts_from_then_on(
    db: cwdb.Database, caplog: pytest.LogCaptureFixture
) -> None:
    task = factories.task(db)
    db.slow_query_ms = 0
    with caplog.at_level(logging.WARNING, logger=SQL):
        db.tasks.find_by_phase_id(task.phase_id)
        db.tasks.find_by_phase_id(task.phase_id)
    first, second = sql_records(caplog, logging.WARNING)
    assert not hasattr(first, "vm_steps")  # the first run is not profiled (observe.py)
    assert second.vm_steps > 0  # type: ignore[attr-defined]
    assert second.full_scan_steps >= 0  # type: ignore[attr-defined]
    assert second.sorts >= 0  # type: ignore[attr-defined]
    assert "vm steps" in second.getMessage()


@pytest.mark.sqlite_only("SQLite's per-statement counters")
def test_a_full_scan_is_counted(caplog: pytest.LogCaptureFixture) -> None:
    # initiatives.find_all reads the whole table (its -- scan:).
    with cwdb.connect(":memory:", slow_query_ms=0) as db:
        for _ in range(3):
            factories.initiative(db)
        with caplog.at_level(logging.WARNING, logger=SQL):
            for _ in range(2):
                db.initiatives.find_all()
    found = [r for r in sql_records(caplog, logging.WARNING) if hasattr(r, "vm_steps")]
    (counted,) = [r for r in found if r.query_name == "initiatives.find_all"]  # type: ignore[attr-defined]
    assert counted.full_scan_steps >= 2  # type: ignore[attr-defined]
    assert counted.sorts == 0  # type: ignore[attr-defined] # it reads an index in order


@pytest.mark.parametrize("bad", [-1, "100", True, float("nan"), float("inf")])
def test_slow_query_ms_must_be_a_number_of_milliseconds_or_none(bad: object) -> None:
    with pytest.raises(cwdb.ValidationError, match="slow_query_ms"):
        cwdb.connect(":memory:", slow_query_ms=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, "100", True, float("nan")])
def test_slow_query_ms_of_connect_async_is_checked_before_anything_opens(bad: object) -> None:
    with pytest.raises(cwdb.ValidationError, match="slow_query_ms"):
        cwdb.connect_async(":memory:", slow_query_ms=bad)  # type: ignore[arg-type]


def test_slow_query_ms_is_a_connect_option_of_both_backends(
    db: cwdb.Database, request: pytest.FixtureRequest, db_backend: str
) -> None:
    suite = "pg_bouncer_suite" if db_backend == "pgbouncer" else "pg_suite"
    on_sqlite = backend(db_backend) == "sqlite"
    target = ":memory:" if on_sqlite else request.getfixturevalue(suite).url
    migrate = on_sqlite  # a new :memory: database; the suite's is migrated
    if db_backend.endswith("-async"):
        assert [asyncio.run(slow_query_ms_async(target, migrate, v)) for v in (2.5, None)] == [
            2.5,
            None,
        ]
        return
    with cwdb.connect(target, migrate=migrate, slow_query_ms=2.5) as other:
        assert other.slow_query_ms == 2.5
    with cwdb.connect(target, migrate=migrate, slow_query_ms=None) as other:
        assert other.slow_query_ms is None


async def slow_query_ms_async(target: str, migrate: bool, value: float | None) -> float | None:
    async with cwdb.connect_async(target, migrate=migrate, slow_query_ms=value) as other:
        return other.slow_query_ms


# -- db.capture() --------------------------------------------------------------


def test_find_by_id_runs_one_statement(db: cwdb.Database) -> None:
    task = factories.task(db)
    with db.capture() as captured:
        db.tasks.find_by_id(task.id)
    assert names(captured) == ["tasks.find_by_id"]
    assert captured[0].rows == 1
    assert captured[0].duration_ms >= 0


def test_a_capture_opened_after_quiet_reads_sees_the_next_one(db: cwdb.Database) -> None:
    task = factories.task(db)
    db.tasks.find_by_id(task.id)
    with db.capture() as captured:
        db.tasks.find_by_id(task.id)
    db.tasks.find_by_id(task.id)
    assert names(captured) == ["tasks.find_by_id"]


def test_update_runs_one_statement_in_its_own_transaction(
    db: cwdb.Database, db_backend: str
) -> None:
    task = factories.task(db)
    with db.capture() as captured:
        db.tasks.update(task.id, status=cwdb.TaskStatus.IN_PROGRESS)
    assert names(captured) == [
        *OWN_TRANSACTION[backend(db_backend)],
        "tasks.update__status",
        *OWN_COMMIT[backend(db_backend)],
    ]


def test_insert_chunks_is_one_batch_in_one_transaction(db: cwdb.Database, db_backend: str) -> None:
    agent = factories.agent(db)
    chunks = [{"agent_id": agent.id, "agent_name": "a", "content": f"line {i}"} for i in range(50)]
    with db.capture() as captured:
        assert db.log_chunks.insert_chunks(chunks) == 50
    named = [c for c in captured if "." in c.name and not c.name.startswith("_")]
    assert [(c.name, c.rows) for c in named] == [("log_chunks.insert_chunks", 50)]
    assert names(captured)[0] == BLOCK_BEGIN[backend(db_backend)][0]
    assert names(captured)[-1] == "COMMIT"


def test_capture_holds_only_its_database_and_its_thread(db: cwdb.Database) -> None:
    import threading

    task = factories.task(db)
    with cwdb.connect(":memory:") as other, db.capture() as captured:
        factories.initiative(other)
        thread = threading.Thread(target=db.tasks.find_by_id, args=(task.id,))
        thread.start()
        thread.join()
        db.tasks.find_by_phase_id(task.phase_id)
    assert names(captured) == ["tasks.find_by_phase_id"]


def test_captures_nest_and_each_sees_what_ran_inside_it(db: cwdb.Database) -> None:
    task = factories.task(db)
    with db.capture() as outer:
        db.tasks.find_by_id(task.id)
        with db.capture() as inner:
            db.tasks.find_by_phase_id(task.phase_id)
    assert names(outer) == ["tasks.find_by_id", "tasks.find_by_phase_id"]
    assert names(inner) == ["tasks.find_by_phase_id"]
    with db.capture() as after:
        pass
    assert after == []


def test_a_failed_statement_is_captured_with_rows_none(db: cwdb.Database) -> None:
    missing = missing_id(db)
    with db.capture() as captured, pytest.raises(cwdb.IntegrityError):
        db.phases.create(initiative_id=missing, name="p")
    failed = [c for c in captured if c.rows is None]
    assert names(failed) == ["phases.create"]
