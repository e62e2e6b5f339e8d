"""The errors cwdb raises: one root, one class per failure a caller can act on.

Every exception the library raises derives from :class:`Error`; raw driver
exceptions are translated at one boundary per driver
(``cwdb.adapters.apsw.translate``, ``cwdb.adapters.psycopg.translate``) and
chained with ``raise ... from`` so the original stays in the traceback.

Besides its message, an error carries what it is about as attributes, so
that a caller (an HTTP layer mapping errors to 409 or 422) never parses a
message: :class:`IntegrityError` and :class:`ConflictError` have ``table``,
``fields``, ``constraint`` and ``value``; :class:`NotFoundError` has
``table`` and ``id``; :class:`ValidationError` has ``field``. Each is
``None`` where the library cannot tell, or where telling would show a
secret: ``value`` is never set for ``accounts.credentials`` or
``accounts.config_json``. The attributes are the same on SQLite and
PostgreSQL, and an error pickles with them.
"""

from __future__ import annotations


class Error(Exception):
    """Root of every error raised by cwdb.

    Errors pickle with their attributes: ``BaseException`` pickles the class,
    the message and ``__dict__``, where the keyword-only attributes live.
    """


class NotFoundError(Error, LookupError):
    """The row a call is about (update, delete, answer, ...) does not exist.

    Attributes:
        table: the table the row was looked for in (``"tasks"``), or None.
        id: the id that was not found, or None.
    """

    def __init__(self, *args: object, table: str | None = None, id: str | None = None) -> None:
        super().__init__(*args)
        self.table = table
        self.id = id


class ValidationError(Error, ValueError):
    """A value was refused before anything was written.

    Raised for an unknown or immutable field, a wrong type, a value outside an
    enum, a naive datetime, a non-finite number in JSON, or a dependency on
    itself or one that would close a cycle. The message names the field and,
    for enums, the allowed values.

    Attributes:
        field: the name of the field that was refused (``"status"``), or None
            when the refusal is not about one field.
    """

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        self.field = field


class IntegrityError(Error):
    """The database refused a write: a foreign key to a missing row, a CHECK or NOT NULL rule.

    Attributes:
        table: the table written to (``"phases"``), or None.
        fields: the columns of the rule that failed, in the rule's order
            (``("initiative_id",)``), or None.
        constraint: the rule's name in the shipped schema
            (``"phases_initiative_id_fkey"``, ``"initiatives_status_check"``),
            the same on both backends, or None (a NOT NULL rule has no name).
        value: the refused value: one value for one field, a tuple for
            several; None when unknown, and always None for a credential.
    """

    def __init__(
        self,
        *args: object,
        table: str | None = None,
        fields: tuple[str, ...] | None = None,
        constraint: str | None = None,
        value: object = None,
    ) -> None:
        super().__init__(*args)
        self.table = table
        self.fields = fields
        self.constraint = constraint
        self.value = value


class ConflictError(IntegrityError):
    """A UNIQUE value is already taken, or the row is in a conflicting state.

    For a taken value, the attributes of :class:`IntegrityError` name it:
    ``table="agents"``, ``fields=("name",)``,
    ``constraint="agents_name_unique"``, ``value="builder-1"``. For a state
    conflict (answering an answered conversation) they are None.
    """


class BusyError(Error):
    """The database lock was not obtained within the busy timeout."""


class SerializationError(BusyError):
    """PostgreSQL refused a ``transaction()`` block: a concurrent block conflicts with it.

    Nothing of the block was written. Run it again, or let
    ``Database.run_transaction`` replay it.
    """


class MigrationError(Error):
    """A migration failed, or the schema is behind or ahead of this library."""
