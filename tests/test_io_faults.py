"""I/O errors and a full disk at every point of a workload: cwdb errors, nothing corrupt.

An APSW VFS shim over SQLite's ``unix`` VFS counts every ``xRead``,
``xWrite``, ``xSync`` and ``xTruncate`` of every file (database, WAL,
journal) and makes the Nth one fail with ``SQLITE_IOERR`` or
``SQLITE_FULL``: either that call alone (a transient fault) or every call
from the Nth on until the test stops it (a disk that stays full). The shim is
made SQLite's default VFS for this module only, so ``cwdb.connect`` opens
its files through it unchanged.

For each fault point N of a fixed workload (connect, writes of several
repositories, a ``transaction()`` block, a batch, reads, close), docs/reference.md §2
must hold: the failing call raises a ``cwdb.Error`` (never a raw apsw
exception) and writes nothing; once the fault stops, the same ``Database``
and a new one work; every call that returned is in the file; and
``PRAGMA integrity_check`` is ok.
"""

from __future__ import annotations

import contextlib
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import apsw
import attrs
import pytest

import cwdb
from tests.support.loadgen import check_database


class FaultPlan:
    """When to fail: the Nth counted I/O call, once or from then on."""

    def __init__(self) -> None:
        self.armed = False
        self.calls = 0
        self.fail_at: int | None = None
        self.error: type[apsw.Error] = apsw.IOError
        self.sticky = False
        self.injected = 0

    def arm(self, fail_at: int | None, error: type[apsw.Error], *, sticky: bool) -> None:
        self.calls = 0
        self.fail_at = fail_at
        self.error = error
        self.sticky = sticky
        self.armed = True

    def disarm(self) -> None:
        self.armed = False

    def tick(self, what: str) -> None:
        if not self.armed:
            return
        self.calls += 1
        at = self.fail_at
        if at is not None and (self.calls == at or (self.sticky and self.calls > at)):
            self.injected += 1
            raise self.error(f"injected fault at {what} #{self.calls}")


class FaultyFile(apsw.VFSFile):
    """A file of the ``unix`` VFS whose reads, writes, syncs and truncates may fail."""

    def __init__(self, plan: FaultPlan, name: Any, flags: list[int]) -> None:
        self.plan = plan
        super().__init__("unix", name, flags)

    def xRead(self, amount: int, offset: int) -> bytes:  # noqa: N802 - apsw's name
        self.plan.tick("xRead")
        return super().xRead(amount, offset)

    def xWrite(self, data: Any, offset: int) -> None:  # noqa: N802 - apsw's name
        self.plan.tick("xWrite")
        super().xWrite(data, offset)

    def xSync(self, flags: int) -> None:  # noqa: N802 - apsw's name
        self.plan.tick("xSync")
        super().xSync(flags)

    def xTruncate(self, newsize: int) -> None:  # noqa: N802 - apsw's name
        self.plan.tick("xTruncate")
        super().xTruncate(newsize)


class FaultyVFS(apsw.VFS):
    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        super().__init__("cwdb-faulty", base="unix", makedefault=True)

    def xOpen(self, name: Any, flags: list[int]) -> FaultyFile:  # noqa: N802 - apsw's name
        return FaultyFile(self.plan, name, flags)


@pytest.fixture(scope="module")
def plan() -> Iterator[FaultPlan]:
    """The shim as SQLite's default VFS while this module runs (then ``unix`` again)."""
    plan = FaultPlan()
    vfs = FaultyVFS(plan)
    try:
        yield plan
    finally:
        apsw.set_default_vfs("unix")
        vfs.unregister()
        print(f"\n{plan.injected} I/O faults injected")


