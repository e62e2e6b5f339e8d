"""PostgreSQL's driver half, on psycopg 3: with ``cwdb/ops/postgresql/``, all that imports psycopg.

``connection`` opens one configured connection (and its binary loaders);
``runner`` is psycopg's side of the shared ``adapters/sessions.py``;
``translate`` and ``explain`` turn psycopg exceptions into cwdb errors from
SQLSTATE and diagnostic fields; ``database`` wires ``connect(url)``;
``migrator`` applies ``migrations/postgresql/``; ``testing`` serves
``cwdb.testing``. Imported only when a PostgreSQL URL is opened.
"""
