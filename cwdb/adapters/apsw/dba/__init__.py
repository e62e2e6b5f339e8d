"""What a DBA runs against a database: ``python -m cwdb review|status|backup`` and the checks.

``review.py`` and ``plans.py``: every query with its plan under production-like
statistics; ``schema_snapshot.py``: the text of ``schema.sql``; ``landed.py``:
``migrations/landed.sha256``; ``status.py`` and ``backup.py``: the commands of
the same names, which open files through ``read_only.py``.
"""
