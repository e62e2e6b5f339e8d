"""Property tests: every writing entry point round-trips any valid value, refuses bad ones.

docs/reference.md §2, §3, §7. For every CRUD repository's ``create`` and ``update``, and
for ``insert_chunk``, ``conversations.create``, ``create_session`` /
``update_session`` / ``create_message`` and ``review_comments.create``,
hypothesis draws values for every field from the field's declared kind:
any text without surrogates (NUL, quotes, SQL fragments included), 64-bit
integers to both ends, aware millisecond datetimes from year 1 to 9999 in
any offset, nested JSON with finite floats. What comes back, and what a new
read returns, must equal what went in.

Invalid calls (wrong type, value outside an enum, unknown or immutable
field, a parent row that does not exist, an integer beyond 64 bits,
non-finite JSON, a naive datetime) must raise the contract's error and
leave the SQL dump of the database byte-for-byte as it was.

Each example gets a fresh in-memory database (about a millisecond with its
parent rows), so no example sees another's rows. The number of inputs tried
is printed at the end of the module (run with ``-s``); the environment
variable ``CWDB_PROPERTY_EXAMPLES`` raises the examples per property for a
longer search.
"""

from __future__ import annotations

import inspect
import io
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import apsw.shell
import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import cwdb
from cwdb.adapters.repositories.updates import UpdateStatement, UpdateStatements
from cwdb.adapters.sqlfiles import load_all
from cwdb.records._codec import ms_from_time, time_from_ms
from cwdb.records._columns import Column, Kind, columns_of
from tests.support.helpers import (
    PostgresSuite,
    add_change_set,
    backend_of,
    params_for,
    raw_connection,
    snapshot,
    storable_text,
)

#: Examples per property; raise it for a soak (CWDB_PROPERTY_EXAMPLES=2000).
EXAMPLES = int(os.environ.get("CWDB_PROPERTY_EXAMPLES", "60"))
#: Examples per property on PostgreSQL (CWDB_PROPERTY_EXAMPLES_POSTGRESQL).
EXAMPLES_POSTGRESQL = int(os.environ.get("CWDB_PROPERTY_EXAMPLES_POSTGRESQL", "15"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The worlds fixture only opens databases; each example gets a fresh one.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
TRIED: Counter[str] = Counter()

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
NASTY = [
    "",
    "\x00",
    "a\x00b",
    "'",
    '"',
    "''; --",
    "'); DROP TABLE tasks; --",
    '" OR 1=1 --',
    "Robert'); DROP TABLE initiatives;--",
    "/* comment */",
    ":id",
    "?1",
    "$now",
    "@x",
    "\\",
    "%_",
    "NULL",
    "\u2028\u2029",
    "\ufeff",
    "😀" * 3,
    "e\u0301",  # combining accent: stored as given, not normalised
    "\r\n\t",
]

# -- strategies --------------------------------------------------------------------

TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    st.sampled_from(NASTY),
)
INTS = st.one_of(
    st.integers(INT64_MIN, INT64_MAX), st.sampled_from([INT64_MIN, INT64_MAX, 0, -1, 1])
)
NON_NEGATIVE = st.one_of(st.integers(0, INT64_MAX), st.sampled_from([0, INT64_MAX]))
OFFSETS = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-23 * 60 - 59, 23 * 60 + 59)
)
FIRST_MS = datetime(1, 1, 1, tzinfo=UTC)
LAST_MS = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)


def _in_offset(instant: datetime, zone: timezone) -> datetime:
    """The same instant seen in another offset, when that is representable."""
    try:
        return instant.astimezone(zone)
    except OverflowError:
        return instant


