"""LogChunkRepository: inserts (single and batched), lookups, streaming, retention."""

from __future__ import annotations

import threading
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cwdb
from cwdb._ids import ALPHABET
from cwdb.adapters.repositories import log_chunks as log_chunks_adapter
from tests.support.factories import agent
from tests.support.helpers import FakeClock, backend_of, execute, snapshot, storable_text

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def chunk(agent_id: str = "agent-1", content: str = "line\n", **more: Any) -> dict[str, Any]:
    return {"agent_id": agent_id, "agent_name": "builder", "content": content, **more}


def contents(rows: list[cwdb.LogChunk]) -> list[str]:
    return [r.content for r in rows]


class Loud(str):
    """A str subclass, as a caller's own string type might be."""


# -- insert_chunk ---------------------------------------------------------------------------


def test_insert_chunk_returns_the_stored_row(clocked_db: cwdb.Database, clock: FakeClock) -> None:
    made = clocked_db.log_chunks.insert_chunk("agent-1", "builder", "hello", session_number=3)
    assert (made.agent_id, made.agent_name, made.content, made.session_number) == (
        "agent-1",
        "builder",
        "hello",
        3,
    )
    assert made.created_at == clock.now
    assert len(made.id) == 21
    assert clocked_db.log_chunks.find_by_agent_id("agent-1") == [made]


def test_insert_chunk_defaults_the_session_number_to_one(db: cwdb.Database) -> None:
    assert db.log_chunks.insert_chunk("agent-1", "builder", "hello").session_number == 1


def test_insert_chunk_accepts_an_agent_id_that_has_no_agent_row(db: cwdb.Database) -> None:
    made = db.log_chunks.insert_chunk("never-registered", "ghost", "boo")
    assert db.log_chunks.find_by_agent_id("never-registered") == [made]


def test_insert_chunk_refuses_a_wrong_type_and_writes_nothing(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="content"):
        db.log_chunks.insert_chunk("agent-1", "builder", b"bytes")  # type: ignore[arg-type]
    assert snapshot(db) == before


def test_insert_chunk_refuses_a_bool_session_number(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="session_number"):
        db.log_chunks.insert_chunk("agent-1", "builder", "x", session_number=True)


def test_insert_chunk_with_a_negative_session_number_is_an_integrity_error(
    db: cwdb.Database,
) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError, match="session_number"):
        db.log_chunks.insert_chunk("agent-1", "builder", "x", session_number=-1)
    assert snapshot(db) == before


CONTENTS = {
    "nul": "before\x00after\x00",
    "unicode": "h\u00e9llo \u4e16\u754c \U0001f600 e\u0301 \u200b\ufeff",
    "newlines": "a\r\nb\rc\n\n",
    "empty": "",
    "five_megabytes": ("0123456789abcdef\x00\u00e9" * 300_000)[: 5 * 1024 * 1024],
}


@pytest.mark.parametrize("content", CONTENTS.values(), ids=CONTENTS.keys())
def test_insert_chunk_round_trips_content_byte_for_byte(db: cwdb.Database, content: str) -> None:
    content = storable_text(
        db, content, "content", lambda text: db.log_chunks.insert_chunk("agent-1", "builder", text)
    )
    made = db.log_chunks.insert_chunk("agent-1", "builder", content)
    assert made.content == content
    (found,) = db.log_chunks.find_by_agent_id("agent-1")
    assert found.content.encode("utf-8") == content.encode("utf-8")


@pytest.mark.parametrize("content", CONTENTS.values(), ids=CONTENTS.keys())
def test_insert_chunks_round_trips_content_byte_for_byte(db: cwdb.Database, content: str) -> None:
    content = storable_text(
        db, content, "content", lambda text: db.log_chunks.insert_chunks([chunk(content=text)])
    )
    db.log_chunks.insert_chunks([chunk(content=content)])
    (found,) = db.log_chunks.find_by_agent_id("agent-1")
    assert found.content.encode("utf-8") == content.encode("utf-8")


