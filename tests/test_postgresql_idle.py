"""An idle connection the server closed is replaced before the next call, which succeeds.

The runner polls an idle connection's socket before each call: a
terminated backend first sends its FATAL error, then closes the socket, and
both must be read before libpq reports the connection as bad.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

import cwdb
from tests.support import postgres_server

psycopg = pytest.importorskip("psycopg", reason="psycopg is in the test extra")


def test_a_terminated_idle_backend_is_replaced_without_failing_the_call(
    pg_server: postgres_server.PostgresServer,
) -> None:
    url = pg_server.create_database("idle")
    name = urlsplit(url).path.lstrip("/")
    with cwdb.connect(url) as db, psycopg.connect(pg_server.url(), autocommit=True) as admin:
        initiative_id = db.initiatives.create(name="i").id
        for _ in range(3):
            backends = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s",
                (name,),
            ).fetchall()
            assert backends  # the pool's idle connections: one, or more as it grew
            for backend in backends:
                # With a timeout, pg_terminate_backend returns once the backend
                # is gone: its FATAL message and the EOF are on the socket.
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", backend)
            found = db.initiatives.find_by_id(initiative_id)
            assert found is not None
            assert found.id == initiative_id
            after = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchall()
            assert not set(after) & set(backends)
