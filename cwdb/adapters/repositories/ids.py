"""Ids are ``str``: any other value is a ``ValidationError`` before a statement runs.

Every repository method that takes an id (``id``, ``task_id``,
``depends_on_phase_id``, ...) or a batch of them (``agent_ids``,
``project_ids``) declares it in its port as ``str``, ``str | None`` or
``Iterable[str]``. Without a check, ``tasks.update(None, ...)`` would look for
the id ``NULL``, find nothing and say ``Task None does not exist``, and SQLite
would even find errand ``'42'`` for ``errands.find_by_id(42)``.

The check is written once, here, and given to every adapter method whose port
names such parameters, by :func:`check_ids`, when
:func:`~cwdb.adapters.repositories.documented.document_from_port` documents
the adapter at import. The parameter names and annotations of the port decide
what is checked, so a new method is checked as soon as its port declares it.

The checking function is generated with the method's exact parameters (no
``*args``/``**kwargs`` re-binding) and tests a ``str`` by its class first:
on a correct call it costs one comparison per id and one extra call frame.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from cwdb.errors import ValidationError

#: How a parameter holds ids, from its name and its port's annotation.
_ONE: Final = "one"
_OPTIONAL: Final = "optional"
_MANY: Final = "many"


def id_parameters(port_method: Callable[..., Any]) -> dict[str, str]:
    """The id parameters of a port method, by name: one id, an optional one, or many."""
    hints = typing.get_type_hints(port_method)
    found: dict[str, str] = {}
    for name in inspect.signature(port_method).parameters:
        hint = hints.get(name)
        if name == "id" or name.endswith("_id"):
            if hint is str:
                found[name] = _ONE
            elif hint == (str | None):
                found[name] = _OPTIONAL
        elif name.endswith("_ids") and hint == Iterable[str]:
            found[name] = _MANY
    return found


F = TypeVar("F", bound=Callable[..., Any])


def checks_own_ids(function: F) -> F:
    """Mark a hot method that checks its ids itself (``refuse_id``), inline.

    The generated check costs a call frame: 7% of ``find_by_id`` (2,600 of
    37,600 instructions per call under callgrind). The few methods on the hot
    path spend one comparison instead; ``tests/test_ids.py`` checks them as it
    checks every other method.
    """
    setattr(function, "cwdb_checks_own_ids", True)  # noqa: B010 -- a marker on a function
    return function


def check_ids(function: Callable[..., Any], port_method: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, checking its id parameters first; itself when it has none or checks them."""
    kinds = id_parameters(port_method)
    if not kinds or getattr(function, "cwdb_checks_own_ids", False):
        return function
    signature = inspect.signature(function)
    namespace: dict[str, Any] = {
        "_impl": function,
        "_str": str,
        "_one": refuse_id,
        "_many": id_batch,
    }
    parameters = []
    for parameter in signature.parameters.values():
        shown = parameter.replace(annotation=parameter.empty)
        if parameter.default is not parameter.empty:
            key = f"_default_{parameter.name}"
            namespace[key] = parameter.default
            shown = shown.replace(default=_Name(key))
        parameters.append(shown)
    header = signature.replace(parameters=parameters, return_annotation=signature.empty)
    checks = [_check_line(name, kind) for name, kind in kinds.items()]
    # A coroutine function (the asyncio twins) stays one: the check runs when awaited.
    is_async = inspect.iscoroutinefunction(function)
    define, call = ("async def", "await _impl") if is_async else ("def", "_impl")
    source = "\n    ".join(
        [f"{define} {function.__name__}{header}:", *checks, f"return {call}({_call(signature)})"]
    )
    exec(compile(source, f"<ids checked: {function.__qualname__}>", "exec"), namespace)  # noqa: S102
    checked: Callable[..., Any] = namespace[function.__name__]
    checked.__qualname__ = function.__qualname__
    checked.__module__ = function.__module__
    return checked


def refuse_id(name: str, value: object) -> object:
    """``value`` when it is a ``str`` (a subclass too), else the ValidationError naming ``name``."""
    if isinstance(value, str):
        return value
    raise ValidationError(f"{name}: expected an id (str), got {_kind(value)}")


def id_batch(name: str, values: object) -> tuple[str, ...]:
    """A batch of ids as a tuple (read once), each a ``str``; a lone ``str`` is refused."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValidationError(f"{name}: expected an iterable of ids (str), got {_kind(values)}")
    batch = tuple(values)
    for position, value in enumerate(batch):
        if not isinstance(value, str):
            raise ValidationError(f"{name}[{position}]: expected an id (str), got {_kind(value)}")
    return batch


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _check_line(name: str, kind: str) -> str:
    if kind == _ONE:
        return f"if {name}.__class__ is not _str: _one({name!r}, {name})"
    if kind == _OPTIONAL:
        return f"if {name} is not None and {name}.__class__ is not _str: _one({name!r}, {name})"
    return f"{name} = _many({name!r}, {name})"


def _call(signature: inspect.Signature) -> str:
    arguments = []
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            arguments.append(f"*{parameter.name}")
        elif parameter.kind is parameter.VAR_KEYWORD:
            arguments.append(f"**{parameter.name}")
        elif parameter.kind is parameter.KEYWORD_ONLY:
            arguments.append(f"{parameter.name}={parameter.name}")
        else:
            arguments.append(parameter.name)
    return ", ".join(arguments)


class _Name:
    """A default shown by its name in the generated source (the value is in its namespace)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name