# -- insert_chunks ----------------------------------------------------------------------------


def test_insert_chunks_returns_the_number_stored(db: cwdb.Database) -> None:
    assert db.log_chunks.insert_chunks([chunk(content=str(i)) for i in range(5)]) == 5
    assert contents(db.log_chunks.find_by_agent_id("agent-1")) == ["0", "1", "2", "3", "4"]


def test_insert_chunks_of_an_empty_list_returns_zero(db: cwdb.Database) -> None:
    before = snapshot(db)
    assert db.log_chunks.insert_chunks([]) == 0
    assert snapshot(db) == before


def test_insert_chunks_of_an_empty_generator_returns_zero(db: cwdb.Database) -> None:
    assert db.log_chunks.insert_chunks(iter([])) == 0


def test_insert_chunks_accepts_a_generator(db: cwdb.Database) -> None:
    assert db.log_chunks.insert_chunks(chunk(content=str(i)) for i in range(3)) == 3
    assert contents(db.log_chunks.find_by_agent_id("agent-1")) == ["0", "1", "2"]


def test_insert_chunks_gives_every_chunk_of_a_call_the_same_created_at(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    clocked_db.log_chunks.insert_chunks([chunk(), chunk()])
    assert {c.created_at for c in clocked_db.log_chunks.find_by_agent_id("agent-1")} == {clock.now}


def test_insert_chunks_makes_a_distinct_nanoid_per_chunk(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunks([chunk() for _ in range(200)])
    ids = [c.id for c in db.log_chunks.find_by_agent_id("agent-1")]
    assert len(set(ids)) == 200
    assert all(len(i) == 21 and set(i) <= set(ALPHABET) for i in ids)


def test_insert_chunks_defaults_the_session_number_to_one(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunks([chunk(), chunk(session_number=4)])
    found = db.log_chunks.find_by_agent_id("agent-1")
    assert [c.session_number for c in found] == [1, 4]


def test_insert_chunks_accepts_mappings_and_str_subclasses_and_stores_plain_str(
    db: cwdb.Database,
) -> None:
    proxy = types.MappingProxyType(chunk(content="from a proxy"))
    db.log_chunks.insert_chunks([proxy, chunk(agent_id=Loud("agent-1"), content=Loud("loud"))])
    found = db.log_chunks.find_by_agent_id("agent-1")
    assert contents(found) == ["from a proxy", "loud"]
    assert type(found[1].content) is str


@pytest.mark.parametrize("missing", ["agent_id", "agent_name", "content"])
def test_insert_chunks_with_a_missing_key_names_it_and_writes_nothing(
    db: cwdb.Database, missing: str
) -> None:
    bad = chunk()
    del bad[missing]
    before = snapshot(db)
    with pytest.raises(
        cwdb.ValidationError, match=rf"chunks\[2\]: missing required field: {missing}"
    ):
        db.log_chunks.insert_chunks([chunk(), chunk(), bad])
    assert snapshot(db) == before


@pytest.mark.parametrize("key", ["agent", "sessionNumber", "extra"])
def test_insert_chunks_with_an_unknown_key_names_it_and_writes_nothing(
    db: cwdb.Database, key: str
) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=rf"chunks\[1\]: {key}: unknown field"):
        db.log_chunks.insert_chunks([chunk(), {**chunk(), key: 1}])
    assert snapshot(db) == before


def test_insert_chunks_with_an_unknown_key_in_place_of_session_number_is_refused(
    db: cwdb.Database,
) -> None:
    with pytest.raises(cwdb.ValidationError, match="bogus: unknown field"):
        db.log_chunks.insert_chunks([chunk(bogus=1)])


@pytest.mark.parametrize("key", ["id", "created_at"])
def test_insert_chunks_refuses_library_managed_keys(db: cwdb.Database, key: str) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=rf"{key}: immutable field"):
        db.log_chunks.insert_chunks([chunk(**{key: "x"})])
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("content", None),
        ("content", b"bytes"),
        ("agent_id", 7),
        ("agent_name", None),
        ("session_number", "1"),
        ("session_number", True),
        ("session_number", 2**63),
        ("session_number", 1.0),
    ],
)
def test_insert_chunks_refuses_a_wrong_value_and_writes_nothing(
    db: cwdb.Database, key: str, value: object
) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=rf"chunks\[1\]: {key}"):
        db.log_chunks.insert_chunks([chunk(), {**chunk(), key: value}])
    assert snapshot(db) == before