MS_INSTANTS = st.builds(
    lambda ms: FIRST_MS + timedelta(milliseconds=ms),
    st.integers(0, (LAST_MS - FIRST_MS) // timedelta(milliseconds=1)),
)
TIMES = st.one_of(
    st.builds(_in_offset, MS_INSTANTS, OFFSETS),
    st.sampled_from([FIRST_MS, LAST_MS, datetime(1970, 1, 1, tzinfo=UTC)]),
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(INT64_MIN, INT64_MAX)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=20,
)

#: Fields that reference another table, by name: the parent row they point to.
FOREIGN = {
    "initiative_id": "initiative",
    "phase_id": "phase",
    "task_id": "task",
    "parent_task_id": "task",
    "agent_id": "agent",
    "from_agent_id": "agent",
    "to_agent_id": "agent",
    "sender_id": "agent",
    "recipient_id": "agent",
    "account_id": "account",
    "project_id": "project",
    "parent_message_id": "message",
    "parent_page_id": "page",
    "chat_session_id": "chat_session",
    "change_set_id": "change_set",
}
#: Integer columns with a CHECK (retry_count >= 0, session_number >= 0).
NON_NEGATIVE_FIELDS = {"retry_count", "session_number"}


@attrs.frozen
class Parent:
    """A marker a strategy draws for a foreign key: the parent row of that kind."""

    kind: str


#: What PostgreSQL stores differently (README, "What differs from SQLite"): text
#: and JSON without NUL characters, integer columns of 32 bits, and JSON floats
#: below 2**53: jsonb keeps a number as the decimal it was written as, so a
#: float of 2**53 or more (whole, written with an exponent) comes back as the
#: int of its shortest decimal, which is not the float's exact value.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
TEXT_PG = TEXT.filter(lambda text: "\x00" not in text)
JSON_PG = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(INT64_MIN, INT64_MAX)
    | st.floats(-(2.0**53), 2.0**53, exclude_min=True, exclude_max=True)
    | TEXT_PG,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT_PG, inner, max_size=5),
    max_leaves=20,
)
STRATEGIES: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "sqlite": {"text": TEXT, "json": JSON, "int": INTS, "non_negative": NON_NEGATIVE},
    "postgresql": {
        "text": TEXT_PG,
        "json": JSON_PG,
        "int": st.one_of(
            st.integers(INT32_MIN, INT32_MAX), st.sampled_from([INT32_MIN, INT32_MAX, 0, -1, 1])
        ),
        "non_negative": st.one_of(st.integers(0, INT32_MAX), st.sampled_from([0, INT32_MAX])),
    },
}


def value_strategy(
    column: Column, *, foreign: bool, backend: str = "sqlite"
) -> st.SearchStrategy[Any]:
    """Any valid value of one column, from its declaration, that ``backend`` stores."""
    if foreign:
        parent = st.just(Parent(FOREIGN[column.name]))
        return parent | st.none() if column.nullable else parent
    kinds = STRATEGIES[backend]
    base: st.SearchStrategy[Any]
    if column.kind is Kind.ENUM:
        assert column.enum is not None
        base = st.sampled_from([m.value for m in column.enum])
    elif column.kind is Kind.INT:
        base = kinds["non_negative"] if column.name in NON_NEGATIVE_FIELDS else kinds["int"]
    else:
        base = {
            Kind.TEXT: kinds["text"],
            Kind.BOOL: st.booleans(),
            Kind.TIME: TIMES,
            Kind.JSON: kinds["json"],
        }[column.kind]
    return base | st.none() if column.nullable and column.kind is not Kind.JSON else base


# -- the entry points under test ------------------------------------------------------


