"""``python -m cwdb copy SRC DEST``: a whole cwdb database into an empty one, any dialect.

The driver-neutral half: which tables, in which order, what a row is, how
the two sides are checked against each other. Each adapter set supplies a
:class:`Source` and a :class:`Destination` (``cwdb.adapters.apsw.copy``,
``cwdb.adapters.psycopg.copy``) that run the named queries of its
``_copy.sql``; :func:`copy` drives them.

How a copy goes:

1. The source is read inside one read transaction (SQLite: one ``BEGIN``,
   WAL gives it a snapshot; PostgreSQL: ``REPEATABLE READ READ ONLY``), so
   the copy is the source as of one instant while the orchestrator keeps
   writing. Its schema must be exactly the one this cwdb ships: a source
   that is behind is refused with the ``migrate`` command to run (a copy
   never writes to its source), one that is ahead needs a newer cwdb.
2. The destination must hold no row in any cwdb table. An empty one is
   migrated first (``ensure_schema``), and must then have applied exactly
   the source's migrations.
3. Every table, parents before children (:data:`TABLES`), is streamed in
   batches (``select_<table>`` in rowid order; SQLite writes a batch with
   executemany of ``insert_<table>``, PostgreSQL with one ``COPY FROM
   STDIN``) inside ONE destination transaction. Each row keeps its
   rowid, so ids, timestamps, values and insertion order are the source's.
   Rows of a self-referencing table (subtasks, sub-pages, replies) whose
   parent comes later in rowid order wait until it is in.
4. Before COMMIT, in the same transaction, the destination is read back:
   each table's row count and the sha256 of its rows in canonical form
   (:func:`canonical_row`) must equal the source's. Any failure, a failed
   check or Ctrl-C rolls the whole copy back: the destination is left as it
   was (empty, migrated).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, Final, Protocol

import attrs

from cwdb._redact import redact
from cwdb.dialects import POSTGRESQL, dialect_for
from cwdb.errors import Error, MigrationError

#: Rows fetched and inserted per round trip: enough to amortise it, few
#: enough that a million log chunks never sit in memory.
BATCH_SIZE: Final = 5000

#: A row as the copy carries it: ``(rowid, column, ...)`` in the table's column
#: order; timestamps as int milliseconds since 1970, booleans as bool or 0/1,
#: JSON as its text.
Row = tuple[Any, ...]


class CopyError(Error):
    """A copy was refused, or failed its verification; the destination is unchanged."""


@attrs.frozen
class Table:
    """One table of the schema, as the copy sees it.

    Attributes:
        name: the table.
        columns: its columns in the table's order (rowid, which comes first
            in every row of the copy, is not listed).
        times: the timestamp columns (int milliseconds on SQLite, timestamptz
            on PostgreSQL).
        booleans: the boolean columns (0/1 on SQLite, boolean on PostgreSQL).
        json: the JSON columns (text on SQLite, jsonb on PostgreSQL).
        parent: the column referencing this same table's ``id``, or None.
    """

    name: str
    columns: tuple[str, ...]
    times: tuple[str, ...] = ("created_at", "updated_at")
    booleans: tuple[str, ...] = ()
    json: tuple[str, ...] = ()
    parent: str | None = None

    @property
    def params(self) -> tuple[str, ...]:
        """The parameters of ``insert_<table>``: rowid, then every column."""
        return ("rowid", *self.columns)

    def indexes(self, names: Iterable[str]) -> tuple[int, ...]:
        """Where the named columns sit in a row of the copy (rowid is 0)."""
        return tuple(self.params.index(name) for name in names)


_CREATED: Final = ("created_at",)

#: Every table of the schema, each after the tables it references.
TABLES: Final[tuple[Table, ...]] = (
    Table(
        "initiatives",
        ("id", "name", "status", "execution_mode", "quality_review", "branch",
         "created_at", "updated_at"),
        booleans=("quality_review",),
    ),
    Table(
        "projects",
        ("id", "name", "url", "default_branch", "last_fetched_at", "created_at", "updated_at"),
        times=("last_fetched_at", "created_at", "updated_at"),
    ),
    Table(
        "accounts",
        ("id", "email", "provider", "config_json", "credentials", "is_exhausted",
         "exhausted_until", "last_used_at", "sort_order", "created_at", "updated_at"),
        times=("exhausted_until", "last_used_at", "created_at", "updated_at"),
        booleans=("is_exhausted",),
    ),
    Table(
        "phases",
        ("id", "initiative_id", "name", "content", "status", "merge_base",
         "created_at", "updated_at"),
    ),
    Table("phase_dependencies", ("phase_id", "depends_on_phase_id", "created_at"), times=_CREATED),
    Table(
        "tasks",
        ("id", "phase_id", "initiative_id", "parent_task_id", "name", "description", "type",
         "category", "priority", "status", "order", "summary", "retry_count",
         "created_at", "updated_at"),
        parent="parent_task_id",
    ),
    Table("task_dependencies", ("task_id", "depends_on_task_id", "created_at"), times=_CREATED),
    Table(
        "agents",
        ("id", "name", "task_id", "initiative_id", "session_id", "worktree_id", "provider",
         "account_id", "status", "mode", "pid", "exit_code", "prompt", "output_file_path",
         "result", "pending_questions", "user_dismissed_at", "created_at", "updated_at"),
        times=("user_dismissed_at", "created_at", "updated_at"),
        json=("result", "pending_questions"),
    ),
    Table(
        "proposals",
        ("id", "agent_id", "initiative_id", "target_type", "target_id", "title", "summary",
         "content", "metadata", "status", "sort_order", "created_at", "updated_at"),
        json=("metadata",),
    ),
    Table(
        "pages",
        ("id", "initiative_id", "parent_page_id", "title", "content", "sort_order",
         "created_at", "updated_at"),
        parent="parent_page_id",
    ),
    Table("initiative_projects", ("initiative_id", "project_id", "created_at"), times=_CREATED),
    Table(
        "messages",
        ("id", "sender_type", "sender_id", "recipient_type", "recipient_id", "type", "content",
         "requires_response", "status", "parent_message_id", "created_at", "updated_at"),
        booleans=("requires_response",),
        parent="parent_message_id",
    ),
    Table(
        "agent_log_chunks",
        ("id", "agent_id", "agent_name", "content", "session_number", "created_at"),
        times=_CREATED,
    ),
    Table(
        "conversations",
        ("id", "from_agent_id", "to_agent_id", "initiative_id", "phase_id", "task_id",
         "question", "answer", "status", "created_at", "updated_at"),
    ),
    Table(
        "change_sets",
        ("id", "initiative_id", "agent_id", "summary", "status", "created_at", "updated_at"),
    ),
    Table(
        "chat_sessions",
        ("id", "target_type", "target_id", "initiative_id", "agent_id", "status",
         "created_at", "updated_at"),
    ),
    Table(
        "chat_messages",
        ("id", "chat_session_id", "role", "content", "change_set_id", "created_at"),
        times=_CREATED,
    ),
    Table(
        "errands",
        ("id", "description", "branch", "base_branch", "agent_id", "project_id", "status",
         "created_at", "updated_at"),
    ),
    Table(
        "review_comments",
        ("id", "phase_id", "file_path", "line_number", "line_type", "body", "author",
         "resolved", "created_at", "updated_at"),
        booleans=("resolved",),
    ),
)  # fmt: skip


# -- the two sides, as each adapter set supplies them -------------------------


class Source(Protocol):
    """A database being copied, read inside one snapshot for its whole life."""

    #: The database as messages show it (a path, or a URL without its password).
    shown: str

    def applied(self) -> list[str]:
        """Ids of the migrations applied to it."""
        ...

    def shipped(self) -> list[str]:
        """Ids of the migrations this cwdb ships for its dialect."""
        ...

    def count(self, table: Table) -> int: ...

    def batches(self, table: Table, size: int) -> Iterator[list[Row]]:
        """Every row of ``table`` in rowid order, ``size`` rows at a time."""
        ...


class Destination(Protocol):
    """An empty database being filled, all of it in one transaction."""

    shown: str

    def applied(self) -> list[str]: ...

    def counts(self) -> dict[str, int]:
        """Rows per cwdb table that exists (none before the first migration)."""
        ...

    def migrate(self) -> list[str]:
        """Apply the pending migrations (each its own transaction); their ids."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """The copy's one transaction: COMMIT on a clean exit, else ROLLBACK."""
        ...

    def insert(self, table: Table, rows: Sequence[Row]) -> None: ...

    def batches(self, table: Table, size: int) -> Iterator[list[Row]]: ...

    def finish(self, table: Table, last_rowid: int) -> None:
        """After a table's rows are in: make later inserts continue after ``last_rowid``."""
        ...


