"""Updates that touch only what changes: which statement runs a change.

A table's generic update sets every column through its ``:set_<column>``
flag (``status = iif(:set_status, :status, status)``), so one reviewed
statement serves every change. But SQLite decides from the SET list, not
from the values, what a statement writes: for the generic statement it
rewrites every index of the row and checks every foreign key, even when only
``status`` changed (a third of the speed of a status-only UPDATE).

So a ``sql/`` file may hold specialised variants of an update, named
``<update>__<column>[__<column>...]`` (``update__status``,
``update__status__pid__exit_code``), each setting only the columns its name
lists. A DBA adds a fast path by writing SQL alone. For a change, the library
runs the most specific variant whose columns cover the changed fields (the
fewest columns, then the first in the file), and the generic statement when
none does. A column that a variant lists but the change leaves alone keeps
its value only if the variant guards it with its ``:set_<column>`` flag, as
the generic statement does; a variant that writes a column plainly
(``status = :status``) serves only changes that include that column.

Every variant takes the generic statement's other parameters (``:id``,
``:now``, ...); the caller adds those. A property test checks that every
variant leaves a row exactly as the generic statement does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Generic, TypeVar

import attrs

from cwdb.adapters.statements import Queries, Statement
from cwdb.records._codec import RecordCodec

R = TypeVar("R")

#: Distinct change shapes remembered per statement family; callers use a
#: handful, so this only bounds a caller that invents shapes without end.
_PLANS_LIMIT: Final = 256


#: An update statement as its caller runs it (``One[Task]``, ``Many[str]``, ...).
S = TypeVar("S", bound=Statement[Any])


@attrs.frozen
class UpdateStatement(Generic[S]):
    """One update statement and the change shapes it can run."""

    statement: S
    #: The columns it may set (every mutable column for the generic one).
    columns: frozenset[str]
    #: The columns it guards with a ``:set_<column>`` flag.
    flagged: frozenset[str]

    def covers(self, changed: frozenset[str]) -> bool:
        """Whether it can run a change of exactly ``changed``."""
        return changed <= self.columns and self.columns - changed <= self.flagged

    def template(self, changed: frozenset[str]) -> dict[str, object]:
        """Its parameters for ``changed``, values of the changed columns to fill in."""
        params: dict[str, object] = dict.fromkeys(self.columns - changed)
        for column in self.flagged:
            params[f"set_{column}"] = column in changed
        return params


class UpdateStatements(Generic[S]):
    """A generic update and its specialised variants, for one record."""

    def __init__(
        self, queries: Queries, name: str, codec: RecordCodec, *, bind: Callable[[str], S]
    ) -> None:
        """``bind`` binds one of the statements the way the caller runs it (``queries.one``)."""
        self.record = codec.record
        self._codec = codec
        self._encoders = codec.mutable
        self.generic = self._load(bind, name, tuple(self._encoders))
        variants = [
            self._load(bind, variant, columns)
            for variant, columns in queries.variants(name).items()
        ]
        #: Most specific first: fewest columns, then file order (a stable sort).
        self.variants = tuple(sorted(variants, key=lambda v: len(v.columns)))
        self._plans: dict[tuple[str, ...], tuple[S, dict[str, object]]] = {}

    @staticmethod
    def _load(bind: Callable[[str], S], name: str, columns: tuple[str, ...]) -> UpdateStatement[S]:
        statement = bind(name)
        params = statement.query.params
        flagged = frozenset(c for c in columns if f"set_{c}" in params)
        return UpdateStatement(statement, frozenset(columns), flagged)

    def pick(self, changed: frozenset[str]) -> UpdateStatement[S]:
        """The most specific statement covering ``changed``; the generic one by default."""
        for variant in self.variants:
            if variant.covers(changed):
                return variant
        return self.generic

    def params(self, changes: Mapping[str, object]) -> tuple[S, dict[str, object]]:
        """The statement for ``changes`` and its parameters but the caller's (``:id``, ...).

        Every value is validated and encoded as for the generic statement:
        an unknown or immutable field is a ValidationError naming it.
        """
        key = tuple(changes)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(key)
        statement, template = plan
        params = template.copy()
        encoders = self._encoders
        for name, value in changes.items():
            params[name] = encoders[name](value)
        return statement, params

    def _plan(self, key: tuple[str, ...]) -> tuple[S, dict[str, object]]:
        changed = self._checked(key)
        update = self.pick(changed)
        plan = (update.statement, update.template(changed))
        if len(self._plans) < _PLANS_LIMIT:
            self._plans[key] = plan
        return plan

    def _checked(self, key: tuple[str, ...]) -> frozenset[str]:
        for name in key:
            if name not in self._encoders:
                raise self._codec.refused(name)
        return frozenset(key)