@attrs.frozen
class Target:
    """One way of writing rows: its fields, how to call it, how to read the row back."""

    name: str
    record: type
    #: The fields the call takes (all of them settable columns of ``record``).
    fields: tuple[str, ...]
    create: Callable[[cwdb.Database, dict[str, Any]], Any]
    read: Callable[[cwdb.Database, Any], Any]
    #: ``update(db, id, changes)`` for repositories that have one.
    update: Callable[[cwdb.Database, str, dict[str, Any]], Any] | None = None
    #: Fields the update may change (default: every mutable column).
    mutable: tuple[str, ...] | None = None
    #: Whether the fields go in as ``**fields`` (so unknown ones are a ValidationError).
    keyword_fields: bool = True
    #: Fields whose drawn value is fixed (a field whose None would break a rule).
    fixed: tuple[tuple[str, Any], ...] = ()
    #: Fields named like a foreign key that have none (log chunks outlive agents).
    not_foreign: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name

    def is_foreign(self, field: str) -> bool:
        return field in FOREIGN and field not in self.not_foreign

    def mutable_fields(self) -> tuple[str, ...]:
        return self.mutable or tuple(n for n in self.fields if n != "id")

    def columns(self) -> dict[str, Column]:
        return {c.name: c for c in columns_of(self.record)}


def _settable(record: type) -> tuple[str, ...]:
    return tuple(c.name for c in columns_of(record) if not c.managed)


def _crud(repository: str, record: type, **extra: Any) -> Target:
    return Target(
        repository,
        record,
        _settable(record),
        create=lambda db, f: getattr(db, repository).create(**f),
        read=lambda db, r: getattr(db, repository).find_by_id(r.id),
        update=lambda db, i, c: getattr(db, repository).update(i, **c),
        **extra,
    )


def _find_chunk(db: cwdb.Database, chunk: cwdb.LogChunk) -> Any:
    return next(
        (c for c in db.log_chunks.find_by_agent_id(chunk.agent_id) if c.id == chunk.id), None
    )


def _find_comment(db: cwdb.Database, comment: cwdb.ReviewComment) -> Any:
    found = db.review_comments.find_by_phase_id(comment.phase_id)
    return next((c for c in found if c.id == comment.id), None)


def _find_message(db: cwdb.Database, message: cwdb.ChatMessage) -> Any:
    found = db.chat_sessions.find_messages_by_session_id(message.chat_session_id)
    return next((m for m in found if m.id == message.id), None)


TARGETS = [
    _crud("initiatives", cwdb.Initiative),
    _crud("phases", cwdb.Phase),
    _crud("tasks", cwdb.Task),
    _crud("agents", cwdb.Agent),
    _crud("messages", cwdb.Message),
    # A page without a parent would be a second root of the initiative.
    _crud("pages", cwdb.Page, fixed=(("parent_page_id", Parent("page")),)),
    _crud("projects", cwdb.Project),
    _crud("accounts", cwdb.Account),
    _crud("proposals", cwdb.Proposal),
    _crud("errands", cwdb.Errand),
    Target(
        "log_chunks.insert_chunk",
        cwdb.LogChunk,
        ("agent_id", "agent_name", "content", "session_number"),
        create=lambda db, f: db.log_chunks.insert_chunk(**f),
        read=_find_chunk,
        keyword_fields=False,
        not_foreign=("agent_id",),
    ),
    Target(
        "conversations.create",
        cwdb.Conversation,
        ("from_agent_id", "to_agent_id", "question", "initiative_id", "phase_id", "task_id"),
        create=lambda db, f: db.conversations.create(**f),
        read=lambda db, r: db.conversations.find_by_id(r.id),
        keyword_fields=False,
    ),
    Target(
        "chat_sessions.create_session",
        cwdb.ChatSession,
        ("target_type", "target_id", "initiative_id", "agent_id"),
        create=lambda db, f: db.chat_sessions.create_session(**f),
        read=lambda db, r: db.chat_sessions.update_session(r.id),
        update=lambda db, i, c: db.chat_sessions.update_session(i, **c),
        mutable=("target_type", "target_id", "initiative_id", "agent_id", "status"),
        keyword_fields=False,
    ),
    Target(
        "chat_sessions.create_message",
        cwdb.ChatMessage,
        ("chat_session_id", "role", "content", "change_set_id"),
        create=lambda db, f: db.chat_sessions.create_message(**f),
        read=_find_message,
        keyword_fields=False,
    ),
    Target(
        "review_comments.create",
        cwdb.ReviewComment,
        ("phase_id", "file_path", "line_number", "line_type", "body", "author"),
        create=lambda db, f: db.review_comments.create(**f),
        read=_find_comment,
        keyword_fields=False,
    ),
]
UPDATABLE = [t for t in TARGETS if t.update is not None]
WITH_KEYWORD_FIELDS = [t for t in TARGETS if t.keyword_fields]


