"""The operator tools: ``python -m cwdb status|migrate|backup|review|copy`` and the checks.

Each tool is a shared, driver-free module here (``status``, ``migrate``,
``backup``, ``review``, ``copy``; ``landed`` checks ``migrations/landed.sha256``)
plus one module per dialect in ``sqlite/`` and ``postgresql/``, the only ops
code that imports a driver. The CLI reaches the dialect modules through the
operator ends of ``cwdb.dialects.Dialect``; nothing imports this package when
``cwdb`` is imported. ``cwdb.ops`` may import ``cwdb.adapters``; the adapters
never import ``cwdb.ops``.
"""
