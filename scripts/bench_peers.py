"""Peer stacks for ``scripts/bench.py --peers``: the same W1-W7, other ways.

Needs the optional extra: ``pip install -e '.[bench]'`` (SQLAlchemy, aiosql).
bench.py runs every stack on its own fresh file, migrated by cwdb (so the
schema is identical), times each workload and checks its result the same way
for all; each stack here implements ``bench_workload.Stack``:

* ``sqlite3+attrs``: stdlib sqlite3 running the SAME SQL text as cwdb (from
  sql/), rows mapped naively to cwdb's attrs records, ``Record(*values)``
  with the datetimes converted; explicit BEGIN IMMEDIATE / COMMIT per write.
* ``apsw+attrs by name``: APSW with the same SQL and connection settings as the
  raw side, rows mapped by name, ``Record(**dict(zip(columns, row)))``, with
  per-row conversions: the naive attrs mapper cwdb's generated one replaces.
* ``aiosql``: aiosql on stdlib sqlite3, loading cwdb's sql/ files as they
  are (aiosql reads the same ``-- name: x^`` blocks), same naive mapping.
* ``sqlalchemy-orm``: SQLAlchemy 2 ORM models mapped onto the migrated
  tables, one session per operation, datetimes stored as int ms.

Every connection uses WAL, synchronous=NORMAL and foreign_keys=ON. Note
that stdlib sqlite3 (and so aiosql and SQLAlchemy) links the system's
SQLite, which may be older than the one APSW bundles.
"""

from __future__ import annotations

import json
import sqlite3
import typing
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib.metadata import version
from typing import Any, ClassVar

import aiosql
import apsw
import attrs
import sqlalchemy
from aiosql.types import SQLOperationType
from bench_hand import EPOCH, ByPosition, conversions, from_ms
from bench_workload import (
    Raw,
    Sizes,
    StackFactory,
    chunk_params,
    initiative_params,
    new_id,
    now_ms,
    phase_params,
    pick_params,
    same_sql,
    sql_file,
    sql_text,
    status_change,
    task_params,
)
from sqlalchemy import Integer, TypeDecorator, and_, event, func, or_, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

import cwdb

ONE_MS = timedelta(milliseconds=1)
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)


def versions() -> str:
    return (
        f"SQLAlchemy {sqlalchemy.__version__}, aiosql {version('aiosql')}, "
        f"stdlib sqlite3 on SQLite {sqlite3.sqlite_version}"
    )


def utc_now() -> datetime:
    """The current time at the millisecond precision cwdb stores."""
    return EPOCH + timedelta(milliseconds=now_ms())


# -- naive row mapping ---------------------------------------------------------


class ByName:
    """``Record(**dict(zip(columns, row)))`` with per-row conversions (naive APSW)."""

    def __init__(self, record: type) -> None:
        self.record = record
        fields = [field.name for field in attrs.fields(record)]
        self.convert = [(f, c) for f, c in zip(fields, conversions(record), strict=True) if c]

    def __call__(self, columns: list[str], row: Iterable[Any]) -> Any:
        values = dict(zip(columns, row, strict=True))
        for field, convert in self.convert:
            values[field] = convert(values[field])
        return self.record(**values)


# -- the stacks running cwdb's SQL text ------------------------------------------