# -- databases --------------------------------------------------------------------


@attrs.frozen
class World:
    """A fresh database and one parent row of every kind."""

    db: cwdb.Database
    parents: dict[str, str]

    def resolve(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self.parents[v.kind] if isinstance(v, Parent) else v for k, v in values.items()}


def make_parents(db: cwdb.Database) -> dict[str, str]:
    initiative = db.initiatives.create(name="parent")
    phase = db.phases.create(initiative_id=initiative.id, name="parent")
    agent = db.agents.create(name="parent agent", worktree_id="parent")
    session = db.chat_sessions.create_session("phase", phase.id, initiative.id)
    add_change_set(db, "parent-change-set", initiative.id)
    return {
        "initiative": initiative.id,
        "phase": phase.id,
        "task": db.tasks.create(phase_id=phase.id, name="parent").id,
        "agent": agent.id,
        "account": db.accounts.create(email="parent@example.com").id,
        "project": db.projects.create(name="parent", url="https://parent.example").id,
        "message": db.messages.create(sender_type="user", recipient_type="user", content="p").id,
        "page": db.pages.get_or_create_root_page(initiative.id).id,
        "chat_session": session.id,
        "change_set": "parent-change-set",
    }


@pytest.fixture(scope="module", autouse=True)
def _report_inputs() -> Iterator[None]:
    yield
    total = sum(TRIED.values())
    print(
        f"\nproperty inputs tried: {total} in all; "
        + ", ".join(f"{k} {v}" for k, v in TRIED.items())
    )


class Worlds:
    """Fresh worlds on one backend: a new database per example (PostgreSQL: emptied)."""

    def __init__(self, backend: str, suite: PostgresSuite | None) -> None:
        #: What the database stores: PgBouncer's database is PostgreSQL's.
        self.backend = "postgresql" if backend == "pgbouncer" else backend
        self._suite = suite
        #: Examples per property: PostgreSQL's cost some 15 ms each (emptying, opening).
        self.examples = EXAMPLES if suite is None else EXAMPLES_POSTGRESQL

    @contextmanager
    def fresh(self) -> Iterator[World]:
        db = cwdb.connect(":memory:") if self._suite is None else self._suite.connect()
        with db:
            yield World(db, make_parents(db))


@pytest.fixture
def worlds(request: pytest.FixtureRequest, db_backend: str) -> Worlds:
    if db_backend == "sqlite":
        return Worlds(db_backend, None)
    return Worlds(db_backend, request.getfixturevalue("pg_suite"))


