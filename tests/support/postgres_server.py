"""A real PostgreSQL 15 server for the tests: one per test session, on a Unix socket.

``initdb`` and ``postgres`` refuse to run as root, and CI runs as root, so the
server runs as the ``postgres`` OS user, in a ``tempfile.mkdtemp()`` folder
chowned to it (pytest's ``tmp_path`` sits under a 0700 folder postgres cannot
enter). It listens on a socket in that folder only, with ``fsync=off``:
these are tests, not a database to keep. Measured here: initdb about 0.4 s,
start 0.1 s, ``CREATE DATABASE`` from a template 60-230 ms.

Where no PostgreSQL is installed the PostgreSQL tests skip with a reason
that says how to install it; under CI (``CI`` set) they fail instead, so a
green CI always includes them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import pytest

#: Where Debian's postgresql-15 puts its server programs.
DEBIAN_BIN = Path("/usr/lib/postgresql/15/bin")
INSTALL_HINT = (
    "PostgreSQL 15 server programs (initdb, pg_ctl) not found: install Debian's "
    "postgresql-15 (apt-get install postgresql-15) to run the PostgreSQL half of the tests"
)


def server_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is missing."""
    if (DEBIAN_BIN / "initdb").exists():
        return DEBIAN_BIN
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


class PostgresServer:
    """A throwaway server in its own folder; ``stop()`` removes every trace."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="cwdb-pg-"))
        self.data = self.folder / "data"
        self._owner = _postgres_user() if os.geteuid() == 0 else None
        self._made = 0
        if self._owner is not None:
            os.chown(self.folder, self._owner.pw_uid, self._owner.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        return subprocess.run(
            args,
            check=True,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            user=self._owner.pw_uid if self._owner else None,
            group=self._owner.pw_gid if self._owner else None,
            cwd=self.folder,
        )

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"),
            *("-D", str(self.data), "-E", "UTF8", "--locale=C.UTF-8"),
            *("-U", "postgres", "--auth=trust"),
        )
        self._pg_ctl("start")

    def _pg_ctl(self, command: str, *args: str) -> None:
        options = f"-c listen_addresses= -k {self.folder} -c fsync=off -c full_page_writes=off"
        if self.has_pg_stat_statements():
            # What a DBA reads query names from (tests/test_observe_postgresql.py);
            # loading it adds no measurable time to the server's start.
            options += " -c shared_preload_libraries=pg_stat_statements"
        self._run(
            str(self.bin_dir / "pg_ctl"),
            *("-D", str(self.data), "-l", str(self.folder / "server.log")),
            *("-o", options, "-w", *args, command),
        )

    def has_pg_stat_statements(self) -> bool:
        """Whether the server's library folder holds the ``pg_stat_statements`` module."""
        libdir = self.bin_dir.parent / "lib"
        return (libdir / "pg_stat_statements.so").exists()

    def restart(self, mode: str = "immediate") -> None:
        """``pg_ctl restart -m mode``: ``immediate`` drops every connection without a checkpoint."""
        self._pg_ctl("restart", "-m", mode)

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])

    def kill_postmaster(self, timeout: float = 30) -> None:
        """SIGKILL the postmaster, wait for it to be gone, then start the server again.

        Its backends notice the postmaster's death and exit; until the last
        one has, a new postmaster refuses to start (their shared memory is
        still attached), so the start is retried until ``timeout``.
        """
        pid = self.postmaster_pid()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while _running(pid):
            if time.monotonic() > deadline:
                raise TimeoutError(f"postmaster {pid} survived SIGKILL")
            time.sleep(0.01)
        while True:
            try:
                self._pg_ctl("start")
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def configure(self, settings: dict[str, str]) -> None:
        """``ALTER SYSTEM SET`` each setting, then reload the configuration."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            for name, value in settings.items():
                # test-only: names and values are the tests' own constants
                connection.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            connection.execute("SELECT pg_reload_conf()")

    def url(self, database: str = "postgres") -> str:
        """A libpq URL for ``database`` over this server's socket."""
        return f"postgresql://postgres@/{database}?host={self.folder}"

    def create_database(self, prefix: str = "test") -> str:
        """A new empty database (named ``<prefix>_<n>``); its URL."""
        import psycopg

        self._made += 1
        name = f"{prefix}_{self._made}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')  # test-only: names are ours
        return self.url(name)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie nobody reaped counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def _postgres_user() -> Any:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def start_or_skip() -> PostgresServer:
    """A started server, or a skip (a failure under CI) saying what is missing."""
    bin_dir = server_bin()
    if bin_dir is None or (os.geteuid() == 0 and _postgres_user() is None):
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("psycopg is part of the test extra: run scripts/bootstrap.sh")
    # A server process reads the locales once: the German one must exist before it starts.
    _make_german_locale()
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