@attrs.frozen
class Base:
    """The rows of the template database that the workload works on."""

    initiative: str
    phase: str
    task: str
    agent: str
    account: str
    doomed: str


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, plan: FaultPlan) -> tuple[Path, Base]:
    path = tmp_path_factory.mktemp("faults") / "template.db"
    with cwdb.connect(path) as db:
        initiative = db.initiatives.create(name="base")
        phase = db.phases.create(initiative_id=initiative.id, name="base")
        base = Base(
            initiative.id,
            phase.id,
            db.tasks.create(phase_id=phase.id, name="base").id,
            db.agents.create(name="base", worktree_id="wt").id,
            db.accounts.create(email="base@example.com").id,
            db.initiatives.create(name="doomed").id,
        )
    assert not Path(f"{path}-wal").exists()  # checkpointed: the copy is the whole database
    return path, base


CHUNKS = 40
DOCUMENT = "".join(f"line {n}: {'x' * 60}\n" for n in range(300))  # ~20 KB


def chunk_text(n: int) -> str:
    return f"op-chunk-{n}: " + "y" * 200


#: In the "until stopped" mode, the fault lasts for the failing step and this
#: many more (a disk that stays full for a while), then stops.
OUTAGE_STEPS = 2

#: See :func:`is_shim_artifact`.
SHIM_ARTIFACTS: list[str] = []


def is_shim_artifact(error: BaseException) -> bool:
    """APSW's own SystemError when a Python VFS raises twice in one backup.

    With the outage still on, ``backup.step()`` fails on an injected fault
    and then ``Backup.__exit__`` (``sqlite3_backup_finish``) meets another
    one; APSW's ``__exit__`` then returns with a Python exception set, which
    CPython reports as ``SystemError``. Only a VFS written in Python can
    raise there (a C VFS returns an error code), so this is the shim's
    artefact, not something a real disk can make cwdb raise; it is counted
    and reported, and everything else about the failed backup is checked.
    """
    return (
        isinstance(error, SystemError)
        and "apsw.Backup" in str(error)
        and "injected fault" in str(error.__context__)
    )


class Workload:
    """A fixed sequence of calls; records which returned and which raised."""

    def __init__(self, path: Path, base: Base, plan: FaultPlan) -> None:
        self.path = path
        self.base = base
        self.plan = plan
        self.backup_path = path.with_name(f"{path.stem}-backup.db")
        self.db: cwdb.Database | None = None
        self.closed = False
        self.recovered = False
        self.done: set[str] = set()
        self.failed: dict[str, BaseException] = {}
        #: The I/O call count after each step (the clean run maps steps to N).
        self.calls_after: dict[str, int] = {}
        self.steps: list[tuple[str, Callable[[], Any]]] = [
            ("connect", self.connect),
            ("create", lambda: self.open.initiatives.create(name="op-create")),
            ("pair", self.pair),
            ("chunks", self.chunks),
            ("update", lambda: self.open.tasks.update(base.task, description="op-update")),
            ("increment", lambda: self.open.tasks.increment_retry_count(base.task)),
            ("delete", lambda: self.open.initiatives.delete(base.doomed)),
            ("pick", self.pick),
            ("read", self.read),
            ("page", self.page),
            ("backup", lambda: self.open.backup(self.backup_path)),
            ("close", self.close),
        ]

    @property
    def open(self) -> cwdb.Database:
        """The workload's Database (connecting again if connect() failed)."""
        if self.db is None:
            self.connect()
        assert self.db is not None
        return self.db

    def connect(self) -> None:
        self.db = cwdb.connect(self.path)

    def pair(self) -> None:
        with self.open.transaction():
            self.open.tasks.create(phase_id=self.base.phase, name="op-pair")
            self.open.tasks.create(phase_id=self.base.phase, name="op-pair")

    def chunks(self) -> None:
        batch = [
            {"agent_id": self.base.agent, "agent_name": "base", "content": chunk_text(n)}
            for n in range(CHUNKS)
        ]
        self.open.log_chunks.insert_chunks(batch)

    def pick(self) -> None:
        self.open.accounts.find_next_available()

    def read(self) -> None:
        db = self.open
        db.tasks.find_by_phase_id(self.base.phase)
        list(db.log_chunks.iter_by_agent_id(self.base.agent, batch_size=2))
        db.initiatives.find_all()
        assert db.schema_version is not None

    def page(self) -> None:
        """A document spanning overflow pages."""
        self.open.pages.create(
            initiative_id=self.base.initiative, title="op-page", content=DOCUMENT
        )

    def close(self) -> None:
        self.closed = True
        self.open.close()

    def run(self) -> None:
        """Every step; once the fault stops, the same Database must work again."""
        failed_at: int | None = None
        for index, (name, step) in enumerate(self.steps):
            try:
                step()
            except BaseException as error:
                self.failed[name] = error
                if failed_at is None:
                    failed_at = index
            else:
                self.done.add(name)
            self.calls_after[name] = self.plan.calls
            lasts = OUTAGE_STEPS if self.plan.sticky else 0
            if failed_at is not None and self.plan.armed and index >= failed_at + lasts:
                self.plan.disarm()
                self.recover()
        self.plan.disarm()

    def recover(self) -> None:
        """The fault is over: the same Database (a new one if none opened) writes and reads."""
        if self.closed:
            return
        made = self.open.initiatives.create(name="after-fault")
        assert self.open.initiatives.find_by_id(made.id) == made
        self.recovered = True


