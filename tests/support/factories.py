"""Valid rows for every repository, parents made on demand.

Each ``*_fields(db)`` returns ``create()`` keyword arguments for a valid new
row (creating the parent rows it needs); the factory of the same name
creates the row. ``CRUD_CASES`` drives the shared CRUD tests
(tests/test_crud_shared.py): one entry per repository that has the five
generic methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

import cwdb
from tests.support.helpers import unique

Fields = dict[str, Any]


def initiative_fields(db: cwdb.Database) -> Fields:
    return {"name": unique("initiative")}


def phase_fields(db: cwdb.Database) -> Fields:
    return {"initiative_id": initiative(db).id, "name": unique("phase")}


def task_fields(db: cwdb.Database) -> Fields:
    return {"phase_id": phase(db).id, "name": unique("task")}


def agent_fields(db: cwdb.Database) -> Fields:
    return {"name": unique("agent"), "worktree_id": unique("worktree")}


def account_fields(db: cwdb.Database) -> Fields:
    return {"email": f"{unique('user')}@example.com"}


def project_fields(db: cwdb.Database) -> Fields:
    name = unique("project")
    return {"name": name, "url": f"https://git.example/{name}.git"}


def page_fields(db: cwdb.Database) -> Fields:
    root = db.pages.get_or_create_root_page(initiative(db).id)
    return {"initiative_id": root.initiative_id, "parent_page_id": root.id, "title": unique("page")}


def proposal_fields(db: cwdb.Database) -> Fields:
    return {
        "agent_id": agent(db).id,
        "initiative_id": initiative(db).id,
        "target_type": "task",
        "title": unique("proposal"),
        "summary": "why",
        "content": "what",
    }


def message_fields(db: cwdb.Database) -> Fields:
    return {"sender_type": "user", "recipient_type": "user", "content": unique("hello")}


def errand_fields(db: cwdb.Database) -> Fields:
    return {
        "id": unique("errand"),
        "description": "fix it",
        "branch": unique("branch"),
        "project_id": project(db).id,
    }


def initiative(db: cwdb.Database, **fields: Any) -> cwdb.Initiative:
    return db.initiatives.create(**{**initiative_fields(db), **fields})


def phase(db: cwdb.Database, **fields: Any) -> cwdb.Phase:
    base = {"name": unique("phase")} if "initiative_id" in fields else phase_fields(db)
    return db.phases.create(**{**base, **fields})


def task(db: cwdb.Database, **fields: Any) -> cwdb.Task:
    parented = "phase_id" in fields or "initiative_id" in fields
    base = {"name": unique("task")} if parented else task_fields(db)
    return db.tasks.create(**{**base, **fields})


def agent(db: cwdb.Database, **fields: Any) -> cwdb.Agent:
    return db.agents.create(**{**agent_fields(db), **fields})


def account(db: cwdb.Database, **fields: Any) -> cwdb.Account:
    return db.accounts.create(**{**account_fields(db), **fields})


def project(db: cwdb.Database, **fields: Any) -> cwdb.Project:
    return db.projects.create(**{**project_fields(db), **fields})


def page(db: cwdb.Database, **fields: Any) -> cwdb.Page:
    return db.pages.create(**{**page_fields(db), **fields})


def proposal(db: cwdb.Database, **fields: Any) -> cwdb.Proposal:
    return db.proposals.create(**{**proposal_fields(db), **fields})


def message(db: cwdb.Database, **fields: Any) -> cwdb.Message:
    return db.messages.create(**{**message_fields(db), **fields})


def errand(db: cwdb.Database, **fields: Any) -> cwdb.Errand:
    if "project_id" in fields:
        base = {"id": unique("errand"), "description": "fix it", "branch": unique("branch")}
    else:
        base = errand_fields(db)
    return db.errands.create(**{**base, **fields})


@attrs.frozen
class CrudCase:
    """One CRUD repository, as the shared tests see it."""

    repository: str
    fields: Callable[[cwdb.Database], Fields]
    #: A mutable field and a valid new value for it.
    change: tuple[str, Any]
    #: A field whose enum refuses "bogus", if the table has one.
    enum_field: str | None
    #: A required field to leave out.
    required_field: str

    def __str__(self) -> str:
        return self.repository


CRUD_CASES = [
    CrudCase("initiatives", initiative_fields, ("status", "completed"), "status", "name"),
    CrudCase("phases", phase_fields, ("status", "in_progress"), "status", "name"),
    CrudCase("tasks", task_fields, ("priority", "high"), "priority", "name"),
    CrudCase("agents", agent_fields, ("status", "running"), "status", "worktree_id"),
    CrudCase("messages", message_fields, ("status", "read"), "type", "content"),
    CrudCase("pages", page_fields, ("title", "renamed"), None, "title"),
    CrudCase("projects", project_fields, ("default_branch", "trunk"), None, "url"),
    CrudCase("accounts", account_fields, ("sort_order", 7), None, "email"),
    CrudCase("proposals", proposal_fields, ("status", "accepted"), "status", "title"),
    CrudCase("errands", errand_fields, ("status", "merged"), "status", "branch"),
]