#: The PostgreSQL migrations, beside the SQLite ones.
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "postgresql"


def apply_migrations(url: str, upto: str | None = None) -> None:
    """yoyo apply (postgresql+psycopg) of every PostgreSQL migration, or up to ``upto``."""
    from yoyo import get_backend, read_migrations

    migrations = read_migrations(str(MIGRATIONS))
    with get_backend(yoyo_url(url)) as backend, backend.lock():
        pending = backend.to_apply(migrations)
        if upto is not None:
            ids = [m.id for m in migrations]
            keep = set(ids[: ids.index(upto) + 1])
            pending = pending.filter(lambda m: m.id in keep)
        backend.apply_migrations(pending)


def yoyo_url(url: str) -> str:
    """The URL yoyo's psycopg 3 backend takes for a libpq URL."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


#: The locale of the German-messages run (docs/reference.md: errors do not depend on lc_messages).
GERMAN: Final = "de_DE.UTF-8"
LOCALE_HINT: Final = (
    f"the {GERMAN} locale is missing and could not be generated: run "
    "`localedef -i de_DE -f UTF-8 de_DE.UTF-8` as root (on Debian the locales package "
    "provides localedef and /usr/share/i18n/locales/de_DE) to run the German-messages tests"
)


def _has_locale(name: str) -> bool:
    """Whether ``locale -a`` lists ``name`` (it prints ``de_DE.utf8`` for ``de_DE.UTF-8``)."""
    wanted = name.lower().replace("-", "")
    listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    return wanted in {line.strip().lower().replace("-", "") for line in listed.stdout.splitlines()}


def _make_german_locale() -> None:
    """Generate the German locale with ``localedef`` if it is missing (best effort).

    :func:`start_or_skip` calls it before the server starts: PostgreSQL's
    processes map glibc's locale archive once, so a locale generated while
    the server runs is refused (``invalid value for parameter "lc_messages"``).
    """
    if _has_locale(GERMAN) or shutil.which("localedef") is None:
        return
    made = subprocess.run(
        ["localedef", "-i", "de_DE", "-f", "UTF-8", GERMAN],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode not in (0, 1):  # 1: made, with warnings
        print(f"localedef failed ({made.returncode}): {made.stderr.strip()}")


def german_locale_or_skip() -> str:
    """The German locale's name, generated with ``localedef`` if missing; else a skip.

    Without it the tests skip, printing why and the command; under CI (``CI``
    set) they fail instead.
    """
    _make_german_locale()
    if _has_locale(GERMAN):
        return GERMAN
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the German-messages tests: {LOCALE_HINT}")
    print(f"skipped: {LOCALE_HINT}")
    pytest.skip(LOCALE_HINT)


def set_messages_locale(url: str, locale: str) -> None:
    """Make every new session of the database at ``url`` speak ``locale`` (as a superuser)."""
    import psycopg

    name = url.split("?", 1)[0].rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as connection:
        # test-only: the database name and locale are the tests' own constants
        connection.execute(f"ALTER DATABASE \"{name}\" SET lc_messages = '{locale}'")
