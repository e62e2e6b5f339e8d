"""Introspection: each adapter implements exactly its port, with the same signatures."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import cwdb
from tests.support.ports import CRUD, NOT_CRUD, PORTS, public_methods


def shape(function: Any) -> list[tuple[str, object, object]]:
    """Parameter names, kinds and defaults (annotations may differ: Any vs Unpack)."""
    parameters = list(inspect.signature(function).parameters.values())[1:]
    return [(p.name, p.kind, p.default) for p in parameters]


@pytest.fixture(scope="module")
def db() -> Any:
    with cwdb.connect(":memory:") as database:
        yield database


def test_the_database_has_exactly_the_14_repositories(db: cwdb.Database) -> None:
    attributes = {name for name in vars(db) if not name.startswith("_") and name != "path"}
    assert attributes == set(PORTS)


@pytest.mark.parametrize("attribute", list(PORTS))
def test_an_adapter_has_exactly_its_ports_methods(db: cwdb.Database, attribute: str) -> None:
    port = PORTS[attribute]
    adapter = type(getattr(db, attribute))
    assert public_methods(adapter) == public_methods(port)
    assert isinstance(getattr(db, attribute), port)
    assert adapter.__name__ == f"Apsw{port.__name__}"


@pytest.mark.parametrize("attribute", list(PORTS))
def test_every_method_has_its_ports_signature(db: cwdb.Database, attribute: str) -> None:
    port = PORTS[attribute]
    adapter = type(getattr(db, attribute))
    for name in public_methods(port):
        assert shape(getattr(adapter, name)) == shape(getattr(port, name)), name


@pytest.mark.parametrize("attribute", list(PORTS))
def test_only_the_crud_repositories_have_the_crud_methods(attribute: str) -> None:
    methods = public_methods(PORTS[attribute])
    if attribute in NOT_CRUD:
        assert not methods >= CRUD
    else:
        assert methods >= CRUD


@pytest.mark.parametrize("attribute", sorted(set(PORTS) - NOT_CRUD))
def test_update_takes_the_id_positionally_only(attribute: str) -> None:
    update = inspect.signature(PORTS[attribute].update).parameters
    assert update["id"].kind is inspect.Parameter.POSITIONAL_ONLY
    assert next(reversed(update.values())).kind is inspect.Parameter.VAR_KEYWORD


def test_every_port_is_runtime_checkable_and_exported() -> None:
    for port in PORTS.values():
        assert getattr(port, "_is_runtime_protocol", False), port
        assert port.__name__ in cwdb.__all__