# -- canonical form and checksums -----------------------------------------------


def canonical_json(text: str) -> str:
    """JSON text in one form whatever stored it: keys sorted, no spaces, numbers normalised.

    PostgreSQL's jsonb keeps neither key order nor spacing, and writes a
    number in its own way (``1e2`` as ``100``); SQLite keeps the text as it
    was written. Both become the same string here.
    """
    return _canonical(json.loads(text, parse_float=Decimal, parse_int=Decimal))


def _canonical(value: object) -> str:
    if isinstance(value, dict):
        items = (f"{_string(key)}:{_canonical(value[key])}" for key in sorted(value))
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Decimal):
        return str(value.normalize()) if value else "0"
    return json.dumps(value)  # true, false, null


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


Canonicalise = Callable[[Row], Row]


def canonical_row(table: Table) -> Canonicalise:
    """How a row of ``table`` is put in the form both dialects are hashed in.

    Timestamps are int milliseconds and text is text on both sides already;
    booleans become 0/1 and JSON :func:`canonical_json`. A table without
    boolean or JSON columns (log chunks) is hashed as read.
    """
    booleans = table.indexes(table.booleans)
    documents = table.indexes(table.json)
    if not booleans and not documents:
        return _as_read

    def canonical(row: Row) -> Row:
        values = list(row)
        for index in booleans:
            values[index] = int(values[index])
        for index in documents:
            if values[index] is not None:
                values[index] = canonical_json(values[index])
        return tuple(values)

    return canonical


