"""What tab completion shows on a repository: its port's methods, nothing internal."""

from __future__ import annotations

import pytest

import cwdb
from tests.support.ports import PORTS, public_methods


@pytest.mark.parametrize("attribute", list(PORTS))
def test_a_repository_shows_only_its_ports_methods(attribute: str) -> None:
    with cwdb.connect(":memory:") as db:
        repository = getattr(db, attribute)
        shown = {name for name in dir(repository) if not name.startswith("_")}
    assert shown == public_methods(PORTS[attribute])
