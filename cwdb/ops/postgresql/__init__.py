"""The PostgreSQL ends of the operator tools (psycopg): status, migrate, review, copy.

With ``cwdb/ops/sqlite/``, the only ops code that imports a driver. Each
module is the dialect's half of the shared module of the same name in
``cwdb/ops/``, reached through ``cwdb.dialects.PostgresqlDialect``.
"""
