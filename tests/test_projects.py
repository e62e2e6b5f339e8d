"""ProjectRepository beyond the shared CRUD contract (docs/reference.md §4, §7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import cwdb
from tests.support import factories
from tests.support.helpers import FakeClock, execute, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def links(db: cwdb.Database, initiative_id: str) -> list[tuple[Any, ...]]:
    """The initiative's link rows as stored: (rowid, project_id, created_at)."""
    return execute(
        db,
        "SELECT rowid, project_id, created_at FROM initiative_projects"
        " WHERE initiative_id = ? ORDER BY rowid",
        (initiative_id,),
    )


def ids(projects: list[cwdb.Project]) -> list[str]:
    return [p.id for p in projects]


# -- lookups ------------------------------------------------------------------


def test_find_by_name_returns_the_project(db: cwdb.Database) -> None:
    factories.project(db)
    made = factories.project(db)
    assert db.projects.find_by_name(made.name) == made


def test_find_by_name_of_unknown_name_returns_none(db: cwdb.Database) -> None:
    factories.project(db)
    assert db.projects.find_by_name("nothing") is None


def test_find_by_url_returns_the_project(db: cwdb.Database) -> None:
    factories.project(db)
    made = factories.project(db)
    assert db.projects.find_by_url(made.url) == made


def test_find_by_url_of_unknown_url_returns_none(db: cwdb.Database) -> None:
    factories.project(db)
    assert db.projects.find_by_url("https://git.example/none.git") is None


# -- uniqueness --------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "url"])
def test_create_with_a_taken_value_raises_conflict(db: cwdb.Database, field: str) -> None:
    taken = factories.project(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError, match=rf"projects\.{field}"):
        factories.project(db, **{field: getattr(taken, field)})
    assert snapshot(db) == before


@pytest.mark.parametrize("field", ["name", "url"])
def test_update_to_a_taken_value_raises_conflict(db: cwdb.Database, field: str) -> None:
    taken = factories.project(db)
    other = factories.project(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError, match=rf"projects\.{field}"):
        db.projects.update(other.id, **{field: getattr(taken, field)})
    assert snapshot(db) == before


# -- set_initiative_projects ---------------------------------------------------------


def test_set_initiative_projects_links_the_given_projects(db: cwdb.Database) -> None:
    initiative = factories.initiative(db)
    made = [factories.project(db) for _ in range(3)]
    db.projects.set_initiative_projects(initiative.id, [made[0].id, made[2].id])
    assert ids(db.projects.find_projects_by_initiative_id(initiative.id)) == [
        made[0].id,
        made[2].id,
    ]


def test_set_initiative_projects_removes_links_not_listed_and_adds_missing(
    db: cwdb.Database,
) -> None:
    initiative = factories.initiative(db)
    a, b, c = (factories.project(db) for _ in range(3))
    db.projects.set_initiative_projects(initiative.id, [a.id, b.id])
    db.projects.set_initiative_projects(initiative.id, [b.id, c.id])
    assert ids(db.projects.find_projects_by_initiative_id(initiative.id)) == [b.id, c.id]