def property_test(
    *examples: dict[str, Any], **strategies: Callable[[str], st.SearchStrategy[Any]]
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``@settings(SETTINGS) @given(...)``, with strategies and examples per backend.

    Each strategy is made from the test's backend (``worlds.backend``); the
    number of examples is the backend's (``worlds.examples``); ``examples``
    (explicit ``@example`` values) run on SQLite only.
    """

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any, worlds: Worlds, **kwargs: Any) -> None:
            drawn = {name: make(worlds.backend) for name, make in strategies.items()}

            def body(**values: Any) -> None:
                test(*args, worlds=worlds, **kwargs, **values)

            body.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
                [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in drawn]
            )
            inner: Any = given(**drawn)(body)
            if worlds.backend == "sqlite":
                for values in examples:
                    inner = example(**values)(inner)
            settings(SETTINGS, max_examples=worlds.examples)(inner)()

        signature = inspect.signature(test)
        run.__name__ = test.__name__
        run.__doc__ = test.__doc__
        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[p for p in signature.parameters.values() if p.name not in strategies]
        )
        return run

    return decorate


def data_strategy(_backend: str) -> st.SearchStrategy[Any]:
    return st.data()


def dump(db: cwdb.Database) -> Any:
    """The database as SQL text (schema and rows): APSW shell's ``.dump``.

    On PostgreSQL: every row of every cwdb table (``helpers.snapshot``).
    """
    if backend_of(db) == "postgresql":
        return snapshot(db)
    connection = raw_connection(db)
    try:
        out = io.StringIO()
        apsw.shell.Shell(db=connection, stdout=out).process_command(".dump")
    finally:
        connection.close()
    return "\n".join(
        line for line in out.getvalue().splitlines() if not line.startswith("-- Date:")
    )


def draw_fields(
    data: st.DataObject, target: Target, names: tuple[str, ...], backend: str = "sqlite"
) -> dict[str, Any]:
    columns = target.columns()
    fixed = dict(target.fixed)
    return {
        name: fixed[name]
        if name in fixed
        else data.draw(
            value_strategy(columns[name], foreign=target.is_foreign(name), backend=backend),
            label=name,
        )
        for name in names
    }


def assert_stored(record: Any, values: dict[str, Any], backend: str = "sqlite") -> None:
    json = {c.name for c in columns_of(type(record)) if c.kind is Kind.JSON}
    for name, value in values.items():
        stored = getattr(record, name)
        assert stored == value, name
        if backend == "postgresql" and name in json:
            # jsonb keeps a number, not how it was written: a whole float such as
            # 1e16 comes back an equal int (README, "What differs from SQLite").
            continue
        assert type(stored) is type(value) or isinstance(value, datetime), name


# -- valid values round-trip ---------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS, ids=str)
@property_test(data=data_strategy)
def test_any_valid_values_round_trip_through_create(
    target: Target, worlds: Worlds, data: st.DataObject
) -> None:
    TRIED[target.name] += 1
    with worlds.fresh() as world:
        values = world.resolve(draw_fields(data, target, target.fields, worlds.backend))
        made = target.create(world.db, values)
        assert_stored(made, values, worlds.backend)
        assert target.read(world.db, made) == made


@pytest.mark.parametrize("target", UPDATABLE, ids=str)
@property_test(data=data_strategy)
def test_any_valid_changes_round_trip_through_update(
    target: Target, worlds: Worlds, data: st.DataObject
) -> None:
    TRIED[f"{target.name}.update"] += 1
    assert target.update is not None
    mutable = target.mutable_fields()
    backend = worlds.backend
    with worlds.fresh() as world:
        made = target.create(
            world.db, world.resolve(draw_fields(data, target, target.fields, backend))
        )
        names = data.draw(st.lists(st.sampled_from(mutable), unique=True), label="changed")
        changes = world.resolve(draw_fields(data, target, tuple(names), backend))
        changed = target.update(world.db, made.id, changes)
        assert_stored(changed, changes, backend)
        for name in set(target.fields) - set(changes):
            assert getattr(changed, name) == getattr(made, name), name
        assert target.read(world.db, made) == changed


# -- boundaries, by explicit example -----------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        FIRST_MS,
        LAST_MS,
        datetime(1, 1, 1, 23, 59, tzinfo=timezone(timedelta(hours=23, minutes=59))),
        datetime(9999, 12, 31, 0, 0, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
        datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    ],
    ids=str,
)
def test_boundary_datetimes_round_trip_exactly(db: cwdb.Database, moment: datetime) -> None:
    made = db.accounts.create(email="a", exhausted_until=moment, last_used_at=moment)
    assert made.exhausted_until == moment
    assert made.exhausted_until is not None
    assert made.exhausted_until.utcoffset() == timedelta(0)
    assert db.accounts.find_by_id(made.id) == made


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=5))),
    ],
    ids=["year-1-east-of-utc", "year-9999-west-of-utc"],
)
def test_a_datetime_whose_utc_instant_is_outside_years_1_to_9999_is_refused(
    db: cwdb.Database, moment: datetime
) -> None:
    before = dump(db)
    with pytest.raises(cwdb.ValidationError, match="exhausted_until"):
        db.accounts.create(email="a", exhausted_until=moment)
    assert dump(db) == before
    assert db.accounts.find_all() == []


def test_boundary_integers_round_trip(db: cwdb.Database) -> None:
    low, high = INT64_MIN, INT64_MAX
    if backend_of(db) == "postgresql":
        # PostgreSQL's integer columns hold 32 bits (README, "What differs from
        # SQLite"): beyond, a ValidationError naming the field, nothing written.
        low, high = -(2**31), 2**31 - 1
        for value in (low - 1, high + 1, INT64_MIN, INT64_MAX):
            before = snapshot(db)
            with pytest.raises(cwdb.ValidationError, match=rf"^sort_order: {value} is outside"):
                db.accounts.create(email="a", sort_order=value)
            assert snapshot(db) == before
    for value in (low, high, 0, -1):
        made = db.accounts.create(email="a", sort_order=value)
        assert made.sort_order == value
        assert db.accounts.find_by_id(made.id) == made


def test_five_megabyte_documents_round_trip_byte_for_byte(db: cwdb.Database) -> None:
    unit = "line \x00 'quoted' \"double\" -- ; DROP TABLE x; 😀 é \r\n"
    document = (unit * (5 * 1024 * 1024 // len(unit.encode()) + 1))[: 5 * 1024 * 1024]
    assert len(document.encode()) >= 5 * 1024 * 1024 - 4
    initiative = db.initiatives.create(name="big")
    document = storable_text(
        db,
        document,
        "content",
        lambda text: db.phases.create(initiative_id=initiative.id, name="big", content=text),
    )
    phase = db.phases.create(initiative_id=initiative.id, name="big", content=document)
    root = db.pages.get_or_create_root_page(initiative.id)
    page = db.pages.update(root.id, content=document)
    chunk = db.log_chunks.insert_chunk("agent", "agent", document)
    found_phase = db.phases.find_by_id(phase.id)
    found_page = db.pages.find_by_id(page.id)
    assert found_phase is not None
    assert found_page is not None
    assert found_phase.content == document
    assert found_page.content == document
    assert [c.content for c in db.log_chunks.find_by_agent_id("agent")] == [document]
    assert chunk.content == document


@property_test(
    {"value": {"nested": [1, 2.5, None, True, "x\x00y", {"": []}]}},
    {"value": [INT64_MIN, INT64_MAX, 1e308, -0.0, 5e-324]},
    value=lambda backend: STRATEGIES[backend]["json"],
)
def test_any_json_value_round_trips_in_every_json_field(worlds: Worlds, value: Any) -> None:
    TRIED["json fields"] += 1
    with worlds.fresh() as world:
        db = world.db
        agent = db.agents.create(name="a", worktree_id="w", result=value, pending_questions=value)
        proposal = db.proposals.create(
            agent_id=agent.id,
            initiative_id=world.parents["initiative"],
            target_type="task",
            title="t",
            summary="s",
            content="c",
            metadata=value,
        )
        assert agent.result == value
        assert agent.pending_questions == value
        assert proposal.metadata == value
        assert db.agents.find_by_id(agent.id) == agent
        assert db.proposals.find_by_id(proposal.id) == proposal


# -- invalid values are refused, nothing written ---------------------------------


def wrong_type_values(column: Column) -> st.SearchStrategy[Any]:
    """Values of a type the column does not take."""
    others: dict[Kind, st.SearchStrategy[Any]] = {
        Kind.TEXT: st.integers() | st.floats() | st.binary() | st.lists(st.text(), max_size=2),
        Kind.ENUM: st.integers()
        | st.binary()
        | st.text().filter(lambda s: s not in _values(column)),
        Kind.INT: st.text() | st.floats() | st.booleans() | st.sampled_from([2**63, -(2**63) - 1]),
        Kind.BOOL: st.integers() | st.text(),
        Kind.TIME: st.text()
        | st.integers()
        | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
        Kind.JSON: st.sampled_from(
            [float("nan"), float("inf"), [float("-inf")], {"x": float("nan")}, {1, 2}, object()]
        ),
    }
    wrong = others[column.kind]
    if not column.nullable and column.kind is not Kind.JSON:
        wrong = wrong | st.none()
    return wrong


def _values(column: Column) -> set[str]:
    assert column.enum is not None
    return {m.value for m in column.enum}


@st.composite
def invalid_field(
    draw: st.DrawFn, target: Target, fields: tuple[str, ...], *, keyword: bool, update: bool
) -> tuple[str, str, Any, type[cwdb.Error]]:
    """One bad field among ``fields``: (what is wrong, field, value, expected error)."""
    columns = target.columns()
    kinds = ["wrong type", "missing parent", "unknown field", "immutable field"]
    if not keyword:  # a fixed signature: Python's own TypeError, not the contract's
        kinds = kinds[:2]
    kind = draw(st.sampled_from(kinds), label="kind")
    if kind == "missing parent":
        foreign = [f for f in fields if target.is_foreign(f)]
        if foreign:
            return kind, draw(st.sampled_from(foreign)), "no-such-row", cwdb.IntegrityError
        kind = "wrong type"
    if kind == "unknown field":
        name = draw(
            st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True).filter(
                lambda s: s not in columns
            )
        )
        return kind, name, draw(TEXT), cwdb.ValidationError
    if kind == "immutable field":
        managed = [c.name for c in columns.values() if c.managed or (update and c.name == "id")]
        return kind, draw(st.sampled_from(managed)), draw(TEXT | TIMES), cwdb.ValidationError
    field = draw(st.sampled_from(fields), label="field")
    return kind, field, draw(wrong_type_values(columns[field]), label="value"), cwdb.ValidationError


@pytest.mark.parametrize("target", TARGETS, ids=str)
@property_test(data=data_strategy)
def test_an_invalid_create_raises_the_contracts_error_and_writes_nothing(
    target: Target, worlds: Worlds, data: st.DataObject
) -> None:
    TRIED[f"{target.name} invalid"] += 1
    with worlds.fresh() as world:
        values = world.resolve(draw_fields(data, target, target.fields, worlds.backend))
        bad = invalid_field(target, target.fields, keyword=target.keyword_fields, update=False)
        kind, field, value, error = data.draw(bad, label="bad")
        values[field] = value
        before = dump(world.db)
        with pytest.raises(error) as raised:
            target.create(world.db, values)
        if kind != "missing parent":
            assert field in str(raised.value)
        assert dump(world.db) == before


@pytest.mark.parametrize("target", UPDATABLE, ids=str)
@property_test(data=data_strategy)
def test_an_invalid_update_raises_the_contracts_error_and_writes_nothing(
    target: Target, worlds: Worlds, data: st.DataObject
) -> None:
    TRIED[f"{target.name}.update invalid"] += 1
    assert target.update is not None
    with worlds.fresh() as world:
        made = target.create(
            world.db, world.resolve(draw_fields(data, target, target.fields, worlds.backend))
        )
        bad = invalid_field(target, target.mutable_fields(), keyword=True, update=True)
        kind, field, value, error = data.draw(bad, label="bad")
        before = dump(world.db)
        with pytest.raises(error) as raised:
            target.update(world.db, made.id, {field: value})
        if kind != "missing parent":
            assert field in str(raised.value)
        assert dump(world.db) == before


# -- specialised updates leave the row as the generic statement does ------------------
#
# A variant (updates.py) is only a fast path: for every change it serves, it
# must leave the row exactly as the generic statement does. Both run on the
# same row, with any valid values, any subset of columns the variant may
# serve and a clock before or after the row's updated_at.

TARGET = {target.name: target for target in TARGETS}


class RollbackError(Exception):
    """Raised inside a transaction block to undo it."""


#: (target, the adapter's statements, the parameter naming the changed rows)
Family = tuple[Target, Callable[[cwdb.Database], UpdateStatements], Callable[[Any], dict[str, Any]]]

CRUD_FAMILIES: list[Family] = [
    (
        TARGET[name],
        lambda db, name=name: getattr(db, name)._updates,  # type: ignore[misc]
        lambda row: {"id": row.id},
    )
    for name in ("initiatives", "phases", "tasks", "agents", "messages", "proposals", "errands")
]
FAMILIES: list[Family] = [
    *CRUD_FAMILIES,
    (
        TARGET["chat_sessions.create_session"],
        lambda db: db.chat_sessions._update_session,
        lambda row: {"id": row.id},
    ),
    (
        TARGET["proposals"],
        lambda db: db.proposals._update_many_by_agent_id,
        lambda row: {"where_agent_id": row.agent_id},
    ),
]


def variant_cases() -> list[tuple[Family, str]]:
    """Every specialised variant shipped in sql/, with the family it belongs to."""
    cases = []
    with cwdb.connect(":memory:") as db:
        for family in FAMILIES:
            for variant in family[1](db).variants:
                cases.append((family, variant.statement.query.name))
    return cases


CASES = variant_cases()


def test_every_shipped_variant_is_under_test() -> None:
    shipped = {(file.name, name) for file in load_all().values() for name in file if "__" in name}
    tested = {(family[0].name.split(".")[0], name) for family, name in CASES}
    assert shipped == tested


def run(db: cwdb.Database, update: UpdateStatement, params: dict[str, Any]) -> None:
    db._runner.write(update.statement, params)


@pytest.mark.parametrize(("family", "variant"), CASES, ids=[f"{f[0].name}.{v}" for f, v in CASES])
@property_test(data=data_strategy)
def test_a_variant_leaves_the_row_as_the_generic_statement_does(
    family: Family, variant: str, worlds: Worlds, data: st.DataObject
) -> None:
    target, statements_of, where = family
    backend = worlds.backend
    with worlds.fresh() as world:
        db = world.db
        made = target.create(db, world.resolve(draw_fields(data, target, target.fields, backend)))
        statements = statements_of(db)
        fast = next(v for v in statements.variants if v.statement.query.name == variant)
        must = sorted(fast.columns - fast.flagged)
        may = sorted(fast.flagged)
        optional = st.lists(st.sampled_from(may), unique=True, min_size=0 if must else 1)
        names = must + (data.draw(optional, label="flagged") if may else [])
        changes = world.resolve(draw_fields(data, target, tuple(names), backend))
        stored_at = ms_from_time(made.updated_at, "updated_at")
        now = stored_at + data.draw(st.integers(-5, 5), label="clock offset")
        fixed = {**where(made), "now": db.dialect.storage.store_time(time_from_ms(now), "now")}

        with pytest.raises(RollbackError), db.transaction():
            run(db, fast, {**params_for(statements, fast, changes), **fixed})
            by_variant = target.read(db, made)
            raise RollbackError
        assert target.read(db, made) == made
        run(
            db, statements.generic, {**params_for(statements, statements.generic, changes), **fixed}
        )
        by_generic = target.read(db, made)

    assert by_variant == by_generic
    for name, value in changes.items():
        assert getattr(by_variant, name) == value, name
    assert ms_from_time(by_variant.updated_at, "updated_at") == max(stored_at, now)