@pytest.mark.parametrize("item", [("agent-1", "builder", "x"), "agent-1", None])
def test_insert_chunks_refuses_an_item_that_is_not_a_dict(db: cwdb.Database, item: object) -> None:
    with pytest.raises(cwdb.ValidationError, match=r"chunks\[1\]: expected a dict"):
        db.log_chunks.insert_chunks([chunk(), item])  # type: ignore[list-item]


def test_insert_chunks_refused_by_the_database_writes_nothing(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError, match="session_number"):
        db.log_chunks.insert_chunks([chunk(), chunk(), chunk(session_number=-1)])
    assert snapshot(db) == before


def test_insert_chunks_inside_a_rolled_back_transaction_leaves_nothing(db: cwdb.Database) -> None:
    before = snapshot(db)

    def abort_after_inserting() -> None:
        with db.transaction():
            db.log_chunks.insert_chunks([chunk(), chunk()])
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        abort_after_inserting()
    assert snapshot(db) == before


def test_insert_chunks_failing_inside_a_transaction_keeps_the_blocks_earlier_writes(
    db: cwdb.Database,
) -> None:
    with db.transaction():
        db.log_chunks.insert_chunk("agent-1", "builder", "kept")
        with pytest.raises(cwdb.IntegrityError):
            db.log_chunks.insert_chunks([chunk(), chunk(session_number=-1)])
    assert contents(db.log_chunks.find_by_agent_id("agent-1")) == ["kept"]


def test_concurrent_insert_chunks_calls_each_land_contiguously(file_db: cwdb.Database) -> None:
    threads, per_call, calls = 4, 50, 5
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for call in range(calls):
                batch = [chunk(f"agent-{n}", f"{n}:{call}") for _ in range(per_call)]
                file_db.log_chunks.insert_chunks(batch)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    found = contents(file_db.log_chunks.find_by_agent_ids(f"agent-{n}" for n in range(threads)))
    assert len(found) == threads * per_call * calls
    runs = [found[i : i + per_call] for i in range(0, len(found), per_call)]
    assert all(len(set(run)) == 1 for run in runs)
    assert len({run[0] for run in runs}) == threads * calls


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "agent_id": st.sampled_from(["a", "b", "c"]),
                "agent_name": st.text(max_size=5),
                "content": st.text(),
            },
            optional={"session_number": st.integers(0, 2**63 - 1)},
        ),
        max_size=30,
    )
)
def test_insert_chunks_round_trips_any_batch(batch: list[dict[str, Any]]) -> None:
    with cwdb.connect(":memory:") as db:
        assert db.log_chunks.insert_chunks(batch) == len(batch)
        found = db.log_chunks.find_by_agent_ids(["a", "b", "c"])
    assert [
        (c.agent_id, c.agent_name, c.content, c.session_number) for c in found
    ] == [
        (c["agent_id"], c["agent_name"], c["content"], c.get("session_number", 1)) for c in batch
    ]  # fmt: skip


# -- find_by_agent_id / find_by_agent_ids -----------------------------------------------------


