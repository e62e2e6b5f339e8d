"""PageRepository beyond CRUD: the one root page, the tree, concurrency."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import cwdb
from tests.support.factories import initiative, page, page_fields
from tests.support.helpers import FakeClock, execute, snapshot, storable_text, unique

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def ids(rows: list[cwdb.Page]) -> list[str]:
    return [r.id for r in rows]


def root_rows(db: cwdb.Database, initiative_id: str) -> list[Any]:
    return execute(
        db,
        "SELECT id FROM pages WHERE initiative_id = ? AND parent_page_id IS NULL",
        (initiative_id,),
    )


# -- get_or_create_root_page / find_root_page ----------------------------------------


def test_get_or_create_root_page_makes_a_root_titled_with_the_initiative_name(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    owner = initiative(clocked_db, name="Payments rewrite")
    root = clocked_db.pages.get_or_create_root_page(owner.id)
    assert root.initiative_id == owner.id
    assert root.parent_page_id is None
    assert root.title == "Payments rewrite"
    assert root.content is None
    assert root.sort_order == 0
    assert root.created_at == root.updated_at == clock.now
    assert len(root.id) == 21
    assert clocked_db.pages.find_by_id(root.id) == root


def test_get_or_create_root_page_returns_the_existing_root_and_writes_nothing(
    db: cwdb.Database,
) -> None:
    owner = initiative(db)
    root = db.pages.get_or_create_root_page(owner.id)
    before = snapshot(db)
    assert db.pages.get_or_create_root_page(owner.id) == root
    assert snapshot(db) == before


def test_get_or_create_root_page_returns_a_root_made_through_create(db: cwdb.Database) -> None:
    owner = initiative(db)
    made = db.pages.create(initiative_id=owner.id, title="Handmade root")
    assert db.pages.get_or_create_root_page(owner.id) == made


def test_get_or_create_root_page_keeps_the_initiatives_apart(db: cwdb.Database) -> None:
    first = db.pages.get_or_create_root_page(initiative(db).id)
    second = db.pages.get_or_create_root_page(initiative(db).id)
    assert first.id != second.id


def test_get_or_create_root_page_of_an_unknown_initiative_raises_integrity_error(
    db: cwdb.Database,
) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError, match="no-such-initiative"):
        db.pages.get_or_create_root_page("no-such-initiative")
    assert snapshot(db) == before


def test_get_or_create_root_page_failure_inside_a_block_keeps_earlier_writes(
    db: cwdb.Database,
) -> None:
    with db.transaction():
        kept = initiative(db)
        with pytest.raises(cwdb.IntegrityError):
            db.pages.get_or_create_root_page("no-such-initiative")
    assert db.initiatives.find_by_id(kept.id) == kept


def test_get_or_create_root_page_rolls_back_with_its_block(db: cwdb.Database) -> None:
    owner = initiative(db)

    def make_root_then_fail() -> None:
        with db.transaction():
            db.pages.get_or_create_root_page(owner.id)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        make_root_then_fail()
    assert db.pages.find_root_page(owner.id) is None


def test_find_root_page_without_a_root_returns_none(db: cwdb.Database) -> None:
    assert db.pages.find_root_page(initiative(db).id) is None
    assert db.pages.find_root_page("no-such-initiative") is None


def test_find_root_page_returns_the_page_without_a_parent(db: cwdb.Database) -> None:
    child = page(db)
    root = db.pages.find_root_page(child.initiative_id)
    assert root is not None
    assert root.id == child.parent_page_id


def test_creating_a_second_root_raises_conflict(db: cwdb.Database) -> None:
    owner = initiative(db)
    db.pages.get_or_create_root_page(owner.id)
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError):
        db.pages.create(initiative_id=owner.id, title="another root")
    assert snapshot(db) == before


def test_making_a_page_a_second_root_by_update_raises_conflict(db: cwdb.Database) -> None:
    child = page(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError):
        db.pages.update(child.id, parent_page_id=None)
    assert snapshot(db) == before


def test_create_with_an_unknown_initiative_raises_integrity_error(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        db.pages.create(initiative_id="no-such-initiative", title="orphan")
    assert snapshot(db) == before


def test_create_with_an_unknown_parent_page_raises_integrity_error(db: cwdb.Database) -> None:
    owner = initiative(db)
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        db.pages.create(initiative_id=owner.id, parent_page_id="no-such-page", title="x")
    assert snapshot(db) == before


# -- concurrency ----------------------------------------------------------------------


def _race_past_the_first_read(db: cwdb.Database, barrier: Any) -> None:
    """Make every caller wait after its first ``find_root_page`` read.

    ``get_or_create_root_page`` first reads without the write lock; holding
    every caller there until all have read "no root" sends all of them into
    the insert, which is the race the unique index and ON CONFLICT decide.
    """
    read = db.pages.find_root_page
    waited = threading.local()

    def find_root_page_then_wait(initiative_id: str) -> cwdb.Page | None:
        found = read(initiative_id)
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return found

    db.pages.find_root_page = find_root_page_then_wait  # type: ignore[method-assign]


def test_get_or_create_root_page_from_8_threads_makes_one_root(file_db: cwdb.Database) -> None:
    owner = initiative(file_db)
    _race_past_the_first_read(file_db, threading.Barrier(8))
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(
            pool.map(lambda _: file_db.pages.get_or_create_root_page(owner.id).id, range(8))
        )
    assert len(set(found)) == 1
    assert root_rows(file_db, owner.id) == [(found[0],)]


def _root_page_id_in_a_process(path: str, initiative_id: str, barrier: Any, out: Any) -> None:
    """Child process: report the root page id, or the error it got instead."""
    try:
        with cwdb.connect(path) as db:
            _race_past_the_first_read(db, barrier)
            out.put(db.pages.get_or_create_root_page(initiative_id).id)
    except BaseException as error:
        barrier.abort()  # the others must not wait for this one
        out.put(f"error: {error!r}")
        raise


def test_get_or_create_root_page_from_4_processes_makes_one_root(
    file_db: cwdb.Database, db_path: Path
) -> None:
    owner = initiative(file_db)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    out = context.Queue()
    workers = [
        context.Process(
            target=_root_page_id_in_a_process, args=(str(db_path), owner.id, barrier, out)
        )
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    found = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert not [f for f in found if f.startswith("error")]
    assert [w.exitcode for w in workers] == [0] * 4
    assert len(set(found)) == 1
    assert root_rows(file_db, owner.id) == [(found[0],)]


@pytest.mark.sync_only("replaces a sync method to stage the race")
def test_get_or_create_root_page_returns_a_root_made_after_its_first_read(
    db: cwdb.Database,
) -> None:
    owner = initiative(db)
    read = db.pages.find_root_page
    made: list[cwdb.Page] = []

    def another_caller_wins(initiative_id: str) -> cwdb.Page | None:
        found = read(initiative_id)
        if not made:
            made.append(db.pages.create(initiative_id=owner.id, title="made meanwhile"))
        return found

    db.pages.find_root_page = another_caller_wins  # type: ignore[method-assign]
    assert db.pages.get_or_create_root_page(owner.id) == made[0]
    assert root_rows(db, owner.id) == [(made[0].id,)]


# -- find_by_initiative_id / find_by_parent_page_id ---------------------------------------


def test_find_by_initiative_id_returns_its_pages_root_included_oldest_first(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    owner = initiative(clocked_db)
    root = clocked_db.pages.get_or_create_root_page(owner.id)
    clock.advance(milliseconds=1)
    same_ms = [page(clocked_db, initiative_id=owner.id, parent_page_id=root.id) for _ in range(3)]
    page(clocked_db)  # another initiative's
    found = clocked_db.pages.find_by_initiative_id(owner.id)
    assert ids(found) == [root.id, *ids(same_ms)]


def test_find_by_initiative_id_of_an_unknown_initiative_is_empty(db: cwdb.Database) -> None:
    assert db.pages.find_by_initiative_id("no-such-initiative") == []


def test_find_by_parent_page_id_orders_by_sort_order_then_creation(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    parent = page(clocked_db)
    kwargs = {"initiative_id": parent.initiative_id, "parent_page_id": parent.id}
    last = page(clocked_db, sort_order=2, **kwargs)
    clock.advance(milliseconds=1)
    second = page(clocked_db, sort_order=1, **kwargs)
    clock.advance(milliseconds=-10)
    first_same_ms = [page(clocked_db, sort_order=1, **kwargs) for _ in range(2)]
    page(clocked_db, initiative_id=parent.initiative_id, parent_page_id=second.id)  # grandchild
    found = clocked_db.pages.find_by_parent_page_id(parent.id)
    assert ids(found) == [*ids(first_same_ms), second.id, last.id]


def test_find_by_parent_page_id_of_an_unknown_page_is_empty(db: cwdb.Database) -> None:
    assert db.pages.find_by_parent_page_id("no-such-page") == []


# -- content and cascades -------------------------------------------------------------------


def test_content_round_trips_byte_for_byte(db: cwdb.Database) -> None:
    content = "# Title\r\n\ttabs, trailing space \nNUL\x00 é 漢字 \U0001f600\n\n"
    fields = page_fields(db)
    content = storable_text(
        db, content, "content", lambda text: db.pages.create(**fields, content=text)
    )
    made = db.pages.create(**fields, content=content)
    stored = db.pages.find_by_id(made.id)
    assert stored is not None
    assert stored.content == content


def test_deleting_a_page_deletes_the_pages_below_it(db: cwdb.Database) -> None:
    child = page(db)
    grandchild = page(db, initiative_id=child.initiative_id, parent_page_id=child.id)
    db.pages.delete(child.id)
    assert db.pages.find_by_id(grandchild.id) is None
    assert ids(db.pages.find_by_initiative_id(child.initiative_id)) == [child.parent_page_id]


def test_deleting_the_initiative_deletes_its_pages(db: cwdb.Database) -> None:
    child = page(db)
    db.initiatives.delete(child.initiative_id)
    assert db.pages.find_by_initiative_id(child.initiative_id) == []
    assert db.pages.find_by_id(child.id) is None


def test_a_page_title_may_be_any_text(db: cwdb.Database) -> None:
    title = unique("title with 'quotes' and ; semicolons")
    assert page(db, title=title).title == title
