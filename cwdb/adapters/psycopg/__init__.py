"""The PostgreSQL adapter set (psycopg 3): the only code that imports psycopg.

So far: opening a configured connection (:mod:`.connection`) and the one
boundary where psycopg exceptions become cwdb errors (:mod:`.translate`).
The repositories, runner and migrator follow the shape of
``cwdb.adapters.apsw``.
"""