def _as_read(row: Row) -> Row:
    return row


class Checksum:
    """Row count and sha256 of a table's rows, in rowid order, in canonical form."""

    def __init__(self, table: Table) -> None:
        self._canonical = canonical_row(table)
        self._hash = hashlib.sha256()
        self.rows = 0

    def add(self, rows: Sequence[Row]) -> None:
        canonical = self._canonical
        update = self._hash.update
        for row in rows:
            # repr of a tuple of ints, strs and None is one exact, stable text.
            update(repr(canonical(row)).encode("utf-8", "surrogatepass"))
            update(b"\n")
        self.rows += len(rows)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


# -- parents before children -------------------------------------------------------


class ParentsFirst:
    """Orders the rows of a self-referencing table so that a parent is inserted first.

    In rowid order a parent nearly always comes first; a row whose parent is
    not in yet waits for it (a subtask moved under a newer task). Rows still
    waiting at the end name a parent the source does not hold.
    """

    def __init__(self, table: Table) -> None:
        assert table.parent is not None
        self._id, self._parent = table.indexes(("id", table.parent))
        self._inserted: set[str] = set()
        self._waiting: dict[str, list[Row]] = {}

    def order(self, rows: Sequence[Row]) -> list[Row]:
        ready: list[Row] = []
        for row in rows:
            parent = row[self._parent]
            if parent is None or parent == row[self._id] or parent in self._inserted:
                self._release(row, ready)
            else:
                self._waiting.setdefault(parent, []).append(row)
        return ready

    def _release(self, row: Row, ready: list[Row]) -> None:
        stack = [row]
        while stack:
            row = stack.pop()
            ready.append(row)
            self._inserted.add(row[self._id])
            stack.extend(reversed(self._waiting.pop(row[self._id], [])))

    @property
    def orphans(self) -> int:
        return sum(len(rows) for rows in self._waiting.values())