def check_outcome(work: Workload) -> None:
    """What a new Database sees: exactly the calls that returned, intact."""
    for name, error in work.failed.items():
        if name == "backup" and is_shim_artifact(error):
            SHIM_ARTIFACTS.append(repr(error))
            continue
        assert isinstance(error, cwdb.Error), f"{name} raised {error!r}"
        if name == "connect":
            assert str(work.path) in str(error)
    base = work.base
    done = work.done
    with cwdb.connect(work.path) as db:
        names = Counter(i.name for i in db.initiatives.find_all())
        assert names["op-create"] == ("create" in done)
        assert names["after-fault"] == work.recovered
        pair = [t for t in db.tasks.find_by_phase_id(base.phase) if t.name == "op-pair"]
        assert len(pair) == (2 if "pair" in done else 0)
        chunks = db.log_chunks.find_by_agent_id(base.agent)
        assert [c.content for c in chunks] == (
            [chunk_text(n) for n in range(CHUNKS)] if "chunks" in done else []
        )
        pages = [p for p in db.pages.find_by_initiative_id(base.initiative) if p.title == "op-page"]
        assert [p.content for p in pages] == ([DOCUMENT] if "page" in done else [])
        task = db.tasks.find_by_id(base.task)
        assert task is not None
        assert task.description == ("op-update" if "update" in done else None)
        assert task.retry_count == (1 if "increment" in done else 0)
        assert (db.initiatives.find_by_id(base.doomed) is None) == ("delete" in done)
        account = db.accounts.find_by_id(base.account)
        assert account is not None
        assert (account.last_used_at is not None) == ("pick" in done)
        assert check_database(db) == []
    check_backup(work)


def check_backup(work: Workload) -> None:
    """A backup that returned is a whole database; one that failed left no file."""
    if "backup" not in work.done:
        assert not work.backup_path.exists()
        return
    with cwdb.connect(work.backup_path, migrate=False) as copy:
        assert copy.initiatives.find_by_id(work.base.initiative) is not None
        names = [i.name for i in copy.initiatives.find_all()]
        assert ("op-create" in names) == ("create" in work.done)
        assert check_database(copy) == []


def run_with_fault(
    template: tuple[Path, Base],
    plan: FaultPlan,
    folder: Path,
    fail_at: int | None,
    error: type[apsw.Error],
    *,
    sticky: bool,
) -> Workload:
    source, base = template
    path = folder / f"run-{fail_at}.db"
    shutil.copyfile(source, path)
    path.chmod(0o600)
    work = Workload(path, base, plan)
    plan.arm(fail_at, error, sticky=sticky)
    try:
        work.run()
    finally:
        plan.disarm()
    check_outcome(work)
    left_open = [c.filename for c in apsw.connections() if c.filename.startswith(str(folder))]
    assert left_open == [], "a connection of the run was never closed"
    for file in (path, work.backup_path):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{file}{suffix}").unlink(missing_ok=True)
    return work


