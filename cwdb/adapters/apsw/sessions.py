"""The per-thread connections of one ``Database``: its sessions.

A ``Database`` may be shared by threads; each thread gets a connection of its
own on its first call (a :class:`Session`), kept until ``close()`` or until
the thread ends. Each session's lock is held for the length of every call and
transaction block, so that ``close()`` waits for calls in flight on other
threads.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import apsw

from cwdb.adapters.apsw.connection import close as close_connection
from cwdb.errors import Error


class Session:
    """One thread's connection, its reusable cursor and its transaction depth."""

    __slots__ = ("connection", "cursor", "depth", "lock", "thread")

    def __init__(self, connection: apsw.Connection) -> None:
        self.connection = connection
        self.cursor = connection.cursor()
        # Held for the length of each call and each transaction block, so
        # that close() can wait for calls in flight on other threads.
        self.lock = threading.RLock()
        self.depth = 0
        self.thread = threading.current_thread()


class Sessions:
    """The sessions of one database, one per thread (see the module doc)."""

    def __init__(self, open_connection: Callable[[], apsw.Connection]) -> None:
        self._open_connection = open_connection
        self._local = threading.local()
        self._sessions: list[Session] = []
        self._sessions_lock = threading.Lock()
        self.closed = False

    def check_open(self) -> None:
        """Raise ``cwdb.Error`` when the database is closed (for calls that skip SQL)."""
        if self.closed:
            raise Error("the database is closed")

    def open_connection(self) -> apsw.Connection:
        """A new connection to the same database, outside every session.

        For work that must not hold a thread's session: an online backup,
        tools that inspect the database. The caller closes it.
        """
        self.check_open()
        return self._open_connection()

    def session(self) -> Session:
        try:
            session: Session = self._local.session
        except AttributeError:
            session = self._new_session()
        return session

    def _new_session(self) -> Session:
        with self._sessions_lock:
            self.check_open()
            self._close_sessions_of_finished_threads()
            session = Session(self._open_connection())
            self._sessions.append(session)
        self._local.session = session
        return session

    def _close_sessions_of_finished_threads(self) -> None:
        """A thread's connection dies with it, so thread churn leaks no files."""
        live = []
        for session in self._sessions:
            if session.thread.is_alive():
                live.append(session)
            else:
                with contextlib.suppress(Error):
                    close_connection(session.connection)
        self._sessions = live

    def adopt(self, connection: apsw.Connection) -> None:
        """Use an already opened connection as the calling thread's session."""
        session = Session(connection)
        with self._sessions_lock:
            self._sessions.append(session)
        self._local.session = session

    def close(self) -> None:
        """Wait for calls in flight, then close every connection; idempotent."""
        with self._sessions_lock:
            self.closed = True
            sessions, self._sessions = self._sessions, []
        failed: Error | None = None
        for session in sessions:
            with session.lock:
                try:
                    close_connection(session.connection)
                except Error as error:
                    failed = failed or error
        if failed is not None:
            raise failed

    # -- for the Database's own tools ----------------------------------------

    @contextmanager
    def held_connection(self) -> Iterator[apsw.Connection]:
        """The calling thread's connection, its session held for the block."""
        session = self.session()
        with session.lock:
            yield session.connection

    @contextmanager
    def separate_connection(self) -> Iterator[apsw.Connection]:
        """A new connection to the same database, outside every session, for the block.

        For work that must not run on a thread's own connection (an online
        backup must not copy this thread's open transaction). The calling
        thread's session is held meanwhile, so ``close()`` waits for the
        block like for any call in flight.
        """
        session = self.session()
        with session.lock:
            connection = self.open_connection()
            try:
                yield connection
            finally:
                close_connection(connection)

    def in_transaction(self) -> bool:
        """Whether the calling thread is inside a ``transaction()`` block."""
        return self.session().depth > 0