# -- the copy -----------------------------------------------------------------------


class Progress(Protocol):
    """Told after each batch: the phase (``"copy"`` or ``"verify"``), the table, rows done."""

    def __call__(self, phase: str, table: str, rows: int) -> None: ...


@attrs.frozen
class CopyReport:
    """What a copy did: rows per table (in :data:`TABLES` order), migrations, time."""

    source: str
    destination: str
    rows: tuple[tuple[str, int], ...]
    #: Migrations applied to the destination before the copy.
    migrated: tuple[str, ...]
    schema: tuple[str, ...]
    seconds: float

    @property
    def total(self) -> int:
        return sum(count for _, count in self.rows)


def copy(
    open_source: Callable[[], AbstractContextManager[Source]],
    open_destination: Callable[[], AbstractContextManager[Destination]],
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    counted: Callable[[int], None] | None = None,
) -> CopyReport:
    """Copy every row of the source into the empty destination (see the module doc).

    ``counted`` is told the source's total number of rows once it is known
    (for a progress bar); ``progress`` after every batch. An exception raised
    by either (KeyboardInterrupt included) rolls the destination back.
    """
    started = time.perf_counter()
    with open_source() as source:
        schema = _check_source(source)
        with open_destination() as destination:
            migrated = _prepare(destination, schema)
            if counted is not None:
                counted(sum(source.count(table) for table in TABLES))
            with destination.transaction():
                _check_empty(destination, schema)
                copied = [_copy_table(source, destination, t, batch_size, progress) for t in TABLES]
                _verify(destination, [checksum for checksum, _ in copied], batch_size, progress)
                # Last: PostgreSQL's setval is not undone by a ROLLBACK.
                for table, (_, last_rowid) in zip(TABLES, copied, strict=True):
                    destination.finish(table, last_rowid)
    return CopyReport(
        source=source.shown,
        destination=destination.shown,
        rows=tuple(
            (table.name, checksum.rows) for table, (checksum, _) in zip(TABLES, copied, strict=True)
        ),
        migrated=tuple(migrated),
        schema=tuple(schema),
        seconds=time.perf_counter() - started,
    )


def _check_source(source: Source) -> list[str]:
    applied = source.applied()
    shipped = source.shipped()
    if not applied:
        raise CopyError(f"{source.shown} is not a cwdb database (no migration applied)")
    unknown = [m for m in applied if m not in shipped]
    if unknown:
        raise CopyError(
            f"{source.shown} is at a newer schema than this cwdb knows "
            f"({', '.join(unknown)}): copy it with a newer cwdb"
        )
    missing = [m for m in shipped if m not in applied]
    if missing:
        raise CopyError(
            f"{source.shown} lacks migrations {', '.join(missing)}: migrate it first "
            f"(python -m cwdb migrate --database {source.shown}); copy never writes to its source"
        )
    return sorted(applied)


def _prepare(destination: Destination, schema: list[str]) -> list[str]:
    """Refuse a destination with data or a newer schema; migrate an empty one."""
    _refuse_data(destination)
    try:
        return destination.migrate()
    except MigrationError as error:
        raise CopyError(
            f"{destination.shown} is at another schema version than {', '.join(schema)}: {error}"
        ) from error


