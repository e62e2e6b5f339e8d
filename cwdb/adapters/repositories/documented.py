"""What ``help()`` and ``inspect.signature`` show for an adapter's methods: its port's.

The ports hold the documentation (each method's docstring) and the precise
signature (``**fields: Unpack[TaskCreate]``), while an adapter's methods are
often shared implementations (``CrudAdapter.create(**fields: Any)``), with
no docstring of their own. :func:`document_from_port` gives each adapter
class, once when the package is imported, methods that carry their port's
docstring and signature, so ``help(db.tasks.create)``, ``inspect.signature``
and an editor's hover at run time show what the port promises.

An inherited method is copied (a new function object around the same code:
no wrapper, no cost per call) before it is documented, so the one shared
implementation keeps serving every adapter. The real parameters must match
the port's (names, kinds, defaults), or the class is refused at import.
Methods taking ids get their check of the ids here too (``ids.py``).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Any

from cwdb.adapters.repositories.ids import check_ids


def document_from_port(adapter: type, port: type) -> None:
    """Give ``adapter``'s methods the docstrings and signatures of ``port``'s."""
    for name in _public_methods(port):
        port_method = getattr(port, name)
        own = vars(adapter).get(name)
        function = own if own is not None else _copy(getattr(adapter, name), adapter)
        _check_shape(adapter, name, function, port_method)
        function = check_ids(function, port_method)
        function.__doc__ = port_method.__doc__
        # Read by inspect.signature (and so by help()) before the code's own.
        setattr(function, "__signature__", inspect.signature(port_method))  # noqa: B010
        setattr(adapter, name, function)


def _public_methods(port: type) -> list[str]:
    return [
        name
        for name, value in vars(port).items()
        if not name.startswith("_") and inspect.isfunction(value)
    ]


def _copy(function: Callable[..., Any], adapter: type) -> types.FunctionType:
    """A new function object running the same code (same defaults and closure)."""
    assert isinstance(function, types.FunctionType)
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__annotations__ = dict(function.__annotations__)
    copy.__module__ = adapter.__module__
    copy.__qualname__ = f"{adapter.__qualname__}.{function.__name__}"
    copy.__dict__.update(function.__dict__)  # markers such as ids.checks_own_ids
    return copy


def _check_shape(
    adapter: type, name: str, function: Callable[..., Any], port_method: Callable[..., Any]
) -> None:
    real = [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]
    promised = [
        (p.name, p.kind, p.default) for p in inspect.signature(port_method).parameters.values()
    ]
    if real != promised:
        raise TypeError(f"{adapter.__name__}.{name} takes {real}, but its port promises {promised}")
