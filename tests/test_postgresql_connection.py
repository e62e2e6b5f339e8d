"""Opening PostgreSQL connections and translating psycopg errors, on a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

import cwdb
from tests.support import pg_tracer, postgres_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")
from cwdb._redact import redact  # noqa: E402
from cwdb.adapters.psycopg.connection import open_connection  # noqa: E402  (needs psycopg)
from cwdb.adapters.psycopg.translate import translate  # noqa: E402
from cwdb.dialects import POSTGRESQL, SQLITE, dialect_for  # noqa: E402


@pytest.fixture
def url(pg_server: postgres_server.PostgresServer) -> str:
    """A new database with the whole schema."""
    made = pg_server.create_database("connection")
    postgres_server.apply_migrations(made)
    return made


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://cw:s3cret@db.example:5432/cw", "postgresql://cw:***@db.example:5432/cw"),
        ("postgres://cw:s3cret@/cw?host=/run/pg", "postgres://cw:***@/cw?host=/run/pg"),
        ("postgresql:///cw?password=s3cret&sslmode=require", "postgresql:///cw?password=***&sslmode=require"),
        ("host=db password=s3cret dbname=cw", "host=db password=*** dbname=cw"),
        ("postgresql://cw@db/cw", "postgresql://cw@db/cw"),
    ],
)  # fmt: skip
def test_redact_hides_every_form_of_password(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert "s3cret" not in redact(url)


def test_postgresql_urls_are_told_from_paths() -> None:
    assert dialect_for("postgresql://cw@db/cw").dialect is POSTGRESQL
    assert dialect_for("postgres://cw@db/cw").dialect is POSTGRESQL
    assert dialect_for("postgresql+psycopg://cw@db/cw").location == "postgresql://cw@db/cw"
    assert dialect_for("cw.db").dialect is SQLITE
    assert dialect_for(Path("postgresql:")).dialect is SQLITE


def test_a_connection_runs_in_utc_with_the_busy_timeout_as_lock_timeout(url: str) -> None:
    for setting in ("TimeZone", "lock_timeout", "application_name"):
        pg_tracer.allow(f"SHOW {setting}")  # the test's own look at cwdb's connection
    with open_connection(url, busy_timeout_ms=1234) as connection:
        assert connection.autocommit
        assert connection.execute("SHOW TimeZone").fetchone() == ("UTC",)
        assert connection.execute("SHOW lock_timeout").fetchone() == ("1234ms",)
        assert connection.execute("SHOW application_name").fetchone() == ("cwdb",)


def test_a_database_that_cannot_be_opened_is_an_error_naming_it_without_the_password(
    pg_server: postgres_server.PostgresServer,
) -> None:
    bad = f"postgresql://postgres:s3cret@/no_such_database?host={pg_server.folder}"
    with pytest.raises(cwdb.Error) as raised:
        open_connection(bad, busy_timeout_ms=100)
    message = str(raised.value)
    assert "no_such_database" in message
    assert "postgres:***@" in message
    assert "s3cret" not in message


INSERT_INITIATIVE = (
    "INSERT INTO initiatives (id, name, status, created_at, updated_at) "
    "VALUES (%s, 'n', %s, now(), now())"
)


def raised_by(url: str, sql: str, params: tuple[object, ...]) -> cwdb.Error:
    """What ``translate`` makes of the error of a test's own statement (not cwdb's SQL)."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(INSERT_INITIATIVE, ("i1", "active"))
        try:
            connection.execute(sql, params)
        except psycopg.Error as error:
            return translate(error)
    raise AssertionError("the statement did not fail")


def test_a_unique_violation_is_a_conflict_naming_the_constraint(url: str) -> None:
    error = raised_by(url, INSERT_INITIATIVE, ("i1", "active"))
    assert type(error) is cwdb.ConflictError
    assert "initiatives_pkey" in str(error)


def test_a_check_violation_is_an_integrity_error_naming_the_rule_as_on_sqlite(url: str) -> None:
    error = raised_by(url, INSERT_INITIATIVE, ("i2", "bogus"))
    assert type(error) is cwdb.IntegrityError
    assert "initiatives_status_check" in str(error)


def test_a_foreign_key_violation_is_an_integrity_error(url: str) -> None:
    error = raised_by(
        url,
        "INSERT INTO phases (id, initiative_id, name, created_at, updated_at) "
        "VALUES (%s, %s, 'n', now(), now())",
        ("p1", "nope"),
    )
    assert type(error) is cwdb.IntegrityError
    assert "FOREIGN KEY" in str(error)


def test_a_not_null_violation_names_the_column(url: str) -> None:
    error = raised_by(
        url,
        "INSERT INTO errands (id, description, branch, created_at, updated_at) "
        "VALUES (%s, 'd', 'b', now(), now())",
        ("e1",),
    )
    assert type(error) is cwdb.IntegrityError
    assert "errands.project_id" in str(error)


def test_a_lock_timeout_is_a_busy_error(url: str) -> None:
    with (
        psycopg.connect(url, autocommit=True) as holder,
        psycopg.connect(url, autocommit=True, options="-c lock_timeout=50") as waiter,
    ):
        holder.execute(INSERT_INITIATIVE, ("i1", "active"))
        with holder.transaction():
            holder.execute("SELECT 1 FROM initiatives WHERE id = 'i1' FOR UPDATE")
            with pytest.raises(psycopg.Error) as raised:
                waiter.execute("UPDATE initiatives SET name = 'x' WHERE id = 'i1'")
    error = translate(raised.value, busy_timeout_ms=50)
    assert type(error) is cwdb.BusyError
    assert "50 ms" in str(error)
