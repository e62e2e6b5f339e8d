"""PgBouncer in transaction-pooling mode in front of the tests' PostgreSQL server.

The PostgreSQL half of the suite runs a second time through it (``conftest.py``'s
``pgbouncer`` backend), to prove that cwdb relies on no session state between
transactions: no startup ``options``, no session-level locks, no server-side
prepared statements. It is Debian's ``pgbouncer`` package (1.18 on Debian 12:
no prepared statements in transaction mode), started per test session like
the server, as the ``postgres`` user when the tests run as root, listening
on a Unix socket in the server's folder, with ``trust`` authentication.

Where the package is missing, the PgBouncer tests skip with the install
command; under CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from tests.support.postgres_server import PostgresServer

INSTALL_HINT = (
    "pgbouncer not found: install Debian's pgbouncer (apt-get install -y pgbouncer) "
    "to run the PostgreSQL tests through PgBouncer in transaction mode"
)
#: The port in the name of PgBouncer's socket (the server's is 5432).
PORT = 6432
#: Server connections PgBouncer opens to the test database at most.
SERVER_POOL = 40


def binary() -> str | None:
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )


class PgBouncer:
    """A PgBouncer process in the server's folder; ``stop()`` ends it."""

    def __init__(self, server: PostgresServer, program: str) -> None:
        self.server = server
        self.folder = server.folder / "pgbouncer"
        self.folder.mkdir()
        owner = server._owner
        if owner is not None:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.log = self.folder / "pgbouncer.log"
        users = self.folder / "users.txt"
        users.write_text('"postgres" ""\n')
        config = self.folder / "pgbouncer.ini"
        config.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={server.folder} port=5432",
                    "[pgbouncer]",
                    "listen_addr =",
                    f"listen_port = {PORT}",
                    f"unix_socket_dir = {server.folder}",
                    "auth_type = trust",
                    f"auth_file = {users}",
                    "pool_mode = transaction",
                    "max_client_conn = 1000",
                    "log_connections = 0",
                    "log_disconnections = 0",
                    f"default_pool_size = {SERVER_POOL}",
                    f"logfile = {self.log}",
                    f"pidfile = {self.folder / 'pgbouncer.pid'}",
                    # No "select 1" of its own on connections named cwdb (pg_tracer.py).
                    "server_check_query =",
                    "",
                ]
            )
        )
        for path in (users, config):
            if owner is not None:
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._process = subprocess.Popen(
            [program, str(config)],
            # Its log goes to its logfile: a pipe nobody reads would fill up
            # after a few hundred logins and stop PgBouncer mid-run.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user=owner.pw_uid if owner else None,
            group=owner.pw_gid if owner else None,
            cwd=self.folder,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 20) -> None:
        socket = self.server.folder / f".s.PGSQL.{PORT}"
        deadline = time.monotonic() + timeout
        while not socket.exists():
            if self._process.poll() is not None:
                log = self.folder / "pgbouncer.log"
                said = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"pgbouncer exited: {said}")
            if time.monotonic() > deadline:
                raise TimeoutError("pgbouncer did not start")
            time.sleep(0.02)

    def url(self, direct: str) -> str:
        """The URL of the same database as ``direct``, through PgBouncer."""
        parts = urlsplit(direct)
        query = dict(parse_qsl(parts.query))
        query["port"] = str(PORT)
        return urlunsplit(parts._replace(query=urlencode(query, safe="/")))

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


def start_or_skip(server: PostgresServer) -> PgBouncer:
    """A started PgBouncer, or a skip (a failure under CI) saying how to install it."""
    program = binary()
    if program is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PgBouncer tests: {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    return PgBouncer(server, program)
