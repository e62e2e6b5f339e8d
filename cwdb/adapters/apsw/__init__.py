"""The SQLite adapter set, on APSW: the only code in cwdb that imports ``apsw``.

The core is this folder: ``connection`` (opening one configured connection),
``sessions`` (one connection per thread), ``runner`` (running statements and
transactions), ``statements`` (the named queries of ``sql/``, loaded by the
driver-neutral ``cwdb.adapters.sqlfiles``), ``translate`` and ``explain``
(apsw exceptions to cwdb errors, naming the field behind a failure),
``database`` (the wiring: ``connect()``), ``migrator`` and ``yoyo_backend``
(migrations).
``repositories/`` holds one adapter per repository port; ``dba/`` the tools a
DBA runs (review, schema snapshot, landed migrations, status, backup).
"""
