"""Explaining a failed statement by the field that made it fail, on PostgreSQL.

The counterpart of ``cwdb.adapters.apsw.explain``: after a failure (never
on the hot path), the statement's own parameters, the error's SQLSTATE and
diagnostic fields, and the shipped schema's constraints
(``cwdb.adapters.constraints``) say which field was wrong, so the error
names it and its value as on SQLite. Nothing here reads the server's
message text, which follows its ``lc_messages``.

- a UNIQUE or PRIMARY KEY failure: the constraint's key columns and the
  values the statement gave them (``agents.name: 'a' is already taken``);
- a FOREIGN KEY failure: the constraint's column and the id the statement
  gave it (``initiative_id: no initiative with id 'x'``, SQLite's wording);
- a CHECK failure: the rule's columns and values, in the attributes;
- text PostgreSQL cannot hold: a NUL character in a text parameter (psycopg
  refuses it before sending), ``\\u0000`` in a JSON parameter (``jsonb``
  refuses it), a lone surrogate (not valid Unicode);
- an integer outside the range of PostgreSQL's ``integer`` columns.

Each returns a cwdb error naming the field, or None when it cannot tell
(the caller then translates the driver's error as it is).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Final

import psycopg
from psycopg import errors as pg

from cwdb.adapters import constraints
from cwdb.errors import Error, ValidationError
from cwdb.records._codec import lone_surrogate

Params = Mapping[str, object]
#: A check of one parameter: the error naming it, or None.
_Check = Callable[[str, object], "Error | None"]

#: A JSON string escape of U+0000 (not an escaped backslash followed by ``u0000``).
_JSON_NUL: Final = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
INT4_MIN: Final = -(2**31)
INT4_MAX: Final = 2**31 - 1


def explain(error: BaseException, param_sets: Iterable[Params]) -> Error | None:
    """The error naming the field behind ``error``, or None."""
    if isinstance(error, (pg.UniqueViolation, pg.ForeignKeyViolation, pg.CheckViolation)):
        return _constraint_failure(error, list(param_sets))
    if isinstance(error, UnicodeEncodeError):
        return _first(param_sets, lone_surrogate)
    if isinstance(error, pg.UntranslatableCharacter):
        return _first(param_sets, _json_nul)
    if isinstance(error, psycopg.DataError) and error.sqlstate is None:
        # psycopg's own refusal before sending (no SQLSTATE): a NUL in a text parameter.
        return _first(param_sets, _text_nul)
    if isinstance(error, pg.NumericValueOutOfRange):
        return _first(param_sets, _out_of_range)
    return None


def _constraint_failure(error: psycopg.Error, param_sets: list[Params]) -> Error | None:
    """A constraint of the shipped schema, and the value(s) the statement gave its columns."""
    constraint = constraints.named(getattr(error.diag, "constraint_name", None))
    if constraint is None or not param_sets:
        return None
    params = _agreed(constraint.fields, param_sets)
    if isinstance(error, pg.UniqueViolation):
        return constraints.conflict(constraint.table, constraint.fields, constraint, params)
    if isinstance(error, pg.CheckViolation):
        return constraints.check_failed(constraint.name, constraint.table, params)
    value = constraints.value_of(constraint.fields, params)
    if value is None:
        return None
    column, refers_to = constraint.fields[0], constraint.refers_to or "rows"
    return constraints.missing_reference(
        constraint.table, column, refers_to, value, constraint.name
    )


def _agreed(fields: tuple[str, ...], param_sets: list[Params]) -> Params:
    """The parameters of the failed row: the one set, or what every set of a batch agrees on.

    Which row of a batch failed is not in the error's fields; a value is
    named only when every row gave the same one.
    """
    if len(param_sets) == 1:
        return param_sets[0]
    first = param_sets[0]
    same = all(all(f in p and f in first and p[f] == first[f] for f in fields) for p in param_sets)
    return first if same else {}


def _first(param_sets: Iterable[Params], check: _Check) -> Error | None:
    for params in param_sets:
        for field, value in params.items():
            found = check(field, value)
            if found is not None:
                return found
    return None


def _text_nul(field: str, value: object) -> Error | None:
    if isinstance(value, str) and "\x00" in value:
        return ValidationError(
            f"{field}: PostgreSQL text cannot hold the NUL character (U+0000), "
            f"found at position {value.index(chr(0))}",
            field=field,
        )
    return None


def _json_nul(field: str, value: object) -> Error | None:
    if isinstance(value, str) and _JSON_NUL.search(value):
        return ValidationError(
            f"{field}: PostgreSQL's jsonb cannot hold the NUL character (\\u0000) in a string",
            field=field,
        )
    return None


def _out_of_range(field: str, value: object) -> Error | None:
    if type(value) is int and not INT4_MIN <= value <= INT4_MAX:
        return ValidationError(
            f"{field}: {value} is outside the range of PostgreSQL's integer columns "
            f"({INT4_MIN} to {INT4_MAX})",
            field=field,
        )
    return None
