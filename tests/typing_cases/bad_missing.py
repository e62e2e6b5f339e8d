"""A required field left out: mypy --strict must refuse each call.

Each refused line ends with ``# E: <mypy error code>``; tests/test_typing.py
checks that mypy reports exactly those lines with those codes.
"""

from __future__ import annotations

import cwdb


def missing(db: cwdb.Database, initiative: cwdb.Initiative) -> None:
    db.initiatives.create(status="active")  # E: call-arg
    db.phases.create(initiative_id=initiative.id)  # E: call-arg
    db.errands.create(description="Bump", branch="errand/1", project_id="p")  # E: call-arg
    db.errands.create(id="e1", description="Bump", branch="errand/1")  # E: call-arg
    db.proposals.create(  # E: call-arg
        agent_id="a", initiative_id=initiative.id, target_type="task", title="t", summary="s"
    )
