"""``mypy --strict`` on caller code: typed create/update and ports (docs/reference.md §8).

The files of tests/typing_cases/ are caller code, read by mypy and never run.
``ok_calls.py`` must pass; in every ``bad_*.py`` each line that mypy must
refuse ends with ``# E: <error code>``, and mypy must report exactly those
lines with those codes (so a refusal for the wrong reason fails the test too).
"""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from collections import defaultdict
from enum import StrEnum
from pathlib import Path
from typing import get_args

import pytest

import cwdb
from cwdb import ports
from cwdb.enums import VALUE_TYPES

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "typing_cases"
CASE_FILES = sorted(p.name for p in CASES.glob("*.py") if p.name != "conftest.py")
BAD_FILES = [name for name in CASE_FILES if name.startswith("bad_")]

_EXPECTED = re.compile(r"#\s*E:\s*(?P<code>[a-z-]+)\s*$")
_REPORTED = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")

Errors = dict[str, set[tuple[int, str]]]


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Errors:
    """mypy --strict run once over every case file: errors by file name."""
    cache = tmp_path_factory.mktemp("mypy-cache")
    files = [str((CASES / name).relative_to(ROOT)) for name in CASE_FILES]
    options = ["--strict", "--no-pretty", "--cache-dir", str(cache)]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *options, *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    errors: Errors = defaultdict(set)
    for line in result.stdout.splitlines():
        found = _REPORTED.match(line)
        if found:
            errors[found["file"]].add((int(found["line"]), found["code"]))
    return errors


def expected(name: str) -> set[tuple[int, str]]:
    lines = (CASES / name).read_text(encoding="utf-8").splitlines()
    marks = {(n, m["code"]) for n, line in enumerate(lines, 1) if (m := _EXPECTED.search(line))}
    assert marks, f"{name} marks no line with '# E: <code>'"
    return marks


def test_correct_calls_on_every_repository_pass_mypy_strict(reported: Errors) -> None:
    assert reported.get("tests/typing_cases/ok_calls.py", set()) == set()


def test_every_adapter_fits_its_port_for_mypy_strict(reported: Errors) -> None:
    assert reported.get("tests/typing_cases/ok_adapters.py", set()) == set()


@pytest.mark.parametrize("name", BAD_FILES)
def test_mypy_refuses_exactly_the_marked_lines(reported: Errors, name: str) -> None:
    assert reported.get(f"tests/typing_cases/{name}", set()) == expected(name)


def test_the_package_itself_has_no_error_when_callers_import_it(reported: Errors) -> None:
    assert {f: e for f, e in reported.items() if not f.startswith("tests/typing_cases/")} == {}


def test_every_port_is_the_annotation_of_a_database_attribute() -> None:
    """``Database`` annotates each repository with its port, so ``mypy cwdb``
    checks every adapter assigned in ``Database.__init__`` against it."""
    annotations = typing.get_type_hints(cwdb.Database)
    assert set(annotations.values()) == {getattr(ports, name) for name in ports.__all__}


def test_every_enum_has_a_literal_alias_with_exactly_its_values_in_order() -> None:
    exported = {getattr(cwdb, name) for name in cwdb.__all__}
    enums = {e for e in exported if isinstance(e, type) and issubclass(e, StrEnum)}
    assert set(VALUE_TYPES) == enums
    for enum, (alias, _) in VALUE_TYPES.items():
        assert get_args(alias) == tuple(member.value for member in enum), enum.__name__


def test_every_enum_says_which_field_it_holds_and_its_values() -> None:
    for enum, (_, field) in VALUE_TYPES.items():
        assert enum.__doc__ is not None
        assert field in enum.__doc__
        assert repr(next(iter(enum)).value) in enum.__doc__
