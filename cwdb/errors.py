"""The errors cwdb raises: one root, one class per failure a caller can act on.

Every exception the library raises derives from :class:`Error`; raw ``apsw``
exceptions are translated at one boundary (``cwdb.adapters.apsw.translate``)
and chained with ``raise ... from`` so the original stays in the traceback.
"""

from __future__ import annotations


class Error(Exception):
    """Root of every error raised by cwdb."""


class NotFoundError(Error, LookupError):
    """The row a call is about (update, delete, answer, ...) does not exist."""


class ValidationError(Error, ValueError):
    """A value was refused before anything was written.

    Raised for an unknown or immutable field, a wrong type, a value outside an
    enum, a naive datetime, a non-finite number in JSON, or a dependency on
    itself or one that would close a cycle. The message names the field and,
    for enums, the allowed values.
    """


class IntegrityError(Error):
    """SQLite refused a write: a foreign key to a missing row, a CHECK rule."""


class ConflictError(IntegrityError):
    """A UNIQUE value is already taken, or the row is in a conflicting state."""


class BusyError(Error):
    """The database lock was not obtained within the busy timeout."""


class SerializationError(BusyError):
    """PostgreSQL refused a ``transaction()`` block: a concurrent block conflicts with it.

    Nothing of the block was written. Run it again, or let
    ``Database.run_transaction`` replay it.
    """


class MigrationError(Error):
    """A migration failed, or the schema is behind or ahead of this library."""
