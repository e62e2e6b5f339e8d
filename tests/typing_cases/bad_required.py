"""The required fields of every create, left out: mypy --strict must refuse each call.

The calls issue 23 took several tries at run time (messages, errands) fail
here before they run. Each refused line ends with ``# E: <mypy error code>``;
tests/test_typing.py checks that mypy reports exactly those lines with those codes.
"""

from __future__ import annotations

import cwdb


def missing(db: cwdb.Database, project: cwdb.Project) -> None:
    db.messages.create(sender_type="user")  # E: call-arg
    db.messages.create(sender_type="user", recipient_type="agent")  # E: call-arg
    db.errands.create(description="Bump")  # E: call-arg
    db.tasks.create(priority="high")  # E: call-arg
    db.agents.create(name="builder")  # E: call-arg
    db.accounts.create(provider="claude")  # E: call-arg
    db.projects.create(name="webapp")  # E: call-arg
    db.pages.create(title="Notes")  # E: call-arg


def complete(db: cwdb.Database, project: cwdb.Project) -> None:
    db.messages.create(sender_type="user", recipient_type="agent", content="Ship it?")
    db.errands.create(id="e1", description="Bump", branch="errand/1", project_id=project.id)
    db.tasks.create(name="Toggle")