def test_find_by_agent_id_is_in_insertion_order_even_when_the_clock_goes_back(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    repo = clocked_db.log_chunks
    repo.insert_chunk("agent-1", "builder", "first")
    clock.advance(seconds=-10)
    repo.insert_chunks([chunk(content="second"), chunk(content="third")])
    clock.advance(seconds=-10)
    repo.insert_chunk("agent-1", "builder", "fourth")
    assert contents(repo.find_by_agent_id("agent-1")) == ["first", "second", "third", "fourth"]


def test_find_by_agent_id_is_stable_within_a_millisecond(clocked_db: cwdb.Database) -> None:
    for i in range(5):
        clocked_db.log_chunks.insert_chunk("agent-1", "builder", str(i))
    assert contents(clocked_db.log_chunks.find_by_agent_id("agent-1")) == ["0", "1", "2", "3", "4"]


def test_find_by_agent_id_returns_only_that_agents_chunks(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunks([chunk("agent-1", "mine"), chunk("agent-2", "theirs")])
    assert contents(db.log_chunks.find_by_agent_id("agent-1")) == ["mine"]


def test_find_by_agent_id_of_an_unknown_agent_is_empty(db: cwdb.Database) -> None:
    assert db.log_chunks.find_by_agent_id("no-such-agent") == []


def test_find_by_agent_ids_interleaves_agents_in_insertion_order(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunks(
        [chunk("a", "a1"), chunk("b", "b1"), chunk("c", "c1"), chunk("a", "a2"), chunk("b", "b2")]
    )
    found = db.log_chunks.find_by_agent_ids(["b", "a"])
    assert contents(found) == ["a1", "b1", "a2", "b2"]


@pytest.mark.parametrize(
    "agent_ids", [[], (), set(), iter([])], ids=["list", "tuple", "set", "iterator"]
)
def test_find_by_agent_ids_of_an_empty_batch_is_empty(db: cwdb.Database, agent_ids: Any) -> None:
    db.log_chunks.insert_chunk("a", "builder", "x")
    assert db.log_chunks.find_by_agent_ids(agent_ids) == []


def test_find_by_agent_ids_accepts_any_iterable_and_duplicates(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunks([chunk("a", "a1"), chunk("b", "b1")])
    assert contents(db.log_chunks.find_by_agent_ids(i for i in ["a", "a", "b"])) == ["a1", "b1"]
    assert contents(db.log_chunks.find_by_agent_ids({"b"})) == ["b1"]


def test_find_by_agent_ids_binds_a_batch_larger_than_sqlites_variable_limit(
    db: cwdb.Database,
) -> None:
    db.log_chunks.insert_chunks([chunk("agent-39999", "last")])
    many = [f"agent-{i}" for i in range(40_000)]
    assert contents(db.log_chunks.find_by_agent_ids(many)) == ["last"]


def test_find_by_agent_ids_treats_ids_as_text_not_sql(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunk("a'); DROP TABLE agent_log_chunks; --", "evil", "x")
    found = db.log_chunks.find_by_agent_ids(["a'); DROP TABLE agent_log_chunks; --"])
    assert contents(found) == ["x"]


def test_find_by_agent_ids_refuses_a_single_str(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="agent_ids"):
        db.log_chunks.find_by_agent_ids("agent-1")


def test_find_by_agent_ids_refuses_ids_that_are_not_str(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="agent_ids"):
        db.log_chunks.find_by_agent_ids([1, 2])  # type: ignore[list-item]


# -- delete_by_agent_id / get_session_count ---------------------------------------------------


def test_delete_by_agent_id_deletes_only_that_agents_chunks_and_counts_them(
    db: cwdb.Database,
) -> None:
    db.log_chunks.insert_chunks([chunk("a"), chunk("b"), chunk("a")])
    assert db.log_chunks.delete_by_agent_id("a") == 2
    assert db.log_chunks.find_by_agent_id("a") == []
    assert len(db.log_chunks.find_by_agent_id("b")) == 1


def test_delete_by_agent_id_of_an_unknown_agent_returns_zero(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunk("a", "builder", "x")
    before = snapshot(db)
    assert db.log_chunks.delete_by_agent_id("no-such-agent") == 0
    assert snapshot(db) == before


def test_get_session_count_is_the_highest_session_number(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunks(
        [chunk(session_number=1), chunk(session_number=4), chunk(session_number=2)]
    )
    db.log_chunks.insert_chunk("other", "builder", "x", session_number=9)
    assert db.log_chunks.get_session_count("agent-1") == 4


def test_get_session_count_is_zero_without_chunks(db: cwdb.Database) -> None:
    assert db.log_chunks.get_session_count("no-such-agent") == 0


def test_get_session_count_is_zero_after_the_chunks_are_deleted(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunk("a", "builder", "x", session_number=3)
    db.log_chunks.delete_by_agent_id("a")
    assert db.log_chunks.get_session_count("a") == 0


def test_chunks_survive_the_deletion_of_their_agent(db: cwdb.Database) -> None:
    owner = agent(db)
    made = db.log_chunks.insert_chunk(owner.id, owner.name, "last words")
    db.agents.delete(owner.id)
    assert db.log_chunks.find_by_agent_id(owner.id) == [made]


# -- iter_by_agent_id -------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5, 7, 1000])
def test_iter_by_agent_id_yields_what_find_by_agent_id_returns(
    db: cwdb.Database, batch_size: int
) -> None:
    db.log_chunks.insert_chunks(
        chunk("a" if i % 3 else "b", str(i), session_number=i % 4) for i in range(15)
    )
    expected = db.log_chunks.find_by_agent_id("a")
    assert list(db.log_chunks.iter_by_agent_id("a", batch_size=batch_size)) == expected


def test_iter_by_agent_id_is_in_insertion_order_even_when_the_clock_goes_back(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    for i in range(4):
        clocked_db.log_chunks.insert_chunk("a", "builder", str(i))
        clock.advance(seconds=-1)
    assert contents(list(clocked_db.log_chunks.iter_by_agent_id("a", 3))) == ["0", "1", "2", "3"]


def test_iter_by_agent_id_of_an_unknown_agent_yields_nothing(db: cwdb.Database) -> None:
    assert list(db.log_chunks.iter_by_agent_id("no-such-agent")) == []


def test_iter_by_agent_id_reads_lazily(db: cwdb.Database) -> None:
    stream = db.log_chunks.iter_by_agent_id("a", batch_size=2)
    assert isinstance(stream, Iterator)
    db.log_chunks.insert_chunks([chunk("a", "written after the call")])
    assert contents(list(stream)) == ["written after the call"]


def test_iter_by_agent_id_reads_one_batch_per_query(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunks(chunk("a", str(i)) for i in range(7))
    stream = db.log_chunks.iter_by_agent_id("a", batch_size=3)
    assert next(stream).content == "0"
    # Chunks appended while the stream is suspended are seen: the next batch is a new read.
    db.log_chunks.insert_chunks([chunk("a", "7")])
    assert contents(list(stream)) == ["1", "2", "3", "4", "5", "6", "7"]


def test_iter_by_agent_id_neither_repeats_nor_skips_when_rows_are_deleted_between_batches(
    db: cwdb.Database,
) -> None:
    db.log_chunks.insert_chunks(chunk("a", str(i)) for i in range(10))
    rows = db.log_chunks.find_by_agent_id("a")
    stream = db.log_chunks.iter_by_agent_id("a", batch_size=3)
    seen = [next(stream).content for _ in range(3)]
    # Delete (on another connection) one chunk already streamed and one not yet streamed.
    for doomed in (rows[1].id, rows[5].id):
        execute(db, "DELETE FROM agent_log_chunks WHERE id = ?", (doomed,))
    seen += contents(list(stream))
    assert seen == ["0", "1", "2", "3", "4", "6", "7", "8", "9"]


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, True])
def test_iter_by_agent_id_refuses_a_bad_batch_size_at_the_call(
    db: cwdb.Database, batch_size: Any
) -> None:
    with pytest.raises(cwdb.ValidationError, match="batch_size"):
        db.log_chunks.iter_by_agent_id("a", batch_size=batch_size)


# -- delete_older_than ------------------------------------------------------------------------


def test_delete_older_than_deletes_strictly_older_chunks_of_every_agent(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    repo = clocked_db.log_chunks
    repo.insert_chunks([chunk("a", "old a"), chunk("b", "old b")])
    cutoff = clock.advance(milliseconds=1)
    repo.insert_chunks([chunk("a", "at cutoff"), chunk("b", "at cutoff")])
    clock.advance(days=1)
    repo.insert_chunk("a", "builder", "new")
    assert repo.delete_older_than(cutoff) == 2
    assert contents(repo.find_by_agent_ids(["a", "b"])) == ["at cutoff", "at cutoff", "new"]


def test_delete_older_than_takes_any_timezone(clocked_db: cwdb.Database, clock: FakeClock) -> None:
    clocked_db.log_chunks.insert_chunk("a", "builder", "old")
    later = (clock.now + timedelta(milliseconds=1)).astimezone(timezone(timedelta(hours=-7)))
    assert clocked_db.log_chunks.delete_older_than(later) == 1


def test_delete_older_than_with_nothing_old_returns_zero(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunk("a", "builder", "x")
    assert db.log_chunks.delete_older_than(datetime(2000, 1, 1, tzinfo=UTC)) == 0
    assert len(db.log_chunks.find_by_agent_id("a")) == 1


def test_delete_older_than_refuses_a_naive_cutoff_and_writes_nothing(db: cwdb.Database) -> None:
    db.log_chunks.insert_chunk("a", "builder", "x")
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="cutoff"):
        db.log_chunks.delete_older_than(datetime(2999, 1, 1))
    assert snapshot(db) == before


def test_delete_older_than_deletes_more_than_one_batch(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    old = log_chunks_adapter.DELETE_BATCH * 2 + 1
    clocked_db.log_chunks.insert_chunks(chunk(str(i % 7)) for i in range(old))
    clocked_db.log_chunks.insert_chunk("0", "builder", "kept")
    assert clocked_db.log_chunks.delete_older_than(clock.now) == 0
    clock.advance(milliseconds=1)
    assert clocked_db.log_chunks.delete_older_than(clock.now) == old + 1


@pytest.mark.sync_only("patches the sync module's DELETE_BATCH and the runner")
def test_delete_older_than_commits_each_batch_separately(
    clocked_db: cwdb.Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(log_chunks_adapter, "DELETE_BATCH", 3)
    clocked_db.log_chunks.insert_chunks(chunk() for _ in range(10))
    commits: list[int] = []
    cutoff = clock.advance(milliseconds=1)
    if backend_of(clocked_db) == "postgresql":
        # Each write outside a block is a statement in autocommit: a commit of its own.
        runner = clocked_db._runner
        write_count = runner.write_count

        def counted(st: Any, params: Any) -> int:
            assert not runner.in_transaction()
            commits.append(1)
            return write_count(st, params)

        monkeypatch.setattr(runner, "write_count", counted)
        assert clocked_db.log_chunks.delete_older_than(cutoff) == 10
    else:

        def count_commit() -> bool:
            commits.append(1)
            return False  # let it commit

        connection = clocked_db._runner.session().connection
        connection.set_commit_hook(count_commit)
        try:
            assert clocked_db.log_chunks.delete_older_than(cutoff) == 10
        finally:
            connection.set_commit_hook(None)
    assert len(commits) == 4  # 3 + 3 + 3 + 1


# -- the port ---------------------------------------------------------------------------------


def test_the_adapter_has_exactly_the_ports_methods(db: cwdb.Database) -> None:
    assert isinstance(db.log_chunks, cwdb.LogChunkRepository)
    public = {name for name in dir(db.log_chunks) if not name.startswith("_")}
    assert public == {
        "insert_chunk",
        "insert_chunks",
        "find_by_agent_id",
        "find_by_agent_ids",
        "delete_by_agent_id",
        "get_session_count",
        "iter_by_agent_id",
        "delete_older_than",
    }
