"""What ``cwdb.connect`` takes: a path, ``":memory:"``, or a URL whose scheme it knows.

``cwdb.dialects.dialect_for`` is the one place that maps a target to its
dialect; these tests go through the public functions.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import cwdb
from cwdb.dialects import POSTGRESQL, SQLITE, dialect_for
from tests.support import postgres_server


@pytest.mark.parametrize(
    "target",
    [
        "mysql://cw:s3cret@db/cw",
        "mssql+pyodbc://db/cw",
        "redis://localhost/0",
        "HTTP://example.com/cw.db",
    ],
)
def test_an_unknown_url_scheme_is_refused_and_creates_nothing(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for call in (cwdb.connect, cwdb.ensure_schema):
        with pytest.raises(cwdb.Error, match="unsupported URL scheme") as raised:
            call(target)
        assert "s3cret" not in str(raised.value)
    assert os.listdir(tmp_path) == []


def test_an_sqlite_uri_filename_is_refused_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(cwdb.Error, match="URI filenames are not supported"):
        cwdb.connect("file:x.db?mode=ro")
    assert os.listdir(tmp_path) == []


def test_yoyos_sqlite_forms_name_a_relative_or_absolute_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with cwdb.connect("sqlite:///relative.db") as db:
        db.initiatives.create(name="via sqlite:///")
    with cwdb.connect("relative.db", migrate=False) as db:
        assert [i.name for i in db.initiatives.find_all()] == ["via sqlite:///"]
    absolute = tmp_path / "absolute.db"
    assert cwdb.ensure_schema(f"apsw:///{absolute}") != []
    assert absolute.is_file()
    assert dialect_for(f"sqlite:///{absolute}").location == str(absolute)


def test_an_sqlite_url_without_a_path_says_how_to_write_one() -> None:
    with pytest.raises(cwdb.Error, match="three slashes and a path"):
        cwdb.connect("sqlite://cw.db")


def test_each_target_kind_has_its_dialect() -> None:
    assert dialect_for(":memory:").dialect is SQLITE
    assert dialect_for(Path("cw.db")).dialect is SQLITE
    assert dialect_for("postgres://h/db").dialect is POSTGRESQL
    with pytest.raises(cwdb.ValidationError, match="expected a path or a database URL"):
        dialect_for(42)  # type: ignore[arg-type]


def test_yoyos_postgresql_form_opens_the_same_database(
    pg_server: postgres_server.PostgresServer,
) -> None:
    url = pg_server.create_database("targets")
    yoyo_form = url.replace("postgresql://", "postgresql+psycopg://", 1)
    with cwdb.connect(yoyo_form) as db:
        made = db.initiatives.create(name="via postgresql+psycopg://")
        assert db.path.startswith("postgresql://")
    with cwdb.connect(url, migrate=False) as db:
        assert db.initiatives.find_by_id(made.id) == made


def test_an_unknown_connect_option_is_refused_on_sqlite() -> None:
    with pytest.raises(cwdb.ValidationError, match="not an option of sqlite databases"):
        cwdb.connect(":memory:", bogus_option=1)
