"""SQLite's driver half, on APSW: with ``cwdb/ops/sqlite/``, the only code that imports ``apsw``.

``connection`` opens one configured connection; ``runner`` is APSW's side of
the shared ``adapters/sessions.py`` (open, run, close, and its errors);
``translate`` and ``explain`` turn apsw exceptions into cwdb errors, naming
the field behind a failure; ``database`` wires ``connect()`` for a file or
``":memory:"``; ``backup`` is ``Database.backup``; ``migrator`` and
``yoyo_backend`` apply migrations. The repositories are the shared ones
(``adapters/repositories/``); the operator tools' SQLite ends are in
``cwdb/ops/sqlite/``.
"""
