"""Generated from cwdb/ports/tasks.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).

The task repository port."""

from __future__ import annotations

from typing import Protocol, Unpack, runtime_checkable

from cwdb.records.tasks import Task, TaskChanges, TaskCreate


@runtime_checkable
class AsyncTaskRepository(Protocol):
    """Tasks: CRUD, lookups by parent, the task dependency graph, retries.

    The dependency graph stays acyclic: ``create_dependency`` refuses an edge
    to itself or one that would close a cycle, also under concurrency.
    """

    async def create(self, **fields: Unpack[TaskCreate]) -> Task:
        """Store a new task and return it as stored.

        Required: ``name``.
        Optional (default): ``phase_id`` (None), ``initiative_id`` (None),
        ``parent_task_id`` (None), ``description`` (None), ``type`` ('auto'),
        ``category`` ('execute'), ``priority`` ('medium'), ``status`` ('pending'),
        ``order`` (0), ``summary`` (None), ``retry_count`` (0).
        """
        ...

    async def find_by_id(self, id: str) -> Task | None:
        """The task with this id, or None."""
        ...

    async def find_all(self) -> list[Task]:
        """Every task, oldest first."""
        ...

    async def update(self, id: str, /, **changes: Unpack[TaskChanges]) -> Task:
        """Change the given fields; ``NotFoundError`` for an unknown id."""
        ...

    async def delete(self, id: str) -> None:
        """Delete it with its subtasks and dependency edges; ``NotFoundError`` for an unknown id."""
        ...

    async def find_by_phase_id(self, phase_id: str) -> list[Task]:
        """The tasks of one phase, by ``order``, then oldest first."""
        ...

    async def find_by_initiative_id(self, initiative_id: str) -> list[Task]:
        """Tasks whose own ``initiative_id`` is this one, by ``order``, then oldest first.

        Tasks reached only through a phase of the initiative are not included.
        """
        ...

    async def find_by_parent_task_id(self, parent_task_id: str) -> list[Task]:
        """The subtasks of one task, oldest first."""
        ...

    async def create_dependency(self, task_id: str, depends_on_task_id: str) -> None:
        """Record that ``task_id`` depends on ``depends_on_task_id``.

        Idempotent: an edge that exists already is left as it is. An edge to
        itself or one that would close a cycle is a ``ValidationError``; an
        unknown task on either end is an ``IntegrityError``.
        """
        ...

    async def get_dependencies(self, task_id: str) -> list[str]:
        """Ids of the tasks it depends on, in the order the edges were made."""
        ...

    async def get_dependents(self, task_id: str) -> list[str]:
        """Ids of the tasks that depend on it, in the order the edges were made."""
        ...

    async def increment_retry_count(self, id: str) -> Task:
        """Add one to ``retry_count`` atomically and return the stored row.

        Concurrent increments, from threads or processes, are never lost.
        ``NotFoundError`` for an unknown id.
        """
        ...