def _refuse_data(destination: Destination) -> None:
    holding = [(table, count) for table, count in destination.counts().items() if count]
    if holding:
        listed = ", ".join(f"{table} ({count:,} rows)" for table, count in holding[:3])
        more = f" and {len(holding) - 3} more tables" if len(holding) > 3 else ""
        raise CopyError(
            f"{destination.shown} is not empty: {listed}{more}; copy only fills an empty "
            "database, it never merges"
        )


def _check_empty(destination: Destination, schema: list[str]) -> None:
    """Inside the copy's transaction: still empty, and at the source's schema version."""
    _refuse_data(destination)
    applied = sorted(destination.applied())
    if applied != schema:
        raise CopyError(
            f"{destination.shown} is at another schema version than the source: "
            f"it has {', '.join(applied) or 'no migrations'}, the source {', '.join(schema)}"
        )


def _copy_table(
    source: Source,
    destination: Destination,
    table: Table,
    batch_size: int,
    progress: Progress | None,
) -> tuple[Checksum, int]:
    """Stream one table into the destination; its checksum and largest rowid."""
    checksum = Checksum(table)
    parents = ParentsFirst(table) if table.parent else None
    last_rowid = 0
    for rows in source.batches(table, batch_size):
        checksum.add(rows)
        last_rowid = max(last_rowid, rows[-1][0])
        destination.insert(table, parents.order(rows) if parents else rows)
        if progress is not None:
            progress("copy", table.name, len(rows))
    if parents is not None and parents.orphans:
        raise CopyError(
            f"{source.shown}: {parents.orphans} rows of {table.name} name a {table.parent} "
            "that is not in the table; nothing was copied"
        )
    return checksum, last_rowid


def _verify(
    destination: Destination,
    sums: list[Checksum],
    batch_size: int,
    progress: Progress | None,
) -> None:
    """Read every table back; a count or checksum that differs fails the copy."""
    for table, expected in zip(TABLES, sums, strict=True):
        found = Checksum(table)
        for rows in destination.batches(table, batch_size):
            found.add(rows)
            if progress is not None:
                progress("verify", table.name, len(rows))
        if found.rows != expected.rows:
            raise CopyError(
                f"verification failed: {table.name} has {found.rows:,} rows in "
                f"{destination.shown}, {expected.rows:,} in the source; nothing was copied"
            )
        if found.hexdigest() != expected.hexdigest():
            raise CopyError(
                f"verification failed: the rows of {table.name} in {destination.shown} "
                "differ from the source's (sha256 of their canonical form); nothing was copied"
            )


# -- from the command line -------------------------------------------------------


def copy_database(
    source: str,
    destination: str,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    counted: Callable[[int], None] | None = None,
) -> CopyReport:
    """Copy the cwdb database ``source`` into ``destination``: SQLite paths or PostgreSQL URLs."""
    if _same(source, destination):
        raise CopyError(f"{_shown(source)} is both the source and the destination")
    reader = _adapter(source)
    writer = _adapter(destination)
    return copy(
        lambda: reader.open_source(source),
        lambda: writer.open_destination(destination),
        batch_size=batch_size,
        progress=progress,
        counted=counted,
    )


def _adapter(target: str) -> Any:
    """The ``copy`` module of the adapter set that opens ``target``."""
    if _is_postgresql(target):
        return importlib.import_module("cwdb.adapters.psycopg.copy")
    return importlib.import_module("cwdb.adapters.apsw.copy")


def _shown(target: str) -> str:
    return redact(target) if _is_postgresql(target) else os.path.abspath(target)


def _same(source: str, destination: str) -> bool:
    if _is_postgresql(source) or _is_postgresql(destination):
        return source == destination
    try:
        return os.path.samefile(source, destination)
    except OSError:
        return os.path.abspath(source) == os.path.abspath(destination)


def _is_postgresql(target: str) -> bool:
    return dialect_for(target).dialect is POSTGRESQL
