"""The one-source choice, measured: direct sync calls against I/O-free plans run by an executor.

    .venv/bin/python scripts/bench_plans.py

The alternative to generating the async repositories (issue 21) is to make
each repository method an I/O-free plan, a generator that yields the
statements to run and receives their results, run by a sync and by an async
executor. This measures what that costs the sync path on two calls,
``tasks.find_by_id`` and ``tasks.update`` (status), over an in-memory SQLite
database: the library's own direct call, and the same call written as a plan
over the same runner (one generator and one ``send`` per statement). It
prints microseconds per call, best of five runs.
"""

from __future__ import annotations

import timeit
from collections.abc import Generator
from typing import Any

import cwdb

Plan = Generator[tuple[str, Any, Any], Any, Any]


def main() -> None:
    db = cwdb.connect(":memory:")
    tasks: Any = db.tasks
    made = tasks.create(name="t")
    run = tasks._run  # noqa: SLF001 -- the plan runs over the same runner
    find_by_id = tasks._find_by_id  # noqa: SLF001
    updates = tasks._updates  # noqa: SLF001
    now = tasks._now  # noqa: SLF001

    def find_plan(id: str) -> Plan:
        return (yield ("one", find_by_id, {"id": id}))

    def update_plan(id: str, changes: dict[str, object]) -> Plan:
        statement, params = updates.params(changes)
        params["id"] = id
        params["now"] = now()
        found = yield ("one", statement, params)
        if found is None:
            raise cwdb.NotFoundError(id)
        return found

    def execute(plan: Plan) -> Any:
        """The sync executor: send each statement's result back until the plan returns."""
        try:
            kind, statement, params = next(plan)
            while True:
                kind, statement, params = plan.send(getattr(run, kind)(statement, params))
        except StopIteration as stop:
            return stop.value

    cases = {
        "find_by_id direct": lambda: tasks.find_by_id(made.id),
        "find_by_id plan": lambda: execute(find_plan(made.id)),
        "update direct": lambda: tasks.update(made.id, status="pending"),
        "update plan": lambda: execute(update_plan(made.id, {"status": "pending"})),
    }
    number = 20000
    for name, call in cases.items():
        best = min(timeit.repeat(call, number=number, repeat=5)) / number
        print(f"{name:20} {best * 1e6:6.2f} us")
    db.close()


if __name__ == "__main__":
    main()