def test_links_that_stay_keep_their_rows_and_created_at(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    initiative = factories.initiative(db)
    a, b, c = (factories.project(db) for _ in range(3))
    db.projects.set_initiative_projects(initiative.id, [a.id, b.id])
    kept = [row for row in links(db, initiative.id) if row[1] == b.id]
    clock.advance(seconds=5)
    db.projects.set_initiative_projects(initiative.id, [c.id, b.id])
    after = links(db, initiative.id)
    assert [row for row in after if row[1] == b.id] == kept
    added = [row for row in after if row[1] == c.id]
    assert len(added) == 1
    assert added[0][2] > kept[0][2]


def test_set_initiative_projects_with_the_same_list_changes_nothing(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    initiative = factories.initiative(db)
    made = [factories.project(db) for _ in range(2)]
    db.projects.set_initiative_projects(initiative.id, [p.id for p in made])
    before = snapshot(db)
    clock.advance(seconds=1)
    db.projects.set_initiative_projects(initiative.id, [p.id for p in reversed(made)])
    assert snapshot(db) == before


def test_an_empty_iterable_removes_every_link(db: cwdb.Database) -> None:
    initiative = factories.initiative(db)
    made = [factories.project(db) for _ in range(2)]
    db.projects.set_initiative_projects(initiative.id, [p.id for p in made])
    db.projects.set_initiative_projects(initiative.id, [])
    assert db.projects.find_projects_by_initiative_id(initiative.id) == []
    assert links(db, initiative.id) == []


def test_set_initiative_projects_accepts_any_iterable_of_str(db: cwdb.Database) -> None:
    initiative = factories.initiative(db)
    made = [factories.project(db) for _ in range(3)]

    def generate() -> Iterator[str]:
        yield from (p.id for p in made)

    db.projects.set_initiative_projects(initiative.id, generate())
    assert ids(db.projects.find_projects_by_initiative_id(initiative.id)) == ids(made)
    db.projects.set_initiative_projects(initiative.id, {made[1].id})
    assert ids(db.projects.find_projects_by_initiative_id(initiative.id)) == [made[1].id]
    db.projects.set_initiative_projects(initiative.id, (p.id for p in made[:0]))
    assert db.projects.find_projects_by_initiative_id(initiative.id) == []


def test_a_repeated_project_id_is_linked_once(db: cwdb.Database) -> None:
    initiative = factories.initiative(db)
    made = factories.project(db)
    db.projects.set_initiative_projects(initiative.id, [made.id, made.id])
    assert db.projects.find_projects_by_initiative_id(initiative.id) == [made]


def test_set_initiative_projects_leaves_other_initiatives_alone(db: cwdb.Database) -> None:
    first, second = factories.initiative(db), factories.initiative(db)
    shared, other = factories.project(db), factories.project(db)
    db.projects.set_initiative_projects(first.id, [shared.id, other.id])
    db.projects.set_initiative_projects(second.id, [shared.id])
    db.projects.set_initiative_projects(second.id, [])
    assert ids(db.projects.find_projects_by_initiative_id(first.id)) == [shared.id, other.id]


def test_an_unknown_project_id_raises_integrity_error_and_changes_nothing(
    db: cwdb.Database,
) -> None:
    initiative = factories.initiative(db)
    a, b = factories.project(db), factories.project(db)
    db.projects.set_initiative_projects(initiative.id, [a.id])
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError, match="no-such-project"):
        db.projects.set_initiative_projects(initiative.id, [b.id, "no-such-project"])
    assert snapshot(db) == before


def test_an_unknown_initiative_raises_not_found_and_changes_nothing(
    db: cwdb.Database,
) -> None:
    made = factories.project(db)
    before = snapshot(db)
    with pytest.raises(cwdb.NotFoundError, match="no-such-initiative"):
        db.projects.set_initiative_projects("no-such-initiative", [made.id])
    with pytest.raises(cwdb.NotFoundError, match="no-such-initiative"):
        db.projects.set_initiative_projects("no-such-initiative", [])
    assert snapshot(db) == before


def test_the_integrity_error_is_not_a_conflict(db: cwdb.Database) -> None:
    initiative = factories.initiative(db)
    with pytest.raises(cwdb.IntegrityError) as raised:
        db.projects.set_initiative_projects(initiative.id, ["no-such-project"])
    assert not isinstance(raised.value, cwdb.ConflictError)


@pytest.mark.parametrize(
    "project_ids", [["ok", 7], [None], "one-id-as-a-str"], ids=["int", "none", "bare-str"]
)
def test_ids_that_are_not_str_are_a_validation_error(db: cwdb.Database, project_ids: Any) -> None:
    initiative = factories.initiative(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="project_ids"):
        db.projects.set_initiative_projects(initiative.id, project_ids)
    assert snapshot(db) == before


def test_a_failure_inside_a_transaction_keeps_the_blocks_earlier_writes(
    db: cwdb.Database,
) -> None:
    initiative = factories.initiative(db)
    a = factories.project(db)
    with db.transaction():
        renamed = db.projects.update(a.id, default_branch="trunk")
        with pytest.raises(cwdb.IntegrityError):
            db.projects.set_initiative_projects(initiative.id, [a.id, "no-such-project"])
    assert db.projects.find_by_id(a.id) == renamed
    assert db.projects.find_projects_by_initiative_id(initiative.id) == []


# -- find_projects_by_initiative_id ------------------------------------------------------


def test_projects_are_ordered_by_link_creation_not_project_creation(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    initiative = factories.initiative(db)
    older, newer = factories.project(db), factories.project(db)
    db.projects.set_initiative_projects(initiative.id, [newer.id])
    clock.advance(seconds=1)
    db.projects.set_initiative_projects(initiative.id, [older.id, newer.id])
    assert ids(db.projects.find_projects_by_initiative_id(initiative.id)) == [newer.id, older.id]


def test_links_made_in_one_millisecond_keep_the_order_given(clocked_db: cwdb.Database) -> None:
    db = clocked_db
    initiative = factories.initiative(db)
    made = [factories.project(db) for _ in range(4)]
    order = [made[2].id, made[0].id, made[3].id, made[1].id]
    db.projects.set_initiative_projects(initiative.id, order)
    assert ids(db.projects.find_projects_by_initiative_id(initiative.id)) == order


def test_find_projects_of_an_unknown_initiative_returns_empty_list(db: cwdb.Database) -> None:
    assert db.projects.find_projects_by_initiative_id("no-such-initiative") == []


# -- cascades --------------------------------------------------------------------------------


def test_deleting_a_project_removes_its_links(db: cwdb.Database) -> None:
    initiative = factories.initiative(db)
    a, b = factories.project(db), factories.project(db)
    db.projects.set_initiative_projects(initiative.id, [a.id, b.id])
    db.projects.delete(a.id)
    assert db.projects.find_projects_by_initiative_id(initiative.id) == [b]


def test_deleting_an_initiative_removes_its_links_but_not_the_projects(
    db: cwdb.Database,
) -> None:
    initiative = factories.initiative(db)
    made = factories.project(db)
    db.projects.set_initiative_projects(initiative.id, [made.id])
    db.initiatives.delete(initiative.id)
    assert links(db, initiative.id) == []
    assert db.projects.find_by_id(made.id) == made


def test_deleting_a_project_deletes_its_errands(db: cwdb.Database) -> None:
    made, other = factories.project(db), factories.project(db)
    errand = factories.errand(db, project_id=made.id)
    kept = factories.errand(db, project_id=other.id)
    db.projects.delete(made.id)
    assert db.errands.find_by_id(errand.id) is None
    assert db.errands.find_by_id(kept.id) == kept