#: Fault points per step at most: all of a short step, evenly spread over a
#: long one (the page-by-page copy of a backup, the checkpoint of close).
POINTS_PER_STEP = 40


@pytest.fixture(scope="module")
def fault_points(template: tuple[Path, Base], plan: FaultPlan, tmp_path_factory: Any) -> list[int]:
    """The N to fail at: a clean run counts each step's I/O calls, then every step is covered."""
    folder = tmp_path_factory.mktemp("clean")
    work = run_with_fault(template, plan, folder, None, apsw.IOError, sticky=False)
    assert work.failed == {}
    # Each step but the reads does I/O of its own (close: the final checkpoint).
    ends = list(work.calls_after.values())
    starts = [0, *ends[:-1]]
    silent = [name for (name, _), a, b in zip(work.steps, starts, ends, strict=True) if a == b]
    assert silent in ([], ["read"]), silent
    points: list[int] = []
    first = 1
    for name, _ in work.steps:
        last = work.calls_after[name]
        span = range(first, last + 1)
        if len(span) <= POINTS_PER_STEP:
            points += span
        else:
            step = (len(span) - 1) / (POINTS_PER_STEP - 1)
            points += sorted({span[round(k * step)] for k in range(POINTS_PER_STEP)})
        first = last + 1
    assert len(points) > 100
    print(f"\nworkload: {plan.calls} I/O calls; {len(points)} fault points")
    return points


MODES = [
    (apsw.IOError, False),
    (apsw.IOError, True),
    (apsw.FullError, False),
    (apsw.FullError, True),
]


@pytest.mark.parametrize(
    "mode", MODES, ids=["IOERR-once", "IOERR-until-stopped", "FULL-once", "FULL-until-stopped"]
)
def test_a_fault_at_every_step_raises_cwdb_errors_and_loses_nothing(
    template: tuple[Path, Base],
    plan: FaultPlan,
    fault_points: list[int],
    tmp_path: Path,
    mode: tuple[type[apsw.Error], bool],
) -> None:
    error, sticky = mode
    injected_before = plan.injected
    failures: Counter[str] = Counter()
    for fail_at in fault_points:
        work = run_with_fault(template, plan, tmp_path, fail_at, error, sticky=sticky)
        # The workload is deterministic: every fault point is reached and fails a call.
        assert work.failed, f"no call failed with a fault at I/O call {fail_at}"
        failures.update(work.failed.keys())
    print(
        f"\n{error.__name__} {'until stopped' if sticky else 'once'}: {len(fault_points)} runs, "
        f"{plan.injected - injected_before} faults injected; calls failed: {dict(failures)}"
    )
    print(f"so far: {len(SHIM_ARTIFACTS)} APSW SystemErrors from a backup (shim artefact)")


def test_a_close_whose_final_checkpoint_fails_raises_a_cwdb_error(
    template: tuple[Path, Base], plan: FaultPlan, tmp_path: Path
) -> None:
    source, _ = template
    path = tmp_path / "close.db"
    shutil.copyfile(source, path)
    path.chmod(0o600)
    db = cwdb.connect(path)
    made = db.initiatives.create(name="committed before close")
    plan.arm(1, apsw.IOError, sticky=False)  # the next I/O call: close()'s checkpoint
    try:
        with contextlib.suppress(cwdb.Error):  # failing with a cwdb.Error is fine too
            db.close()
    finally:
        plan.disarm()
    assert plan.calls >= 1
    with pytest.raises(cwdb.Error, match="closed"):
        db.initiatives.find_all()
    with cwdb.connect(path) as again:
        assert again.initiatives.find_by_id(made.id) == made
        assert check_database(again) == []