class SqlPeer:
    """The workloads over the same named statements as ``RawStack`` of scripts/bench.py.

    A subclass says how to run a statement (``statement``, ``one``, ``all``,
    ``write``, ``write_many``) and how rows become records; every result is
    an attrs record of cwdb, as the library's methods return.
    """

    new_status = "in_progress"
    strict_rotation = True
    #: How this stack turns a row into a record: by position or by column name.
    mapping: type[ByPosition | ByName]

    def __init__(self) -> None:
        self.mappers: dict[type, ByPosition | ByName] = {}
        same_sql(self, load=self.statement)

    def statement(self, file: str, name: str) -> Any:
        """The query ``file.name`` in the form ``one`` / ``write`` take it."""
        return sql_text(file, name)

    def mapper(self, record: type) -> Any:
        """This stack's row mapper for ``record``, made once."""
        found = self.mappers.get(record)
        if found is None:
            found = self.mappers[record] = self.mapping(record)
        return found

    def one(self, statement: Any, record: type, params: dict[str, Any]) -> Any:
        """The first row, mapped (outside any explicit transaction)."""
        raise NotImplementedError

    def all(self, statement: Any, record: type, params: dict[str, Any]) -> list[Any]:
        """Every row, mapped."""
        raise NotImplementedError

    def write(self, statement: Any, record: type, params: dict[str, Any]) -> Any:
        """One statement in BEGIN IMMEDIATE ... COMMIT; its first row, mapped."""
        raise NotImplementedError

    def write_many(self, statement: Any, param_sets: list[dict[str, Any]]) -> None:
        """The statement once per parameter set, all in one BEGIN IMMEDIATE."""
        raise NotImplementedError

    def key(self, item: Any) -> str:
        return str(item.id)

    def seed(self, sizes: Sizes) -> int:
        rows = 0
        for i in range(sizes.initiatives):
            initiative = self.write(self.create_initiative, cwdb.Initiative, initiative_params(i))
            rows += 1
            for j in range(sizes.phases):
                phase = self.write(self.create_phase, cwdb.Phase, phase_params(initiative.id, j))
                rows += 1
                for k in range(sizes.tasks):
                    self.write(self.create_task, cwdb.Task, task_params(phase.id, k))
                    rows += 1
        return rows

    def find_tasks(self, ids: list[str]) -> list[Any]:
        one, sql = self.one, self.find_task
        return [one(sql, cwdb.Task, {"id": i}) for i in ids]

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        every, sql = self.all, self.find_phase_tasks
        return sum(len(every(sql, cwdb.Task, {"phase_id": p})) for p in phase_ids)

    def update_tasks(self, ids: list[str], status: str) -> None:
        write, sql = self.write, self.update_task
        for task_id in ids:
            write(sql, cwdb.Task, status_change(task_id, status))

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        written = 0
        for batch in batches:
            self.write_many(self.insert_chunk, chunk_params(batch))
            written += len(batch)
        return written

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        every, sql = self.all, self.find_agent_chunks
        return sum(len(every(sql, cwdb.LogChunk, {"agent_ids": json.dumps(g)})) for g in groups)

    def pick_accounts(self, count: int) -> list[Any]:
        write, sql = self.write, self.next_account
        return [write(sql, cwdb.Account, pick_params()) for _ in range(count)]

    def close(self) -> None:
        raise NotImplementedError


def open_sqlite3(path: str) -> sqlite3.Connection:
    """Stdlib sqlite3 in autocommit mode: the stack writes BEGIN / COMMIT itself."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        connection.execute(pragma)
    return connection


class Sqlite3Stack(SqlPeer):
    """Stdlib sqlite3, cwdb's SQL text, ``Record(*converted values)``."""

    mapping = ByPosition

    def __init__(self, path: str, db: cwdb.Database) -> None:
        self.conn = open_sqlite3(path)
        super().__init__()

    def one(self, statement: Any, record: type, params: dict[str, Any]) -> Any:
        return self.mapper(record)(self.conn.execute(statement, params).fetchone())

    def all(self, statement: Any, record: type, params: dict[str, Any]) -> list[Any]:
        to_record = self.mapper(record)
        return [to_record(row) for row in self.conn.execute(statement, params)]

    def write(self, statement: Any, record: type, params: dict[str, Any]) -> Any:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(statement, params).fetchall()
        conn.execute("COMMIT")
        return self.mapper(record)(rows[0])

    def write_many(self, statement: Any, param_sets: list[dict[str, Any]]) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(statement, param_sets)
        conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class AiosqlStack(Sqlite3Stack):
    """aiosql on stdlib sqlite3, loading cwdb's sql/ files as they are."""

    queries: ClassVar[dict[str, Any]] = {}

    def statement(self, file: str, name: str) -> Any:
        loaded = self.queries.get(file)
        if loaded is None:
            path = sql_file(file).path
            loaded = aiosql.from_path(path, "sqlite3", mandatory_parameters=False)
            self.queries[file] = loaded
        function = getattr(loaded, name)
        if function.sql.rstrip().rstrip(";").rstrip() != sql_text(file, name):
            raise AssertionError(f"aiosql read {file}.{name} differently from cwdb")
        if function.operation is SQLOperationType.INSERT_RETURNING:
            # aiosql's sqlite3 adapter gives a <! statement's lastrowid, not its
            # RETURNING row: run the same text through its select_one instead.
            adapter, sql = loaded.driver_adapter, function.sql
            return lambda conn, **params: adapter.select_one(conn, name, sql, params, None)
        return function

    def one(self, statement: Any, record: type, params: dict[str, Any]) -> Any:
        return self.mapper(record)(statement(self.conn, **params))

    def all(self, statement: Any, record: type, params: dict[str, Any]) -> list[Any]:
        to_record = self.mapper(record)
        return [to_record(row) for row in statement(self.conn, **params)]

    def write(self, statement: Any, record: type, params: dict[str, Any]) -> Any:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        row = statement(conn, **params)
        conn.execute("COMMIT")
        return self.mapper(record)(row)

    def write_many(self, statement: Any, param_sets: list[dict[str, Any]]) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        statement(conn, param_sets)
        conn.execute("COMMIT")


