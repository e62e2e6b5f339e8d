"""The SQLite adapter set, on APSW: the only code in cwdb that imports ``apsw``.

The core is this folder: ``connection`` (opening one configured connection),
``sessions`` (one connection per thread), ``runner`` (running statements and
transactions), ``statements`` (the named queries of ``sql/``, loaded by the
driver-neutral ``cwdb.adapters.sqlfiles``), ``translate`` and ``explain``
(apsw exceptions to cwdb errors, naming the field behind a failure),
``database`` (the wiring: ``connect()``), ``backup`` (``Database.backup``),
``migrator`` and ``yoyo_backend`` (migrations). The operator tools a DBA runs
(review, status, backup, copy) live in ``cwdb.ops``, its SQLite ends in
``cwdb/ops/sqlite/``.
"""
