"""Required fields are visible before the call and named all at once (reference §4).

The create ``TypedDict``s mark them ``Required`` (mypy's half is
``tests/typing_cases/bad_required.py``), each create docstring lists them
with the optional fields and their defaults, and a call missing several
names every one in a single ``ValidationError``.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from typing import Any

import pytest

import cwdb
from cwdb.records._columns import REQUIRED, columns_of
from tests.support import factories
from tests.support.helpers import snapshot
from tests.support.ports import NOT_CRUD, PORTS

CREATES = [attribute for attribute in PORTS if attribute not in NOT_CRUD]


def create_typed_dict(attribute: str) -> tuple[type, Any]:
    """The record class and the create TypedDict of a CRUD repository."""
    module = importlib.import_module(f"cwdb.records.{attribute}")
    typed = next(
        value
        for name, value in vars(module).items()
        if name.endswith("Create") and typing.is_typeddict(value)
    )
    return getattr(module, typed.__name__.removesuffix("Create")), typed


@pytest.mark.parametrize("attribute", CREATES)
def test_the_typed_dict_knows_its_required_keys_at_run_time(attribute: str) -> None:
    record, typed = create_typed_dict(attribute)
    required = {c.name for c in columns_of(record) if not c.managed and c.default is REQUIRED}
    assert typed.__required_keys__ == required
    assert typed.__optional_keys__ == set(typed.__annotations__) - required


@pytest.mark.parametrize("attribute", CREATES)
def test_the_create_docstring_lists_required_and_optional_fields(attribute: str) -> None:
    _, typed = create_typed_dict(attribute)
    doc = inspect.getdoc(PORTS[attribute].create) or ""
    required = re.search(r"Required: (.*?)\.\n", doc, re.S)
    optional = re.search(r"Optional \(default\): (.*?)\.$", doc, re.S)
    assert required is not None, doc
    assert optional is not None, doc
    assert re.findall(r"``(\w+)``", required[1]) == [
        n for n in typed.__annotations__ if n in typed.__required_keys__
    ]
    assert re.findall(r"``(\w+)``", optional[1]) == [
        n for n in typed.__annotations__ if n in typed.__optional_keys__
    ]


def test_help_of_create_shows_the_required_fields() -> None:
    with cwdb.connect(":memory:") as db:
        shown = inspect.getdoc(db.messages.create) or ""
    assert "Required: ``sender_type``, ``recipient_type``, ``content``." in shown


def test_messages_create_names_every_missing_field_at_once(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(
        cwdb.ValidationError,
        match=r"^missing required fields: sender_type, recipient_type, content$",
    ):
        db.messages.create(type="question")  # type: ignore[call-arg]
    assert snapshot(db) == before


def test_errands_create_names_every_missing_field_at_once(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(
        cwdb.ValidationError,
        match=r"^missing required fields: id, description, branch, project_id$",
    ):
        db.errands.create(status="active")  # type: ignore[call-arg]
    assert snapshot(db) == before


def test_one_missing_field_is_named_in_the_singular(db: cwdb.Database) -> None:
    project = factories.project(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=r"^missing required field: branch$"):
        db.errands.create(id="e1", description="d", project_id=project.id)  # type: ignore[call-arg]
    assert snapshot(db) == before