class NaiveApswStack(SqlPeer):
    """APSW exactly as the raw side, rows mapped by column name, per row."""

    mapping = ByName

    def __init__(self, path: str, db: cwdb.Database) -> None:
        self.raw = Raw(path)
        super().__init__()

    def fetch(self, statement: str, params: dict[str, Any]) -> tuple[list[str], list[Any]]:
        cursor = self.raw.cur.execute(statement, params)
        try:
            columns = [d[0] for d in cursor.description]
        except apsw.ExecutionCompleteError:  # no rows at all
            return [], []
        return columns, cursor.fetchall()

    def one(self, statement: Any, record: type, params: dict[str, Any]) -> Any:
        columns, rows = self.fetch(statement, params)
        return self.mapper(record)(columns, rows[0])

    def all(self, statement: Any, record: type, params: dict[str, Any]) -> list[Any]:
        columns, rows = self.fetch(statement, params)
        to_record = self.mapper(record)
        return [to_record(columns, row) for row in rows]

    def write(self, statement: Any, record: type, params: dict[str, Any]) -> Any:
        cursor = self.raw.cur
        cursor.execute("BEGIN IMMEDIATE")
        columns, rows = self.fetch(statement, params)
        cursor.execute("COMMIT")
        return self.mapper(record)(columns, rows[0])

    def write_many(self, statement: Any, param_sets: list[dict[str, Any]]) -> None:
        cursor = self.raw.cur
        cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(statement, param_sets)
        cursor.execute("COMMIT")

    def close(self) -> None:
        self.raw.conn.close()


# -- SQLAlchemy 2 ORM ----------------------------------------------------------------


