"""The project documents its own public API, inside the repository.

``docs/reference.md`` and the docstrings are the reference; nothing in the
repository points at a file it does not have.
"""

from __future__ import annotations

import inspect
import re
import subprocess
from pathlib import Path

import pytest

import cwdb

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference.md"
#: Spelled in two pieces, so that this file does not mention what it looks for.
OUTSIDE = ("API" + ".md", "shared" + "/")


def repository_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode == 0 and listed.stdout.strip():
        names = listed.stdout.split()
    else:  # not a git checkout (an unpacked sdist): every file but the venv's
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if ".venv" not in p.parts]
    suffixes = {".py", ".md", ".sql", ".sh", ".ini", ".cfg", ".toml", ".txt", ""}
    return [
        ROOT / name
        for name in names
        if (ROOT / name).is_file()
        and Path(name).suffix in suffixes
        and name != "tests/test_docs.py"
    ]


def test_nothing_in_the_repository_points_at_a_file_outside_it() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {needle}"
        for path in repository_text_files()
        for needle in OUTSIDE
        if needle in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []


def test_the_readme_links_the_reference_page() -> None:
    assert "(docs/reference.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert REFERENCE.is_file()


@pytest.mark.parametrize("name", [n for n in cwdb.__all__ if n != "__version__"])
def test_every_public_name_is_in_the_reference_and_has_a_docstring(name: str) -> None:
    assert re.search(rf"\b{re.escape(name)}\b", REFERENCE.read_text(encoding="utf-8")), name
    assert inspect.getdoc(getattr(cwdb, name)), name


def test_help_of_connect_documents_its_arguments_in_place() -> None:
    doc = inspect.getdoc(cwdb.connect) or ""
    for argument in ("target", "migrate", "busy_timeout_ms", "clock"):
        assert f"``{argument}``" in doc, argument
    assert "reference" not in doc.split("\n")[0]
