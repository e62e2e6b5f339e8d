"""The asyncio twins of ``cwdb.adapters.repositories``, one module per module.

Generated from cwdb/adapters/repositories/__init__.py: do not edit. Edit that file and run
scripts/async_repositories.py (the generated code has no comments).
"""
