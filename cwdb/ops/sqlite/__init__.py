"""The SQLite ends of the operator tools (APSW): status, migrate, backup, review, copy.

With ``cwdb/ops/postgresql/``, the only ops code that imports a driver. Each
module is the dialect's half of the shared module of the same name in
``cwdb/ops/`` (reached through ``cwdb.dialects.SqliteDialect``); besides them,
``plans.py`` (query plans under production-like statistics),
``schema_snapshot.py`` (the text of ``schema.sql``) and ``read_only.py``
(opening a file the commands must not change).
"""
