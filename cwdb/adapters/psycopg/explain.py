"""Explaining a failed statement by the field that made it fail, on PostgreSQL.

The counterpart of ``cwdb.adapters.apsw.explain``: after a failure (never
on the hot path), the statement's own parameters and the server's error
fields say which field was wrong, so the error names it as on SQLite:

- a FOREIGN KEY failure: the server's detail names the column, the value
  and the table it is missing from (``initiative_id: no initiative with id
  'x'``, SQLite's wording);
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

from cwdb.errors import Error, IntegrityError, ValidationError
from cwdb.records._codec import lone_surrogate

Params = Mapping[str, object]
#: A check of one parameter: the error naming it, or None.
_Check = Callable[[str, object], "Error | None"]

#: ``Key (column)=(value) is not present in table "parent".`` (a failed reference).
_MISSING: Final = re.compile(
    r'^Key \((?P<column>[^()]+)\)=\((?P<value>.*)\) is not present in table "(?P<parent>[^"]+)"\.$',
    re.DOTALL,
)
#: A JSON string escape of U+0000 (not an escaped backslash followed by ``u0000``).
_JSON_NUL: Final = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
INT4_MIN: Final = -(2**31)
INT4_MAX: Final = 2**31 - 1


def explain(error: BaseException, param_sets: Iterable[Params]) -> Error | None:
    """The error naming the field behind ``error``, or None."""
    if isinstance(error, pg.ForeignKeyViolation):
        return _missing_reference(error)
    if isinstance(error, UnicodeEncodeError):
        return _first(param_sets, lone_surrogate)
    if isinstance(error, pg.UntranslatableCharacter):
        return _first(param_sets, _json_nul)
    if isinstance(error, psycopg.DataError) and "NUL" in str(error):
        return _first(param_sets, _text_nul)
    if isinstance(error, pg.NumericValueOutOfRange):
        return _first(param_sets, _out_of_range)
    return None


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
            f"found at position {value.index(chr(0))}"
        )
    return None


def _json_nul(field: str, value: object) -> Error | None:
    if isinstance(value, str) and _JSON_NUL.search(value):
        return ValidationError(
            f"{field}: PostgreSQL's jsonb cannot hold the NUL character (\\u0000) in a string"
        )
    return None


def _out_of_range(field: str, value: object) -> Error | None:
    if type(value) is int and not INT4_MIN <= value <= INT4_MAX:
        return ValidationError(
            f"{field}: {value} is outside the range of PostgreSQL's integer columns "
            f"({INT4_MIN} to {INT4_MAX})"
        )
    return None


def _missing_reference(error: pg.ForeignKeyViolation) -> Error | None:
    found = _MISSING.match(error.diag.message_detail or "")
    if found is None:
        return None
    column, parent, value = found["column"], found["parent"], found["value"]
    noun = parent.removesuffix("s").replace("_", " ")
    return IntegrityError(f"{column}: no {noun} with id {value!r}")
