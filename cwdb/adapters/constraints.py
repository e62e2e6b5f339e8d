"""The constraints of the shipped schema, and the errors that name them.

Both backends explain a refused write with the same words and the same
attributes (``table``, ``fields``, ``constraint``, ``value`` of
:class:`~cwdb.IntegrityError`), built here once:

- PostgreSQL's error names its constraint and table in diagnostic fields
  (``diag.constraint_name``, ``diag.table_name``), which do not change with
  the server's ``lc_messages``; the key columns are only in the message text,
  which does. They come from :data:`SCHEMA` instead.
- SQLite's message names the table and columns of a UNIQUE failure but no
  constraint (its constraints are mostly unnamed); :data:`SCHEMA` gives the
  name PostgreSQL uses, so the attribute is the same on both.

Why a table in the package rather than a catalog query when a call fails: the
failed call's transaction may be aborted (a batch, a read inside a block), so
nothing more can run on its connection, and the explanation would cost a
round trip on a path that must not fail itself. The table is the catalog's
own answer: ``sql/postgresql/_constraints.sql`` reads the same facts from a
migrated database, and ``tests/test_error_fields.py`` checks that they agree
(and that SQLite's schema has the same keys), so a migration that adds a
constraint without adding it here fails the tests. A constraint this table
does not know (an application's own table) is still named by its name and
table, without columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import attrs

from cwdb.errors import ConflictError, IntegrityError

#: Columns whose values never appear in an error's message or ``value``.
SECRET_FIELDS: Final = frozenset({"credentials", "config_json", "password"})

#: What an error says of a kind of constraint: ``p`` primary key, ``u`` unique.
_KIND_WORDS: Final = {"p": "PRIMARY KEY", "u": "UNIQUE constraint"}


@attrs.frozen
class Constraint:
    """One constraint (or unique index) of the schema, as the catalog defines it."""

    name: str
    #: ``p`` PRIMARY KEY, ``u`` UNIQUE (constraint or index), ``f`` FOREIGN KEY, ``c`` CHECK.
    kind: str
    table: str
    #: The key columns, in the key's order.
    fields: tuple[str, ...]
    #: The table a foreign key refers to (its ``id``); None for other kinds.
    refers_to: str | None = None


C = Constraint
_POSTGRESQL: Final = (
    C("accounts_pkey", "p", "accounts", ("id",)),
    C("agent_log_chunks_pkey", "p", "agent_log_chunks", ("id",)),
    C("agent_log_chunks_session_number_check", "c", "agent_log_chunks", ("session_number",)),
    C("agents_account_id_fkey", "f", "agents", ("account_id",), "accounts"),
    C("agents_initiative_id_fkey", "f", "agents", ("initiative_id",), "initiatives"),
    C("agents_mode_check", "c", "agents", ("mode",)),
    C("agents_name_unique", "u", "agents", ("name",)),
    C("agents_pkey", "p", "agents", ("id",)),
    C("agents_status_check", "c", "agents", ("status",)),
    C("agents_task_id_fkey", "f", "agents", ("task_id",), "tasks"),
    C("change_sets_agent_id_fkey", "f", "change_sets", ("agent_id",), "agents"),
    C("change_sets_initiative_id_fkey", "f", "change_sets", ("initiative_id",), "initiatives"),
    C("change_sets_pkey", "p", "change_sets", ("id",)),
    C("change_sets_status_check", "c", "change_sets", ("status",)),
    C("chat_messages_change_set_id_fkey", "f", "chat_messages", ("change_set_id",), "change_sets"),
    C(
        "chat_messages_chat_session_id_fkey",
        "f",
        "chat_messages",
        ("chat_session_id",),
        "chat_sessions",
    ),
    C("chat_messages_pkey", "p", "chat_messages", ("id",)),
    C("chat_messages_role_check", "c", "chat_messages", ("role",)),
    C("chat_sessions_agent_id_fkey", "f", "chat_sessions", ("agent_id",), "agents"),
    C("chat_sessions_initiative_id_fkey", "f", "chat_sessions", ("initiative_id",), "initiatives"),
    C("chat_sessions_one_active_per_target", "u", "chat_sessions", ("target_type", "target_id")),
    C("chat_sessions_pkey", "p", "chat_sessions", ("id",)),
    C("chat_sessions_status_check", "c", "chat_sessions", ("status",)),
    C("chat_sessions_target_type_check", "c", "chat_sessions", ("target_type",)),
    C("conversations_from_agent_id_fkey", "f", "conversations", ("from_agent_id",), "agents"),
    C("conversations_initiative_id_fkey", "f", "conversations", ("initiative_id",), "initiatives"),
    C("conversations_phase_id_fkey", "f", "conversations", ("phase_id",), "phases"),
    C("conversations_pkey", "p", "conversations", ("id",)),
    C("conversations_status_check", "c", "conversations", ("status",)),
    C("conversations_task_id_fkey", "f", "conversations", ("task_id",), "tasks"),
    C("conversations_to_agent_id_fkey", "f", "conversations", ("to_agent_id",), "agents"),
    C("errands_agent_id_fkey", "f", "errands", ("agent_id",), "agents"),
    C("errands_pkey", "p", "errands", ("id",)),
    C("errands_project_id_fkey", "f", "errands", ("project_id",), "projects"),
    C("errands_status_check", "c", "errands", ("status",)),
    C(
        "initiative_projects_initiative_id_fkey",
        "f",
        "initiative_projects",
        ("initiative_id",),
        "initiatives",
    ),
    C("initiative_projects_pkey", "p", "initiative_projects", ("initiative_id", "project_id")),
    C(
        "initiative_projects_project_id_fkey",
        "f",
        "initiative_projects",
        ("project_id",),
        "projects",
    ),
    C("initiatives_execution_mode_check", "c", "initiatives", ("execution_mode",)),
    C("initiatives_pkey", "p", "initiatives", ("id",)),
    C("initiatives_status_check", "c", "initiatives", ("status",)),
    C("messages_parent_message_id_fkey", "f", "messages", ("parent_message_id",), "messages"),
    C("messages_pkey", "p", "messages", ("id",)),
    C("messages_recipient_id_fkey", "f", "messages", ("recipient_id",), "agents"),
    C("messages_recipient_type_check", "c", "messages", ("recipient_type",)),
    C("messages_sender_id_fkey", "f", "messages", ("sender_id",), "agents"),
    C("messages_sender_type_check", "c", "messages", ("sender_type",)),
    C("messages_status_check", "c", "messages", ("status",)),
    C("messages_type_check", "c", "messages", ("type",)),
    C("pages_initiative_id_fkey", "f", "pages", ("initiative_id",), "initiatives"),
    C("pages_one_root_per_initiative", "u", "pages", ("initiative_id",)),
    C("pages_parent_page_id_fkey", "f", "pages", ("parent_page_id",), "pages"),
    C("pages_pkey", "p", "pages", ("id",)),
    C(
        "phase_dependencies_depends_on_phase_id_fkey",
        "f",
        "phase_dependencies",
        ("depends_on_phase_id",),
        "phases",
    ),
    C("phase_dependencies_phase_id_fkey", "f", "phase_dependencies", ("phase_id",), "phases"),
    C("phase_dependencies_pkey", "p", "phase_dependencies", ("phase_id", "depends_on_phase_id")),
    C(
        "phase_dependencies_self_check",
        "c",
        "phase_dependencies",
        ("phase_id", "depends_on_phase_id"),
    ),
    C("phases_initiative_id_fkey", "f", "phases", ("initiative_id",), "initiatives"),
    C("phases_pkey", "p", "phases", ("id",)),
    C("phases_status_check", "c", "phases", ("status",)),
    C("projects_name_unique", "u", "projects", ("name",)),
    C("projects_pkey", "p", "projects", ("id",)),
    C("projects_url_unique", "u", "projects", ("url",)),
    C("proposals_agent_id_fkey", "f", "proposals", ("agent_id",), "agents"),
    C("proposals_initiative_id_fkey", "f", "proposals", ("initiative_id",), "initiatives"),
    C("proposals_pkey", "p", "proposals", ("id",)),
    C("proposals_status_check", "c", "proposals", ("status",)),
    C("proposals_target_type_check", "c", "proposals", ("target_type",)),
    C("review_comments_line_type_check", "c", "review_comments", ("line_type",)),
    C("review_comments_phase_id_fkey", "f", "review_comments", ("phase_id",), "phases"),
    C("review_comments_pkey", "p", "review_comments", ("id",)),
    C(
        "task_dependencies_depends_on_task_id_fkey",
        "f",
        "task_dependencies",
        ("depends_on_task_id",),
        "tasks",
    ),
    C("task_dependencies_pkey", "p", "task_dependencies", ("task_id", "depends_on_task_id")),
    C("task_dependencies_self_check", "c", "task_dependencies", ("task_id", "depends_on_task_id")),
    C("task_dependencies_task_id_fkey", "f", "task_dependencies", ("task_id",), "tasks"),
    C("tasks_category_check", "c", "tasks", ("category",)),
    C("tasks_initiative_id_fkey", "f", "tasks", ("initiative_id",), "initiatives"),
    C("tasks_parent_task_id_fkey", "f", "tasks", ("parent_task_id",), "tasks"),
    C("tasks_phase_id_fkey", "f", "tasks", ("phase_id",), "phases"),
    C("tasks_pkey", "p", "tasks", ("id",)),
    C("tasks_priority_check", "c", "tasks", ("priority",)),
    C("tasks_retry_count_check", "c", "tasks", ("retry_count",)),
    C("tasks_status_check", "c", "tasks", ("status",)),
    C("tasks_type_check", "c", "tasks", ("type",)),
)
#: CHECKs SQLite has and PostgreSQL does not need (its booleans and JSON are typed).
_SQLITE_ONLY: Final = (
    C("accounts_is_exhausted_check", "c", "accounts", ("is_exhausted",)),
    C("agents_pending_questions_check", "c", "agents", ("pending_questions",)),
    C("agents_result_check", "c", "agents", ("result",)),
    C("initiatives_quality_review_check", "c", "initiatives", ("quality_review",)),
    C("messages_requires_response_check", "c", "messages", ("requires_response",)),
    C("proposals_metadata_check", "c", "proposals", ("metadata",)),
    C("review_comments_resolved_check", "c", "review_comments", ("resolved",)),
)
del C

#: Every constraint of the shipped schema on PostgreSQL, by name (checked against the catalog).
POSTGRESQL: Final[Mapping[str, Constraint]] = {c.name: c for c in _POSTGRESQL}
#: The same, with SQLite's own CHECKs: what either backend may name.
SCHEMA: Final[Mapping[str, Constraint]] = {c.name: c for c in (*_POSTGRESQL, *_SQLITE_ONLY)}
_KEYS: Final = {(c.table, c.fields): c for c in _POSTGRESQL if c.kind in ("p", "u")}
_REFERENCES: Final = {(c.table, c.fields[0]): c for c in _POSTGRESQL if c.kind == "f"}


def named(name: str | None) -> Constraint | None:
    """The constraint called ``name`` in the shipped schema, or None."""
    return None if name is None else SCHEMA.get(name)


def key_on(table: str, fields: tuple[str, ...]) -> Constraint | None:
    """The PRIMARY KEY or UNIQUE rule on exactly ``fields`` of ``table``, or None."""
    return _KEYS.get((table, fields))


def reference_of(table: str, column: str) -> Constraint | None:
    """The FOREIGN KEY of ``table.column``, or None."""
    return _REFERENCES.get((table, column))


def value_of(fields: tuple[str, ...], params: Mapping[str, object]) -> object:
    """The value(s) the failed statement wrote to ``fields``, or None.

    The repositories' statements name each column's parameter after it
    (``%(name)s``, ``:name``); an UPDATE also binds ``set_<column>``, false
    when it keeps the row's own value (then it is not known here). One field
    gives its value, several a tuple. A secret column gives None.
    """
    values = []
    for field in fields:
        if field in SECRET_FIELDS or field not in params or not params.get(f"set_{field}", True):
            return None
        values.append(params[field])
    return values[0] if len(values) == 1 else tuple(values)


def conflict(
    table: str,
    fields: tuple[str, ...] | None,
    constraint: Constraint | None,
    params: Mapping[str, object] | None = None,
    *,
    name: str | None = None,
) -> ConflictError:
    """A taken PRIMARY KEY or UNIQUE value: ``agents.name: 'a' is already taken (...)``.

    ``name`` is the constraint's name when the schema does not know it.
    """
    name = constraint.name if constraint is not None else name
    if fields is None:
        return ConflictError(
            f"UNIQUE constraint failed: {name or table}", table=table, constraint=name
        )
    value = None if params is None else value_of(fields, params)
    shown = "the value" if value is None else repr(value)
    columns = fields[0] if len(fields) == 1 else f"({', '.join(fields)})"
    rule = (
        "" if name is None else f" ({_KIND_WORDS[constraint.kind if constraint else 'u']} {name})"
    )
    return ConflictError(
        f"{table}.{columns}: {shown} is already taken{rule}",
        table=table,
        fields=fields,
        constraint=name,
        value=value,
    )


def missing_reference(
    table: str, column: str, refers_to: str, value: object, name: str | None
) -> IntegrityError:
    """A foreign key to a row that does not exist: ``initiative_id: no initiative with id 'x'``."""
    noun = refers_to.removesuffix("s").replace("_", " ")
    return IntegrityError(
        f"{column}: no {noun} with id {value!r}",
        table=table,
        fields=(column,),
        constraint=name,
        value=value,
    )


def unexplained_reference(
    table: str | None, constraint: Constraint | None, name: str | None
) -> IntegrityError:
    """A foreign key failure whose value is not known (no parameters to read it from)."""
    if constraint is None:
        where = " ".join(filter(None, (name, table and f"on {table}")))
        return IntegrityError(
            f"FOREIGN KEY constraint failed{': ' + where if where else ''}",
            table=table,
            constraint=name,
        )
    return IntegrityError(
        f"FOREIGN KEY constraint failed: {constraint.table}.{constraint.fields[0]} "
        f"({constraint.name})",
        table=constraint.table,
        fields=constraint.fields,
        constraint=constraint.name,
    )


def check_failed(
    name: str, table: str | None, params: Mapping[str, object] | None = None
) -> IntegrityError:
    """A CHECK rule refused the row: ``CHECK constraint failed: <name>`` (SQLite's words)."""
    constraint = named(name)
    fields = None if constraint is None else constraint.fields
    value = None if fields is None or params is None else value_of(fields, params)
    return IntegrityError(
        f"CHECK constraint failed: {name}",
        table=table if constraint is None else constraint.table,
        fields=fields,
        constraint=name,
        value=value,
    )


def not_null(table: str, column: str) -> IntegrityError:
    """A NOT NULL rule refused the row: ``NOT NULL constraint failed: <table>.<column>``."""
    return IntegrityError(
        f"NOT NULL constraint failed: {table}.{column}", table=table, fields=(column,)
    )


def table_of(record: type) -> str:
    """The table holding a record class's rows: ``ChatSession`` -> ``chat_sessions``."""
    special = _RECORD_TABLES.get(record.__name__)
    if special is not None:
        return special
    return _CAMEL.sub("_", record.__name__).lower() + "s"


_CAMEL: Final = re.compile(r"(?<!^)(?=[A-Z])")
#: Record classes whose table is not their name in snake case plus ``s``.
_RECORD_TABLES: Final = {"LogChunk": "agent_log_chunks"}
