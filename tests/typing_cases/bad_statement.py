"""Statements bound to the wrong record or run the wrong way: mypy --strict refuses each use.

``Queries.one(name, Task)`` is a ``One[Task]``, and the runner returns
``Task | None`` for it, so a statement bound to one record cannot fill a
variable, or a return value, of another; and a statement's type admits only
the runner calls of the way it was bound (a ``One`` is not run with ``all``,
a ``Write`` not with ``one``). Each refused line ends with ``# E: <mypy
error code>``.
"""

from __future__ import annotations

import cwdb
from cwdb.adapters.runner import Runner
from cwdb.adapters.statements import Many, One, Queries


def wrong_records(queries: Queries, run: Runner) -> None:
    agents: One[cwdb.Agent] = queries.one("find_by_id", cwdb.Agent)
    tasks: One[cwdb.Task] = queries.one("find_by_id", cwdb.Agent)  # E: arg-type
    task: cwdb.Task | None = run.one(agents, {"id": "x"})  # E: assignment
    every: Many[cwdb.Agent] = queries.many("find_all", cwdb.Agent)
    listed: list[cwdb.Task] = run.all(every, {})  # E: arg-type
    found: cwdb.Agent | None = run.one(agents, {"id": "x"})
    del tasks, task, listed, found


def wrong_calls(queries: Queries, run: Runner) -> None:
    agents = queries.one("find_by_id", cwdb.Agent)
    run.all(agents, {})  # E: arg-type
    run.write(agents, {})  # E: arg-type
    run.one(queries.write("delete_by_agent_id"), {})  # E: arg-type
    run.write_batch(queries.write("delete_by_agent_id"), [])  # E: arg-type


def wrong_return(queries: Queries, run: Runner) -> cwdb.Task:
    return run.single(queries.single("create", cwdb.Agent), {})  # E: return-value
