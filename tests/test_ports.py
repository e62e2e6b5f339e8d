"""Introspection: each adapter implements exactly its port, with the same signatures."""

from __future__ import annotations

import inspect
import pydoc
import types
from typing import Any

import pytest

import cwdb
from cwdb.adapters.repositories.documented import document_from_port
from tests.support.ports import CRUD, NOT_CRUD, PORTS, public_methods


def shape(function: Any) -> list[tuple[str, object, object]]:
    """Parameter names, kinds and defaults (annotations may differ: Any vs Unpack).

    Read from the code itself: an adapter's method shows its port's
    ``__signature__``, which is exactly what is being compared.
    """
    bare = types.FunctionType(
        function.__code__, function.__globals__, None, function.__defaults__, function.__closure__
    )
    bare.__kwdefaults__ = function.__kwdefaults__
    parameters = list(inspect.signature(bare).parameters.values())[1:]
    return [(p.name, p.kind, p.default) for p in parameters]


@pytest.fixture(scope="module")
def db() -> Any:
    with cwdb.connect(":memory:") as database:
        yield database


def test_the_database_has_exactly_the_14_repositories(db: cwdb.Database) -> None:
    attributes = {
        name for name in vars(db) if not name.startswith("_") and name not in {"path", "dialect"}
    }
    assert attributes == set(PORTS)


@pytest.mark.parametrize("attribute", list(PORTS))
def test_an_adapter_has_exactly_its_ports_methods(db: cwdb.Database, attribute: str) -> None:
    port = PORTS[attribute]
    adapter = type(getattr(db, attribute))
    assert public_methods(adapter) == public_methods(port)
    assert isinstance(getattr(db, attribute), port)
    assert adapter.__name__ == f"Sql{port.__name__}"


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


@pytest.mark.parametrize("attribute", list(PORTS))
def test_help_and_signature_at_run_time_are_the_ports(db: cwdb.Database, attribute: str) -> None:
    port = PORTS[attribute]
    repository = getattr(db, attribute)
    for name in public_methods(port):
        method, promised = getattr(repository, name), getattr(port, name)
        assert method.__doc__ == promised.__doc__, name
        expected = inspect.signature(promised)
        without_self = expected.replace(parameters=list(expected.parameters.values())[1:])
        assert inspect.signature(method) == without_self, name


def test_help_of_tasks_create_shows_the_typed_fields_and_the_docstring(
    db: cwdb.Database,
) -> None:
    page = pydoc.render_doc(db.tasks.create, renderer=pydoc.plaintext)
    assert "create(**fields: 'Unpack[TaskCreate]') -> 'Task'" in page
    assert "Store a new task and return it as stored." in page


def test_an_adapter_whose_parameters_differ_from_its_port_is_refused() -> None:
    class Port:
        def find(self, id: str) -> None:
            """Find it."""

    class Adapter:
        def find(self, ident: str) -> None:
            pass

    with pytest.raises(TypeError, match=r"Adapter\.find takes"):
        document_from_port(Adapter, Port)
