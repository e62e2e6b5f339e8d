"""The typed create/update arguments match the records they fill (docs/reference.md §8).

Each ``XCreate`` / ``XChanges`` ``TypedDict`` of ``cwdb/records/`` is written
by hand beside its record, so a column added to one and not the other would
let mypy accept a field the library refuses, or refuse one it accepts. Here
``XCreate`` must hold exactly the record's settable fields (not the ones the
library manages), with the required ones marked ``Required``, and
``XChanges`` exactly the fields ``update`` may change; a field may be None in
the TypedDict exactly when its column is nullable.
"""

from __future__ import annotations

import typing

import pytest

import cwdb
from cwdb import records
from cwdb.records._columns import REQUIRED, Column, columns_of

RECORDS = [getattr(records, name) for name in records.__all__]


def typed_dict(record: type, suffix: str) -> type | None:
    module = __import__(record.__module__, fromlist=["_"])
    found: type | None = getattr(module, f"{record.__name__}{suffix}", None)
    return found


def settable(record: type) -> list[Column]:
    return [column for column in columns_of(record) if not column.managed]


def allows_none(annotation: object) -> bool:
    annotation = typing.get_args(annotation)[0] if _is_required(annotation) else annotation
    return type(None) in typing.get_args(annotation) or annotation is typing.Any


def _is_required(annotation: object) -> bool:
    return typing.get_origin(annotation) in (typing.Required, typing.NotRequired)


def required_keys(typed: type) -> set[str]:
    """The keys marked ``Required`` (the records' modules use postponed annotations,
    so ``__required_keys__`` cannot see the marks; the resolved hints can)."""
    hints = typing.get_type_hints(typed, include_extras=True)
    return {name for name, hint in hints.items() if typing.get_origin(hint) is typing.Required}


CREATES = [r for r in RECORDS if typed_dict(r, "Create") is not None]
CHANGES = [r for r in RECORDS if typed_dict(r, "Changes") is not None]


def test_every_repository_with_typed_create_or_update_is_covered() -> None:
    # The ten CRUD repositories, plus ChatSession's update_session.
    assert len(CREATES) == 10
    assert {r.__name__ for r in CHANGES} == {r.__name__ for r in CREATES} | {"ChatSession"}


@pytest.mark.parametrize("record", CREATES, ids=lambda r: r.__name__)
def test_create_typed_dict_holds_exactly_the_settable_fields(record: type) -> None:
    create = typed_dict(record, "Create")
    assert create is not None
    assert set(typing.get_type_hints(create)) == {c.name for c in settable(record)}
    required = {c.name for c in settable(record) if c.default is REQUIRED}
    assert required_keys(create) == required


@pytest.mark.parametrize("record", CHANGES, ids=lambda r: r.__name__)
def test_changes_typed_dict_holds_exactly_the_mutable_fields(record: type) -> None:
    changes = typed_dict(record, "Changes")
    assert changes is not None
    mutable = {c.name for c in settable(record) if c.name != "id"}
    assert set(typing.get_type_hints(changes)) == mutable
    assert required_keys(changes) == set()


@pytest.mark.parametrize("record", CREATES + CHANGES, ids=lambda r: r.__name__)
def test_a_typed_field_takes_none_exactly_when_its_column_is_nullable(record: type) -> None:
    nullable = {c.name: c.nullable for c in columns_of(record)}
    for suffix in ("Create", "Changes"):
        typed = typed_dict(record, suffix)
        if typed is None:
            continue
        hints = typing.get_type_hints(typed, include_extras=True)
        wrong = {
            name
            for name, hint in hints.items()
            if allows_none(hint) is not nullable[name] and hint is not typing.Any
        }
        assert wrong == set(), f"{typed.__name__}: None allowed/refused wrongly for {wrong}"


def test_the_check_catches_a_typed_dict_missing_a_field() -> None:
    class Short(typing.TypedDict, total=False):
        name: typing.Required[str]

    assert set(typing.get_type_hints(Short)) != {c.name for c in settable(cwdb.Initiative)}
    assert required_keys(Short) == {"name"}
