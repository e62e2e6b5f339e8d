"""Every migration rolls back to exactly the schema before it, and applies again.

Apply the migrations one at a time (recording the schema after each), roll
them back one at a time (each rollback must restore the schema recorded
before its migration), then apply them all again. Once through
``cwdb.ensure_schema`` and yoyo's Python API (the ``.rollback.sql`` files run
by yoyo's ``apsw://`` backend), once through the ``yoyo`` command line.
Schemas are compared as SQLite stores them (type, name, table, SQL), yoyo's
bookkeeping left out.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import apsw
import pytest
import yoyo

import cwdb
from cwdb._resources import resource_dir
from cwdb.adapters import migration_files
from cwdb.adapters.apsw import migrator
from cwdb.adapters.migration_files import Migration, read_migrations
from cwdb.ops.sqlite.schema_snapshot import SchemaObject, schema_objects
from tests.support import tracer

YOYO = Path(sys.executable).parent / "yoyo"
Schema = list[SchemaObject]


def schema(path: Path) -> Schema:
    connection = apsw.Connection(str(path))
    try:
        return schema_objects(connection)
    finally:
        connection.close()


def applied(path: Path) -> list[str]:
    connection = apsw.Connection(str(path))
    try:
        return [row[0] for row in connection.execute("SELECT migration_id FROM _yoyo_migration")]
    finally:
        connection.close()


def apply_with_cwdb(
    path: Path, migrations: Sequence[Migration], monkeypatch: pytest.MonkeyPatch
) -> list[Schema]:
    """ensure_schema with one more migration shipped each time; the schema before and after each."""
    states = [schema(path)] if path.exists() else [[]]
    for count in range(1, len(migrations) + 1):
        # What a migrator applies by default: the shipped migrations of its dialect.
        monkeypatch.setattr(
            migration_files, "shipped_migrations", lambda dialect, n=count: migrations[:n]
        )
        assert cwdb.ensure_schema(path) == [migrations[count - 1].id]
        states.append(schema(path))
    monkeypatch.undo()
    return states


def rollback_problems(path: Path, folder: Path, states: list[Schema]) -> list[str]:
    """Roll back one migration at a time through yoyo's Python API; what did not restore."""
    problems = []
    with yoyo.get_backend(f"apsw:///{path}") as backend:
        migrations = yoyo.read_migrations(str(folder))
        for position in range(len(migrations), 0, -1):
            newest = migrations[position - 1]
            with backend.lock():
                backend.rollback_migrations(migrations.filter(lambda m, n=newest: m.id == n.id))
            if schema(path) != states[position - 1]:
                problems.append(f"rolling back {newest.id} does not restore the schema before it")
    return problems


def test_each_rollback_restores_the_schema_before_its_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cw.db"
    shipped = migrator.shipped_migrations()
    states = apply_with_cwdb(path, shipped, monkeypatch)
    assert len({str(state) for state in states}) == len(shipped) + 1, "a migration changed nothing"
    assert rollback_problems(path, resource_dir("migrations"), states) == []
    assert schema(path) == []
    assert applied(path) == []
    assert cwdb.ensure_schema(path) == [m.id for m in shipped]
    assert schema(path) == states[-1]


def test_a_rollback_that_leaves_something_behind_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(resource_dir("migrations"), folder)
    (folder / "0999_leaky.sql").write_text("CREATE INDEX tasks_name_idx ON tasks (name);\n")
    (folder / "0999_leaky.rollback.sql").write_text(
        "-- Forgets the index.\nDROP INDEX IF EXISTS other_idx;\n"
    )
    tracer.allow_migrations(folder)
    path = tmp_path / "cw.db"
    states = apply_with_cwdb(path, read_migrations(folder), monkeypatch)
    assert rollback_problems(path, folder, states)[0] == (
        "rolling back 0999_leaky does not restore the schema before it"
    )


def yoyo_cli(command: str, path: Path, *options: str) -> None:
    subprocess.run(
        [
            *(str(YOYO), command, "--no-config-file", "--batch", "--database", f"apsw:///{path}"),
            *(*options, str(resource_dir("migrations"))),
        ],
        cwd=path.parent,
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_the_yoyo_command_line_round_trips_every_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = migrator.shipped_migrations()
    states = apply_with_cwdb(tmp_path / "reference.db", shipped, monkeypatch)
    path = tmp_path / "cw.db"
    for count, migration in enumerate(shipped, start=1):
        yoyo_cli("apply", path, "--revision", migration.id)
        assert schema(path) == states[count], f"yoyo apply {migration.id}"
    for count in range(len(shipped), 0, -1):
        yoyo_cli("rollback", path, "--revision", shipped[count - 1].id)
        assert schema(path) == states[count - 1], f"yoyo rollback {shipped[count - 1].id}"
    yoyo_cli("apply", path)
    assert schema(path) == states[-1]
    assert applied(path) == [m.id for m in shipped]
