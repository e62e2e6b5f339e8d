"""ErrandRepository beyond the shared CRUD contract (docs/reference.md §4, §7)."""

from __future__ import annotations

import pytest

import cwdb
from cwdb.adapters.sqlfiles import query_file
from tests.support import factories
from tests.support.helpers import FakeClock, raw_connection, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too


def ids(errands: list[cwdb.Errand]) -> list[str]:
    return [e.id for e in errands]


@pytest.fixture
def spread(clocked_db: cwdb.Database, clock: FakeClock) -> dict[str, list[str]]:
    """Errands of two projects (and none) in two statuses, made in a known order."""
    db = clocked_db
    alpha, beta, gamma = (factories.project(db).id for _ in range(3))
    made: dict[str, list[str]] = {}
    plan = [
        (alpha, "active"),
        (beta, "active"),
        (alpha, "merged"),
        (gamma, "active"),
        (alpha, "active"),
        (beta, "merged"),
    ]
    for project_id, status in plan:
        errand = factories.errand(db, project_id=project_id, status=status)
        made.setdefault("all", []).append(errand.id)
        made.setdefault(f"project:{project_id}", []).append(errand.id)
        made.setdefault(f"status:{status}", []).append(errand.id)
        made.setdefault(f"{project_id}:{status}", []).append(errand.id)
    made["alpha"], made["beta"] = [alpha], [beta]
    return made


# -- caller-supplied ids ----------------------------------------------------------


def test_create_keeps_the_callers_id(db: cwdb.Database) -> None:
    project = factories.project(db)
    made = db.errands.create(
        id="errand-42", description="bump deps", branch="cw/bump", project_id=project.id
    )
    assert made.id == "errand-42"
    assert db.errands.find_by_id("errand-42") == made


def test_create_with_a_taken_id_raises_conflict(db: cwdb.Database) -> None:
    made = factories.errand(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ConflictError):
        factories.errand(db, id=made.id, project_id=made.project_id)
    assert snapshot(db) == before


def test_create_without_an_id_names_it(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="missing required fields: id, project_id"):
        db.errands.create(description="fix it", branch="cw/fix")  # type: ignore[call-arg]
    assert snapshot(db) == before


def test_the_id_cannot_be_changed_by_update(db: cwdb.Database) -> None:
    made = factories.errand(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="id"):
        db.errands.update(made.id, id="other")  # type: ignore[call-arg]
    assert snapshot(db) == before


def test_create_applies_the_schema_defaults(db: cwdb.Database) -> None:
    project = factories.project(db)
    made = db.errands.create(id="e-1", description="d", branch="b", project_id=project.id)
    assert (made.base_branch, made.status) == ("main", "active")
    assert made.agent_id is None


# -- find_all filters ----------------------------------------------------------------


def test_find_all_without_filters_returns_every_errand_oldest_first(
    clocked_db: cwdb.Database, spread: dict[str, list[str]]
) -> None:
    assert ids(clocked_db.errands.find_all()) == spread["all"]


def test_find_all_by_project_id(clocked_db: cwdb.Database, spread: dict[str, list[str]]) -> None:
    alpha = spread["alpha"][0]
    assert ids(clocked_db.errands.find_all(project_id=alpha)) == spread[f"project:{alpha}"]


def test_find_all_by_status(clocked_db: cwdb.Database, spread: dict[str, list[str]]) -> None:
    assert ids(clocked_db.errands.find_all(status="active")) == spread["status:active"]


def test_find_all_by_project_id_and_status(
    clocked_db: cwdb.Database, spread: dict[str, list[str]]
) -> None:
    beta = spread["beta"][0]
    found = clocked_db.errands.find_all(project_id=beta, status="merged")
    assert ids(found) == spread[f"{beta}:merged"]
    assert len(found) == 1


def test_find_all_takes_the_filters_positionally(
    clocked_db: cwdb.Database, spread: dict[str, list[str]]
) -> None:
    alpha = spread["alpha"][0]
    assert ids(clocked_db.errands.find_all(alpha, "active")) == spread[f"{alpha}:active"]


def test_find_all_accepts_the_enum_member(
    clocked_db: cwdb.Database, spread: dict[str, list[str]]
) -> None:
    found = clocked_db.errands.find_all(status=cwdb.ErrandStatus.MERGED)
    assert ids(found) == spread["status:merged"]


def test_find_all_filters_keep_creation_order_within_one_millisecond(
    clocked_db: cwdb.Database,
) -> None:
    project_id = factories.project(clocked_db).id
    made = [factories.errand(clocked_db, project_id=project_id).id for _ in range(4)]
    assert ids(clocked_db.errands.find_all(project_id=project_id)) == made
    assert ids(clocked_db.errands.find_all(status="active")) == made
    assert ids(clocked_db.errands.find_all(project_id, "active")) == made


def test_find_all_by_project_id_orders_by_created_at_across_statuses(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    project_id = factories.project(clocked_db).id
    merged = factories.errand(clocked_db, project_id=project_id, status="merged")
    clock.advance(seconds=1)
    active = factories.errand(clocked_db, project_id=project_id, status="active")
    assert ids(clocked_db.errands.find_all(project_id=project_id)) == [merged.id, active.id]


def test_find_all_with_no_match_returns_empty_list(
    clocked_db: cwdb.Database, spread: dict[str, list[str]]
) -> None:
    assert clocked_db.errands.find_all(project_id="no-such-project") == []
    assert clocked_db.errands.find_all(status="conflict") == []
    assert clocked_db.errands.find_all(spread["beta"][0], "abandoned") == []


@pytest.mark.parametrize("project_id", [None, "some-project"])
def test_find_all_with_a_status_outside_the_enum_is_a_validation_error(
    db: cwdb.Database, project_id: str | None
) -> None:
    with pytest.raises(cwdb.ValidationError, match="status: 'bogus' is not one of 'active'"):
        db.errands.find_all(project_id=project_id, status="bogus")


@pytest.mark.parametrize(
    ("query", "params", "index"),
    [
        ("find_all_by_project_id", {"project_id": "p"}, "errands_project_id_idx"),
        ("find_all_by_status", {"status": "active"}, "errands_status_idx"),
        (
            "find_all_by_project_id_and_status",
            {"project_id": "p", "status": "active"},
            "errands_project_id_idx",
        ),
    ],
)
@pytest.mark.sqlite_only(
    "reads SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans: test_postgresql_review"
)
def test_each_filter_searches_its_index(
    db: cwdb.Database, query: str, params: dict[str, str], index: str
) -> None:
    sql = query_file("errands")[query].sql
    connection = raw_connection(db)
    try:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    finally:
        connection.close()
    assert any(step.startswith(f"SEARCH errands USING INDEX {index}") for step in plan), plan
    assert not any(step.startswith("SCAN") for step in plan), plan


# -- references ------------------------------------------------------------------------


def test_create_with_an_unknown_project_raises_integrity_error(db: cwdb.Database) -> None:
    before = snapshot(db)
    with pytest.raises(cwdb.IntegrityError):
        factories.errand(db, project_id="no-such-project")
    assert snapshot(db) == before


def test_deleting_its_agent_sets_agent_id_to_none(db: cwdb.Database) -> None:
    agent = factories.agent(db)
    made = factories.errand(db, agent_id=agent.id)
    db.agents.delete(agent.id)
    found = db.errands.find_by_id(made.id)
    assert found is not None
    assert found.agent_id is None
