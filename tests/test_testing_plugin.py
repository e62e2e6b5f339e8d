"""cwdb.testing, the pytest plugin for applications' tests, run with pytest's own ``pytester``.

Each test writes an application's test file into a temporary folder and runs
pytest on it (in this process), as a user would: with the plugin turned on
by ``-p cwdb.testing`` or by the ini option, or left off.
"""

from __future__ import annotations

import os
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from cwdb import testing
from tests.support import postgres_server

pytest_plugins = ["pytester"]

APP_TESTS = """
import datetime as dt

import cwdb


def test_first_makes_a_task(cwdb_db):
    made = cwdb_db.tasks.create(name="Toggle")
    assert cwdb_db.tasks.find_all() == [made]


def test_second_sees_no_row_of_the_first(cwdb_db):
    assert cwdb_db.tasks.find_all() == []
    assert cwdb_db.schema_version is not None


def test_the_clock_moves_timestamps(cwdb_db, cwdb_clock):
    start = dt.datetime(2030, 5, 1, 9, 0, tzinfo=dt.UTC)
    cwdb_clock.set(start)
    made = cwdb_db.initiatives.create(name="Dark mode")
    assert made.created_at == start
    cwdb_clock.advance(seconds=90)
    changed = cwdb_db.initiatives.update(made.id, status="completed")
    assert changed.updated_at == start + dt.timedelta(seconds=90)
    assert changed.created_at == start
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_app=APP_TESTS)
    return pytester.runpytest(*ENTRY, *args)


#: The installed entry point loads by itself, unless autoloading is off.
ENTRY = ("-p", "cwdb._pytest_entry") if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") else ()


def test_the_entry_point_is_the_module_that_only_adds_options() -> None:
    found = [e for e in entry_points(group="pytest11") if e.name == "cwdb"]
    assert [e.value for e in found] == ["cwdb._pytest_entry"]


def test_turned_on_with_p_the_fixtures_give_a_fresh_database_and_a_clock(
    pytester: pytest.Pytester,
) -> None:
    result = run(pytester, "-p", "cwdb.testing")
    result.assert_outcomes(passed=3)


def test_turned_on_by_the_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ncwdb_testing = true\n")
    result = run(pytester)
    result.assert_outcomes(passed=3)


def test_turned_on_by_pytest_plugins_in_a_conftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["cwdb.testing"]\n')
    result = run(pytester)
    result.assert_outcomes(passed=3)


def test_off_by_default_it_adds_no_fixture(pytester: pytest.Pytester) -> None:
    result = run(pytester)
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*fixture 'cwdb_db' not found*"])


def test_off_by_default_an_applications_own_db_and_clock_fixtures_stay_its_own(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        "import pytest\n\n"
        "@pytest.fixture\ndef db():\n    return 'the application db'\n\n"
        "@pytest.fixture\ndef clock():\n    return 'the application clock'\n"
    )
    pytester.makepyfile(
        test_own="def test_own(db, clock):\n"
        "    assert (db, clock) == ('the application db', 'the application clock')\n"
    )
    for extra in ((), ("-p", "cwdb.testing")):
        pytester.runpytest(*ENTRY, *extra).assert_outcomes(passed=1)


def test_a_url_that_is_not_postgresql_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(pytester, "-p", "cwdb.testing", "--cwdb-url", "cw.db")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'cw.db' is not a PostgreSQL URL*"])


def test_the_clock_is_aware_and_settable() -> None:
    clock = testing.SettableClock()
    assert clock() == testing.DEFAULT_START
    assert clock.advance(minutes=1) == testing.DEFAULT_START.replace(minute=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(testing.DEFAULT_START.replace(tzinfo=None))


def test_on_postgresql_the_database_is_migrated_once_and_emptied_between_tests(
    pytester: pytest.Pytester,
    pg_server: postgres_server.PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = pg_server.create_database("plugin")
    pytester.makepyfile(
        test_backend=(
            "def test_it_is_postgresql(cwdb_db, cwdb_url):\n"
            "    assert cwdb_url is not None\n"
            "    assert cwdb_db.path.startswith('postgresql://')\n"
        )
    )
    run(pytester, "-p", "cwdb.testing", "--cwdb-url", url).assert_outcomes(passed=4)
    # The same through the environment variable, a second session on the same database.
    monkeypatch.setenv(testing.URL_VARIABLE, url)
    run(pytester, "-p", "cwdb.testing").assert_outcomes(passed=4)


def readme_section_blocks(language: str) -> list[str]:
    """The ``language`` code blocks of the README's section on this plugin."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Testing your application with cwdb", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    (ini,) = readme_section_blocks("ini")
    example, alias = readme_section_blocks("python")
    pytester.makeini(ini)
    pytester.makeconftest("import pytest\n\n" + alias)
    pytester.makepyfile(
        test_readme=example + "\n\ndef test_alias(db, cwdb_db):\n    assert db is cwdb_db\n"
    )
    pytester.runpytest(*ENTRY).assert_outcomes(passed=2)
