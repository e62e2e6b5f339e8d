"""Ids are ``str``: anything else is a ValidationError naming the argument (reference §4, §7).

Written once for every repository method whose port declares an id (``id``,
``*_id``) or a batch of them (``*_ids``): each is called with a wrong value
in that argument and harmless values elsewhere, on both backends, and must
refuse before anything is read or written.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

import cwdb
from cwdb.adapters.repositories.ids import id_parameters
from tests.support import factories
from tests.support.helpers import snapshot
from tests.support.ports import PORTS

#: (repository, method, argument, kind) for every id argument of every port.
ID_ARGUMENTS = [
    (attribute, name, argument, kind)
    for attribute, port in PORTS.items()
    for name, method in vars(port).items()
    if not name.startswith("_") and inspect.isfunction(method)
    for argument, kind in id_parameters(method).items()
]
WRONG = {"one": [None, 42, b"id"], "optional": [42, b"id"], "many": ["ab", [None], 42]}


def harmless_arguments(port: type, name: str) -> dict[str, Any]:
    """A plausible value for each parameter without a default (checked ids come first)."""
    method = getattr(port, name)
    hints = typing.get_type_hints(method)
    arguments: dict[str, Any] = {}
    for parameter in list(inspect.signature(method).parameters.values())[1:]:
        if parameter.default is not parameter.empty or parameter.kind in (
            parameter.VAR_KEYWORD,
            parameter.VAR_POSITIONAL,
        ):
            continue
        hint = hints.get(parameter.name)
        if hint is datetime:
            arguments[parameter.name] = datetime(2030, 1, 1, tzinfo=UTC)
        elif hint is int:
            arguments[parameter.name] = 1
        elif hint == Iterable[str]:
            arguments[parameter.name] = ["x"]
        else:
            arguments[parameter.name] = "x"
    return arguments


def call(db: cwdb.Database, attribute: str, name: str, arguments: dict[str, Any]) -> Any:
    method = getattr(getattr(db, attribute), name)
    signature = inspect.signature(method)
    positional = [
        arguments.pop(p.name)
        for p in signature.parameters.values()
        if p.kind is p.POSITIONAL_ONLY and p.name in arguments
    ]
    result = method(*positional, **arguments)
    if inspect.isgenerator(result):
        return list(result)
    return result


def test_every_method_taking_an_id_is_listed() -> None:
    """The generic test below covers what the issue named, and more."""
    names = {(a, n) for a, n, _, _ in ID_ARGUMENTS}
    for expected in [
        ("tasks", "find_by_id"),
        ("tasks", "update"),
        ("tasks", "delete"),
        ("tasks", "find_by_phase_id"),
        ("tasks", "create_dependency"),
        ("conversations", "answer"),
        ("conversations", "count_by_from_agent_ids"),
        ("review_comments", "resolve"),
        ("log_chunks", "find_by_agent_ids"),
        ("projects", "set_initiative_projects"),
        ("chat_sessions", "update_session"),
        ("proposals", "update_many_by_agent_id"),
    ]:
        assert expected in names, expected
    assert len(ID_ARGUMENTS) > 60


@pytest.mark.parametrize(
    ("attribute", "name", "argument", "kind"),
    ID_ARGUMENTS,
    ids=[f"{a}.{n}:{arg}" for a, n, arg, _ in ID_ARGUMENTS],
)
def test_an_id_argument_of_the_wrong_type_is_refused_before_any_statement(
    db: cwdb.Database, attribute: str, name: str, argument: str, kind: str
) -> None:
    before = snapshot(db)
    for wrong in WRONG[kind]:
        arguments = harmless_arguments(PORTS[attribute], name)
        arguments[argument] = wrong
        with pytest.raises(cwdb.ValidationError, match=rf"^{argument}(\[\d+\])?: expected"):
            call(db, attribute, name, arguments)
    assert snapshot(db) == before


def test_update_of_a_none_id_is_a_validation_error_not_not_found(db: cwdb.Database) -> None:
    made = factories.task(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match=r"^id: expected an id \(str\), got None$"):
        db.tasks.update(None, status="completed")  # type: ignore[arg-type]
    assert snapshot(db) == before
    assert db.tasks.find_by_id(made.id) == made


def test_a_number_never_finds_an_errand_whose_id_reads_the_same(db: cwdb.Database) -> None:
    made = factories.errand(db, id="42")
    with pytest.raises(cwdb.ValidationError, match=r"^id: expected an id"):
        db.errands.find_by_id(42)  # type: ignore[arg-type]
    assert db.errands.find_by_id("42") == made


def test_a_batch_is_still_any_iterable_of_ids_read_once(db: cwdb.Database) -> None:
    agent = factories.agent(db)
    db.log_chunks.insert_chunk(agent.id, agent.name, "hello")
    found = db.log_chunks.find_by_agent_ids(a for a in [agent.id, "other"])
    assert [c.content for c in found] == ["hello"]
    counts = db.conversations.count_by_from_agent_ids(iter([agent.id]))
    assert counts == {agent.id: 0}
    assert db.log_chunks.find_by_agent_ids([]) == []


def test_optional_ids_still_take_none(db: cwdb.Database) -> None:
    one, two = factories.agent(db), factories.agent(db)
    made = db.conversations.create(one.id, two.id, "Ready?", initiative_id=None)
    assert made.initiative_id is None


def test_a_str_subclass_is_an_id(db: cwdb.Database) -> None:
    class Id(str):
        pass

    made = factories.task(db)
    assert db.tasks.find_by_id(Id(made.id)) == made
