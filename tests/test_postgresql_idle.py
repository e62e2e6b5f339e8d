"""An idle connection the server closed is replaced before the next call, which succeeds.

The runner polls an idle connection's socket before each call: a
terminated backend first sends its FATAL error, then closes the socket, and
both must be read before libpq reports the connection as bad.
"""

from __future__ import annotations

import time
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
            assert len(backends) == 1
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", backends[0])
            time.sleep(0.05)  # the FATAL message and the EOF reach the socket
            found = db.initiatives.find_by_id(initiative_id)
            assert found is not None
            assert found.id == initiative_id
