"""Records and their conversions: datetimes, booleans, JSON, secrets, ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import apsw
import attrs
import nanoid.resources
import pytest

import cwdb
from cwdb._ids import ALPHABET, SIZE, new_id
from cwdb.records import _columns
from cwdb.records._codec import (
    EPOCH,
    _twin_of,
    ms_from_time,
    row_mapper,
    rows_mapper,
    time_from_ms,
)
from cwdb.records._columns import Column, Kind, columns_of
from tests.support.factories import agent, initiative
from tests.support.helpers import snapshot


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
        EPOCH,
        datetime(2026, 11, 26, 10, 0, 0, 123000, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
    ],
)
def test_millisecond_aligned_datetimes_round_trip_exactly(moment: datetime) -> None:
    assert time_from_ms(ms_from_time(moment, "t")) == moment


def test_finer_precision_is_truncated_also_before_1970() -> None:
    before_epoch = datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert time_from_ms(ms_from_time(before_epoch, "t")) == before_epoch.replace(microsecond=999000)
    after = datetime(2000, 1, 1, 0, 0, 0, 1999, tzinfo=UTC)
    assert time_from_ms(ms_from_time(after, "t")) == after.replace(microsecond=1000)


def test_other_timezones_are_stored_as_the_same_instant() -> None:
    tokyo = datetime(2026, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))
    assert time_from_ms(ms_from_time(tokyo, "t")) == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_naive_datetime_is_a_validation_error_naming_the_field() -> None:
    with pytest.raises(cwdb.ValidationError, match="user_dismissed_at"):
        ms_from_time(datetime(2026, 1, 1), "user_dismissed_at")


def test_booleans_come_back_as_bool(db: cwdb.Database) -> None:
    made = initiative(db, quality_review=True)
    assert made.quality_review is True
    assert initiative(db).quality_review is False


def test_a_bool_field_refuses_an_int(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="quality_review"):
        db.initiatives.create(name="x", quality_review=1)


def test_json_values_come_back_decoded(db: cwdb.Database) -> None:
    made = agent(db, result={"ok": True, "items": (1, 2.5, "three", None)})
    assert made.result == {"ok": True, "items": [1, 2.5, "three", None]}
    assert agent(db, result=None).result is None


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {"x": float("-inf")}, {1, 2}])
def test_json_refuses_non_finite_and_non_json_values(db: cwdb.Database, bad: object) -> None:
    with pytest.raises(cwdb.ValidationError, match="result"):
        agent(db, result=bad)


def test_integers_outside_64_bits_are_refused(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="pid"):
        agent(db, pid=2**63)


def test_enum_members_are_accepted_and_compare_equal(db: cwdb.Database) -> None:
    made = initiative(db, status=cwdb.InitiativeStatus.ARCHIVED)
    assert made.status == "archived"
    assert type(made.status) is str


def test_records_are_frozen_and_slotted(db: cwdb.Database) -> None:
    made = initiative(db)
    with pytest.raises(AttributeError):
        made.name = "other"  # type: ignore[misc]
    assert not hasattr(made, "__dict__")


def test_credentials_never_appear_in_repr() -> None:
    now = datetime.now(UTC)
    account = cwdb.Account(
        "id",
        "a@example.com",
        "claude",
        "CONFIG-SENTINEL",
        "SECRET-SENTINEL",
        False,
        None,
        None,
        0,
        now,
        now,
    )
    assert "SENTINEL" not in repr(account)
    assert "a@example.com" in repr(account)


def test_ids_have_nanoids_format() -> None:
    assert nanoid.resources.alphabet == ALPHABET
    assert nanoid.resources.size == SIZE
    ids = {new_id() for _ in range(2000)}
    assert len(ids) == 2000
    pattern = re.compile(r"^[A-Za-z0-9_-]{21}$")
    assert all(pattern.match(i) for i in ids)
    assert set("".join(ids)) == set(ALPHABET)


RECORDS = [
    cwdb.Initiative, cwdb.Phase, cwdb.Task, cwdb.Agent, cwdb.Account, cwdb.Proposal, cwdb.Page,
    cwdb.Project, cwdb.Message, cwdb.LogChunk, cwdb.Conversation, cwdb.ChatSession,
    cwdb.ChatMessage, cwdb.Errand, cwdb.ReviewComment,
]  # fmt: skip


def _stored_and_expected(column: Column, index: int) -> tuple[object, object]:
    if column.kind is Kind.TIME:
        return 1_795_687_139_000 + index, time_from_ms(1_795_687_139_000 + index)
    if column.kind is Kind.BOOL:
        return 1, True
    if column.kind is Kind.JSON:
        return '{"n": [1, 2]}', {"n": [1, 2]}
    if column.kind is Kind.INT:
        return index, index
    return f"value {index}", f"value {index}"


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_the_row_mapper_builds_records_equal_to_their_constructor(record: type) -> None:
    pairs = [_stored_and_expected(c, i) for i, c in enumerate(columns_of(record))]
    mapped = row_mapper(record)(tuple(stored for stored, _ in pairs))
    assert type(mapped) is record
    assert mapped == record(*(expected for _, expected in pairs))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        mapped.id = "other"
    assert isinstance(_twin_of(record), type)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_the_rows_mapper_maps_each_row_as_the_row_mapper_does(record: type) -> None:
    columns = columns_of(record)
    full = tuple(_stored_and_expected(c, i)[0] for i, c in enumerate(columns))
    nulls = tuple(None if c.nullable else value for c, value in zip(columns, full, strict=True))
    rows = [full, nulls, full]
    mapped = rows_mapper(record)(rows)
    assert mapped == [row_mapper(record)(row) for row in rows]
    assert all(type(item) is record for item in mapped)
    assert rows_mapper(record, skip=1)([(7, *row) for row in rows]) == mapped
    assert rows_mapper(record)([]) == []


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_nullable_columns_map_none_to_none(record: type) -> None:
    columns = columns_of(record)
    row = tuple(
        None if c.nullable else _stored_and_expected(c, i)[0] for i, c in enumerate(columns)
    )
    mapped = row_mapper(record)(row)
    for column in columns:
        if column.nullable:
            assert getattr(mapped, column.name) is None


def test_text_with_a_lone_surrogate_is_a_validation_error_and_writes_nothing(
    db: cwdb.Database,
) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=r"^name: text cannot be stored: it is not"):
        db.initiatives.create(name="half a pair \ud800")
    with pytest.raises(cwdb.ValidationError, match=r"^result: text cannot be stored"):
        agent(db, result="\udcff")
    chunks = [
        {"agent_id": "a", "agent_name": "n", "content": "fine"},
        {"agent_id": "a", "agent_name": "n", "content": "\ud800"},
    ]
    with pytest.raises(cwdb.ValidationError, match=r"^content: text cannot be stored"):
        db.log_chunks.insert_chunks(chunks)
    with pytest.raises(cwdb.ValidationError, match=r"^name: text cannot be stored"):
        db.agents.find_by_name("\ud800")
    assert db.agents.find_all() == []
    assert snapshot(db) == before


def test_json_nested_too_deeply_to_encode_is_a_validation_error_naming_the_field(
    db: cwdb.Database,
) -> None:
    nested: object = []
    for _ in range(100_000):
        nested = [nested]
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=r"^result: not JSON-serialisable"):
        agent(db, result=nested)
    assert snapshot(db) == before


@pytest.mark.sqlite_only("SQLite's SQLITE_LIMIT_LENGTH, set on the apsw connection")
def test_a_value_over_sqlites_length_limit_is_a_validation_error_naming_field_and_limit(
    db: cwdb.Database,
) -> None:
    # The same error as a 1.1 GB string under SQLite's default limit, at a test's size.
    db._runner.session().connection.limit(apsw.SQLITE_LIMIT_LENGTH, 10_000)
    before = snapshot(db)
    expected = (
        r"^branch: 20,000 bytes is more than SQLite stores in one value "
        r"\(its limit is 10,000 bytes\)$"
    )
    with pytest.raises(cwdb.ValidationError, match=expected):
        db.initiatives.create(name="big", branch="x" * 20_000)
    with pytest.raises(cwdb.ValidationError, match=r"^content: 20,000 bytes"):
        db.log_chunks.insert_chunk("a", "n", "é" * 10_000)
    assert snapshot(db) == before


def test_a_records_repr_shows_iso_timestamps_and_cuts_long_text_showing_its_length(
    db: cwdb.Database,
) -> None:
    chunk = db.log_chunks.insert_chunk("agent", "builder", "line of output\n" * 1000)
    shown = repr(chunk)
    assert "datetime.datetime" not in shown
    assert f"created_at={chunk.created_at.isoformat(timespec='milliseconds')}" in shown
    assert "'line of output\\nline of output\\n" in shown
    assert "... (15,000 chars)" in shown
    assert len(shown) < 400
    made = agent(db, result={"steps": list(range(1000))})
    assert "... (" in repr(made)
    assert len(repr(made)) < 800
    short = initiative(db)
    assert f"name={short.name!r}," in repr(short)


def test_a_record_class_the_mapper_cannot_swap_into_is_refused() -> None:
    @attrs.define(slots=True, weakref_slot=True)
    class Weak:
        id: str = _columns.column(Kind.TEXT)

    with pytest.raises(TypeError, match="cannot be mapped by slot swap"):
        row_mapper(Weak)
