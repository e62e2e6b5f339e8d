"""Statements bound to the wrong record: mypy --strict must refuse each use.

``Queries.bind(name, Task)`` is a ``Statement[Task]``, and the runner returns
``Task | None`` / ``list[Task]`` for it, so a statement bound to one record
cannot fill a variable, or a return value, of another. Each refused line ends
with ``# E: <mypy error code>``.
"""

from __future__ import annotations

import cwdb
from cwdb.adapters.runner import Runner
from cwdb.adapters.statements import Queries, Statement


def wrong_records(queries: Queries, run: Runner) -> None:
    agents: Statement[cwdb.Agent] = queries.bind("find_by_id", cwdb.Agent)
    tasks: Statement[cwdb.Task] = queries.bind("find_by_id", cwdb.Agent)  # E: arg-type
    task: cwdb.Task | None = run.one(agents, {"id": "x"})  # E: assignment
    listed: list[cwdb.Task] = run.all(agents, {})  # E: arg-type
    found: cwdb.Agent | None = run.one(agents, {"id": "x"})
    del tasks, task, listed, found


def wrong_return(queries: Queries, run: Runner) -> cwdb.Task:
    return run.single(queries.bind("create", cwdb.Agent), {})  # E: return-value
