"""The CRUD contract (docs/reference.md §4), written once, run for every CRUD repository."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

import cwdb
import cwdb.ports.aio
from cwdb.records._columns import Kind, columns_of
from tests.support.factories import CRUD_CASES, CrudCase
from tests.support.helpers import FakeClock, snapshot

pytestmark = [
    pytest.mark.parametrize("case", CRUD_CASES, ids=str),
    pytest.mark.async_too,  # through cwdb.connect_async too
]

MANAGED = {"id", "created_at", "updated_at"}


def repo(db: cwdb.Database, case: CrudCase) -> Any:
    return getattr(db, case.repository)


def test_create_returns_the_stored_row(
    clocked_db: cwdb.Database, clock: FakeClock, case: CrudCase
) -> None:
    fields = case.fields(clocked_db)
    made = repo(clocked_db, case).create(**fields)
    for name, value in fields.items():
        assert getattr(made, name) == value
    assert made.created_at == made.updated_at == clock.now
    assert made.created_at.tzinfo is not None
    if case.repository != "errands":
        assert len(made.id) == 21
    assert repo(clocked_db, case).find_by_id(made.id) == made


def test_find_by_id_of_missing_id_returns_none(db: cwdb.Database, case: CrudCase) -> None:
    assert repo(db, case).find_by_id("no-such-id") is None


def test_find_all_is_oldest_first_and_stable_within_a_millisecond(
    clocked_db: cwdb.Database, clock: FakeClock, case: CrudCase
) -> None:
    repository = repo(clocked_db, case)
    existing = [r.id for r in repository.find_all()]
    same_ms = [repository.create(**case.fields(clocked_db)).id for _ in range(3)]
    clock.advance(milliseconds=1)
    later = repository.create(**case.fields(clocked_db)).id
    ids = [r.id for r in repository.find_all() if r.id not in existing]
    made_by_fields = [i for i in ids if i in [*same_ms, later]]
    assert made_by_fields == [*same_ms, later]


def test_update_changes_only_the_given_field(
    clocked_db: cwdb.Database, clock: FakeClock, case: CrudCase
) -> None:
    repository = repo(clocked_db, case)
    made = repository.create(**case.fields(clocked_db))
    clock.advance(seconds=1)
    field, value = case.change
    changed = repository.update(made.id, **{field: value})
    assert getattr(changed, field) == value
    assert changed.updated_at == clock.now > made.created_at
    assert attrs.evolve(made, **{field: value, "updated_at": changed.updated_at}) == changed
    assert repository.find_by_id(made.id) == changed


def test_updated_at_never_goes_back(
    clocked_db: cwdb.Database, clock: FakeClock, case: CrudCase
) -> None:
    repository = repo(clocked_db, case)
    made = repository.create(**case.fields(clocked_db))
    clock.advance(minutes=-5)
    field, value = case.change
    assert repository.update(made.id, **{field: value}).updated_at == made.updated_at


def test_update_without_changes_returns_the_stored_row(db: cwdb.Database, case: CrudCase) -> None:
    made = repo(db, case).create(**case.fields(db))
    assert repo(db, case).update(made.id) == made


def test_update_of_missing_id_raises_not_found(db: cwdb.Database, case: CrudCase) -> None:
    before = snapshot(db)
    field, value = case.change
    with pytest.raises(cwdb.NotFoundError):
        repo(db, case).update("no-such-id", **{field: value})
    with pytest.raises(cwdb.NotFoundError):
        repo(db, case).update("no-such-id")
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"no_such_field": 1}, "no_such_field"),
        ({"id": "other"}, "id"),
        ({"created_at": datetime(2020, 1, 1)}, "created_at"),
        ({"updated_at": datetime(2020, 1, 1)}, "updated_at"),
    ],
)
def test_update_refuses_unknown_and_immutable_fields(
    db: cwdb.Database, case: CrudCase, changes: dict[str, Any], named: str
) -> None:
    made = repo(db, case).create(**case.fields(db))
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=named):
        repo(db, case).update(made.id, **changes)
    assert snapshot(db) == before


def test_update_to_none_of_a_required_field_is_refused(db: cwdb.Database, case: CrudCase) -> None:
    made = repo(db, case).create(**case.fields(db))
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=case.required_field):
        repo(db, case).update(made.id, **{case.required_field: None})
    assert snapshot(db) == before


def test_create_refuses_an_unknown_field(db: cwdb.Database, case: CrudCase) -> None:
    fields = {**case.fields(db), "no_such_field": "x"}
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="no_such_field"):
        repo(db, case).create(**fields)
    assert snapshot(db) == before


def test_create_refuses_library_managed_fields(db: cwdb.Database, case: CrudCase) -> None:
    fields = case.fields(db)
    before = snapshot(db)
    managed = ["created_at", "updated_at"] + ([] if case.repository == "errands" else ["id"])
    for name in managed:
        with pytest.raises(cwdb.ValidationError, match=name):
            repo(db, case).create(**fields, **{name: "x"})
    assert snapshot(db) == before


def test_create_without_a_required_field_names_it(db: cwdb.Database, case: CrudCase) -> None:
    fields = case.fields(db)
    del fields[case.required_field]
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=case.required_field):
        repo(db, case).create(**fields)
    assert snapshot(db) == before


def test_a_value_outside_the_enum_lists_the_allowed_values(
    db: cwdb.Database, case: CrudCase
) -> None:
    if case.enum_field is None:
        record = type(repo(db, case).create(**case.fields(db)))
        assert all(c.kind is not Kind.ENUM for c in columns_of(record))
        return
    fields = {**case.fields(db), case.enum_field: "bogus"}
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=rf"{case.enum_field}: 'bogus' is not one of '"):
        repo(db, case).create(**fields)
    made = repo(db, case).create(**case.fields(db))
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=case.enum_field):
        repo(db, case).update(made.id, **{case.enum_field: "bogus"})
    assert snapshot(db) == before


def test_a_value_of_the_wrong_type_is_refused(db: cwdb.Database, case: CrudCase) -> None:
    fields = {**case.fields(db), case.required_field: 12.5}
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=case.required_field):
        repo(db, case).create(**fields)
    assert snapshot(db) == before


def test_delete_removes_the_row(db: cwdb.Database, case: CrudCase) -> None:
    made = repo(db, case).create(**case.fields(db))
    assert repo(db, case).delete(made.id) is None
    assert repo(db, case).find_by_id(made.id) is None


def test_delete_of_missing_id_raises_not_found(db: cwdb.Database, case: CrudCase) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.NotFoundError):
        repo(db, case).delete("no-such-id")
    assert snapshot(db) == before


def test_the_adapter_satisfies_its_port(db: cwdb.Database, case: CrudCase) -> None:
    # Behind the [*-async] facade, the async adapter and its async port (cwdb.ports.aio).
    adapter = getattr(repo(db, case), "_repository", repo(db, case))
    name = type(adapter).__name__.replace("Sql", "", 1)
    port = getattr(cwdb, name, None) or getattr(cwdb.ports.aio, name)
    assert isinstance(adapter, port)


def test_timestamps_are_truncated_to_the_millisecond(case: CrudCase) -> None:
    clock = FakeClock()
    clock.now = clock.now + timedelta(microseconds=1999)
    with cwdb.connect(":memory:", clock=clock) as db:
        made = repo(db, case).create(**case.fields(db))
    assert made.created_at.microsecond % 1000 == 0
    assert made.created_at == clock.now - timedelta(microseconds=999)