class MsTime(TypeDecorator[datetime]):
    """An aware datetime stored as int unix milliseconds, as cwdb stores it."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> int | None:
        return None if value is None else (value - EPOCH) // ONE_MS

    def process_result_value(self, value: int | None, dialect: Any) -> datetime | None:
        return from_ms(value)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: MsTime}


def orm_model(record: type, table: str) -> Any:
    """The mapped class of ``table``: ``record``'s fields and types, ``Literal`` ones as str.

    What a user writes as ``name: Mapped[str]`` line by line, derived from
    cwdb's record so the two cannot drift.
    """
    hints = typing.get_type_hints(record)

    def column(kind: Any) -> Any:
        return Mapped[str if typing.get_origin(kind) is typing.Literal else kind]

    annotations = {field.name: column(hints[field.name]) for field in attrs.fields(record)}
    namespace = {"__tablename__": table, "__annotations__": annotations}
    return type(record.__name__, (Base,), {**namespace, "id": mapped_column(primary_key=True)})


Initiative = orm_model(cwdb.Initiative, "initiatives")
Phase = orm_model(cwdb.Phase, "phases")
Task = orm_model(cwdb.Task, "tasks")
LogChunk = orm_model(cwdb.LogChunk, "agent_log_chunks")
Account = orm_model(cwdb.Account, "accounts")


ROWID: sqlalchemy.ColumnClause[int] = sqlalchemy.literal_column("rowid", Integer)


def orm_engine(path: str) -> sqlalchemy.Engine:
    """An engine on the file; a connection with ``immediate=True`` begins IMMEDIATE.

    SQLAlchemy's documented recipe for SQLite: turn off the driver's own
    transaction handling and emit BEGIN from the ``begin`` event.
    """
    engine = sqlalchemy.create_engine(f"sqlite+pysqlite:///{path}")

    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        dbapi_connection.isolation_level = None
        for pragma in PRAGMAS:
            dbapi_connection.execute(pragma)

    @event.listens_for(engine, "begin")
    def begin(connection: sqlalchemy.Connection) -> None:
        immediate = connection.get_execution_options().get("immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class SqlAlchemyStack:
    """SQLAlchemy 2 ORM: a session per operation, commits as the workload says.

    Reads take a plain session (deferred BEGIN, rolled back on close);
    writes take a session whose transaction begins IMMEDIATE and commits at
    the end of ``writes.begin()``.
    """

    new_status = "in_progress"
    strict_rotation = True

    def __init__(self, path: str, db: cwdb.Database) -> None:
        self.engine = orm_engine(path)
        self.reads = sessionmaker(self.engine)
        immediate = self.engine.execution_options(immediate=True)
        self.writes = sessionmaker(immediate, expire_on_commit=False)

    def key(self, item: Any) -> str:
        return str(item.id)

    def add(self, row: Base) -> Any:
        with self.writes.begin() as session:
            session.add(row)
        return row

    def seed(self, sizes: Sizes) -> int:
        rows = 0
        for i in range(sizes.initiatives):
            now = utc_now()
            initiative = self.add(Initiative(id=new_id(), name=f"initiative {i}",
                                  status="active", execution_mode="review_per_phase",
                                  quality_review=False, branch=None, created_at=now,
                                  updated_at=now))  # fmt: skip
            rows += 1
            for j in range(sizes.phases):
                now = utc_now()
                phase = self.add(Phase(id=new_id(), initiative_id=initiative.id,
                                 name=f"phase {j}", content=None, status="pending",
                                 merge_base=None, created_at=now, updated_at=now))  # fmt: skip
                rows += 1
                for k in range(sizes.tasks):
                    now = utc_now()
                    self.add(Task(id=new_id(), phase_id=phase.id, initiative_id=None,
                             parent_task_id=None, name=f"task {k}", description=None,
                             type="auto", category="execute", priority="medium",
                             status="pending", order=k, summary=None, retry_count=0,
                             created_at=now, updated_at=now))  # fmt: skip
                    rows += 1
        return rows

    def find_task(self, task_id: str) -> Task | None:
        with self.reads() as session:
            return session.get(Task, task_id)

    def find_tasks(self, ids: list[str]) -> list[Any]:
        return [self.find_task(i) for i in ids]

    def phase_tasks(self, phase_id: str) -> list[Task]:
        query = (
            select(Task)
            .where(Task.phase_id == phase_id)
            .order_by(Task.order, Task.created_at, ROWID)
        )
        with self.reads() as session:
            return list(session.scalars(query))

    def count_phase_tasks(self, phase_ids: list[str]) -> int:
        return sum(len(self.phase_tasks(p)) for p in phase_ids)

    def update_task(self, task_id: str, status: str) -> Task:
        now = utc_now()
        with self.writes.begin() as session:
            task = session.get(Task, task_id)
            if task is None:
                raise LookupError(task_id)
            task.status = status
            task.updated_at = max(task.updated_at, now)
        return task

    def update_tasks(self, ids: list[str], status: str) -> None:
        for task_id in ids:
            self.update_task(task_id, status)

    def insert_chunks(self, batches: list[list[dict[str, Any]]]) -> int:
        written = 0
        for batch in batches:
            now = utc_now()
            with self.writes.begin() as session:
                session.add_all([LogChunk(id=new_id(), created_at=now, **c) for c in batch])
            written += len(batch)
        return written

    def agent_chunks(self, agent_ids: list[str]) -> list[LogChunk]:
        query = select(LogChunk).where(LogChunk.agent_id.in_(agent_ids)).order_by(ROWID)
        with self.reads() as session:
            return list(session.scalars(query))

    def count_agent_chunks(self, groups: list[list[str]]) -> int:
        return sum(len(self.agent_chunks(group)) for group in groups)

    def next_available(self, provider: str) -> Account | None:
        """The least recently used available account, marked used (one transaction)."""
        now = utc_now()
        available = or_(
            Account.is_exhausted.is_(False),
            and_(Account.exhausted_until.is_not(None), Account.exhausted_until <= now),
        )
        query = (
            select(Account)
            .where(Account.provider == provider, available)
            .order_by(Account.last_used_at, Account.sort_order, Account.created_at, ROWID)
            .limit(1)
        )
        with self.writes.begin() as session:
            account = session.scalars(query).first()
            if account is None:
                return None
            latest = session.scalar(select(func.max(Account.last_used_at)))
            account.last_used_at = now if latest is None else max(now, latest + ONE_MS)
            if account.exhausted_until is not None and account.exhausted_until <= now:
                account.is_exhausted = False
                account.exhausted_until = None
            account.updated_at = max(account.updated_at, now)
        return account

    def pick_accounts(self, count: int) -> list[Any]:
        return [self.next_available("claude") for _ in range(count)]

    def close(self) -> None:
        self.engine.dispose()


STACKS: dict[str, StackFactory] = {
    "sqlite3+attrs": Sqlite3Stack,
    "apsw+attrs by name": NaiveApswStack,
    "aiosql": AiosqlStack,
    "sqlalchemy-orm": SqlAlchemyStack,
}
