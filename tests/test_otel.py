"""OpenTelemetry spans and the duration histogram (docs/reference.md §11), on both backends.

The SDK's in-memory span exporter and metric reader are the global providers
for each test (the ``otel`` fixture, tests/support/otel.py). The ``db``
tests run through the asyncio API too (``async_too``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import cwdb
from tests.support import factories
from tests.support.otel import PASSWORD, Telemetry

pytestmark = pytest.mark.async_too


def backend(db_backend: str) -> str:
    """The database behind a case: ``sqlite-async`` runs on SQLite, as ``sqlite`` does."""
    return db_backend.removesuffix("-async")


def test_each_statement_is_a_client_span_named_by_its_query(
    db: cwdb.Database, otel: Telemetry, db_backend: str
) -> None:
    task = factories.task(db)
    otel.spans.clear()
    db.tasks.find_by_id(task.id)
    (span,) = otel.finished()
    assert span.name == "tasks.find_by_id"
    assert span.kind is SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    query = db.dialect.query_file("tasks")["find_by_id"]
    assert attributes["db.system.name"] == db.dialect.name
    assert attributes["db.namespace"]
    assert attributes["db.operation.name"] == "SELECT"
    assert attributes["db.collection.name"] == "tasks"
    assert attributes["db.query.summary"] == "tasks.find_by_id"
    assert attributes["db.query.text"] == query.sql
    assert attributes["db.response.returned_rows"] == 1
    assert "error.type" not in attributes


def test_the_namespace_is_the_path_or_the_database_name(
    db: cwdb.Database, otel: Telemetry, db_backend: str
) -> None:
    factories.initiative(db)
    namespace = otel.finished()[0].attributes["db.namespace"]  # type: ignore[index]
    if backend(db_backend) == "sqlite":
        assert namespace == db.path
    else:
        assert namespace == db.path.split("?")[0].rsplit("/", 1)[1]


def test_a_transaction_block_is_the_parent_of_its_statements(
    db: cwdb.Database, otel: Telemetry
) -> None:
    with db.transaction():
        initiative = factories.initiative(db)
        factories.phase(db, initiative_id=initiative.id)
    (block,) = otel.named("cwdb.transaction")
    inside = [s for s in otel.finished() if s is not block]
    assert {s.name for s in inside} >= {"initiatives.create", "phases.create", "COMMIT"}
    assert all(s.parent is not None and s.parent.span_id == block.context.span_id for s in inside)
    assert all(s.context.trace_id == block.context.trace_id for s in inside)


def test_a_failed_statement_sets_error_type_and_no_message(
    db: cwdb.Database, otel: Telemetry, db_backend: str
) -> None:
    known = factories.initiative(db).id
    missing = known[:-1] + ("a" if known[-1] != "a" else "b")
    otel.spans.clear()
    with pytest.raises(cwdb.IntegrityError):
        db.phases.create(initiative_id=missing, name="p")
    (failed,) = [s for s in otel.finished() if s.status.status_code is StatusCode.ERROR]
    assert failed.name == "phases.create"
    error_type = failed.attributes["error.type"]  # type: ignore[index]
    on_sqlite = backend(db_backend) == "sqlite"
    assert error_type.split(".")[0] == ("apsw" if on_sqlite else "psycopg")  # type: ignore[union-attr]
    assert failed.status.description is None
    assert failed.events == ()
    if backend(db_backend) == "postgresql":
        assert failed.attributes["db.response.status_code"] == "23503"  # type: ignore[index]


def test_every_statement_records_its_duration_in_seconds(
    db: cwdb.Database, otel: Telemetry, db_backend: str
) -> None:
    task = factories.task(db)
    for _ in range(3):
        db.tasks.find_by_id(task.id)
    points = [p for p in otel.durations() if p.attributes["db.query.summary"] == "tasks.find_by_id"]
    (point,) = points
    assert point.count == 3
    assert 0 < point.sum < 3  # seconds, not milliseconds
    assert point.attributes["db.system.name"] == db.dialect.name
    assert point.attributes["db.operation.name"] == "SELECT"
    assert "db.query.text" not in point.attributes


def test_no_span_and_no_duration_without_a_provider(db: cwdb.Database) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    factories.task(db)  # the global providers are not set: nothing to export to
    assert exporter.get_finished_spans() == ()


# -- no value, no password, anywhere ----------------------------------------------

SECRET = "sentinel-4f1c9e-secret"  # noqa: S105 -- a sentinel to look for, not a password


def test_no_parameter_value_or_url_password_in_any_record_span_or_capture(
    request: pytest.FixtureRequest,
    db_backend: str,
    otel: Telemetry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    request.getfixturevalue("db")  # empties the suite's database; this test opens its own
    on_sqlite = backend(db_backend) == "sqlite"
    if on_sqlite:
        target = ":memory:"
    else:
        suite = "pg_bouncer_suite" if db_backend == "pgbouncer" else "pg_suite"
        url = request.getfixturevalue(suite).url
        # The test server trusts its socket: a password is accepted and ignored.
        target = url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@")
        assert PASSWORD in target
    with caplog.at_level(logging.DEBUG, logger="cwdb"):
        if db_backend.endswith("-async"):
            captured = asyncio.run(secrets_through_async(target, migrate=on_sqlite))
        else:
            captured = secrets_through_sync(target, migrate=on_sqlite)
    shown: list[str] = []
    for record in caplog.records:
        shown.append(record.getMessage())
        shown += [repr(value) for value in vars(record).values()]
    for span in otel.finished():
        shown += [span.name, repr(dict(span.attributes or {})), repr(span.status.description)]
        shown += [repr(event.attributes) for event in span.events]
    shown += [repr(point.attributes) for point in otel.durations()]
    shown += [repr(c) for c in captured]
    assert len(otel.finished()) > 5
    assert any("accounts.update" in text for text in shown)
    assert [c.name for c in captured if c.rows is None] == ["agents.create"]
    leaked = [text for text in shown if SECRET in text or PASSWORD in text]
    assert leaked == []


CREDENTIALS = json.dumps({"api_key": SECRET, "refresh_token": SECRET})


def secrets_through_sync(target: str, *, migrate: bool) -> list[Any]:
    """Statements whose parameters hold the secret, slow, failing, in a block; captured."""
    with (
        cwdb.connect(target, migrate=migrate, slow_query_ms=0) as db,
        db.capture() as captured,
    ):
        account = db.accounts.create(
            email=f"{SECRET}@example.com", credentials=CREDENTIALS, config_json=CREDENTIALS
        )
        db.accounts.find_by_id(account.id)
        for _ in range(2):  # the second run of a slow SQLite statement is profiled
            db.accounts.update(account.id, credentials=CREDENTIALS)
        factories.agent(db, name=SECRET)
        with pytest.raises(cwdb.ConflictError), db.transaction():
            factories.agent(db, name=SECRET)  # a driver's message may quote the value
    return captured


async def secrets_through_async(target: str, *, migrate: bool) -> list[Any]:
    """:func:`secrets_through_sync` on the ``AsyncDatabase``."""
    async with cwdb.connect_async(target, migrate=migrate, slow_query_ms=0) as db:
        with db.capture() as captured:
            account = await db.accounts.create(
                email=f"{SECRET}@example.com", credentials=CREDENTIALS, config_json=CREDENTIALS
            )
            await db.accounts.find_by_id(account.id)
            for _ in range(2):
                await db.accounts.update(account.id, credentials=CREDENTIALS)
            await db.agents.create(name=SECRET, worktree_id="wt-1")
            with pytest.raises(cwdb.ConflictError):
                async with db.transaction():
                    await db.agents.create(name=SECRET, worktree_id="wt-2")
    return captured


# -- without the extra -------------------------------------------------------------


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_import_cwdb_and_running_statements_import_nothing_of_opentelemetry(
    backend_name: str, request: pytest.FixtureRequest
) -> None:
    # On PostgreSQL the pools (sync and async) are opened too: they count nothing then.
    url = ":memory:" if backend_name == "sqlite" else request.getfixturevalue("pg_suite").url
    script = (
        "import asyncio, sys, cwdb\n"
        f"url, migrate = {url!r}, {backend_name == 'sqlite'}\n"
        "db = cwdb.connect(url, migrate=migrate, slow_query_ms=0)\n"
        "with db.transaction():\n"
        "    db.initiatives.create(name='x')\n"
        "with db.capture():\n"
        "    db.initiatives.find_all()\n"
        "async def main():\n"
        "    async with cwdb.connect_async(url, migrate=migrate, slow_query_ms=0) as adb:\n"
        "        async with adb.transaction():\n"
        "            await adb.initiatives.create(name='x')\n"
        "        with adb.capture():\n"
        "            await adb.initiatives.find_all()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'opentelemetry'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
