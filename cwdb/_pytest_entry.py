"""What installing cwdb adds to every pytest run: its options, and nothing else unless asked.

This is the ``pytest11`` entry point (named ``cwdb``; ``-p no:cwdb`` drops
it). It registers no fixture, so an application's own ``db`` and ``clock``
fixtures stay its own. The fixtures live in :mod:`cwdb.testing`, loaded
when the ini option ``cwdb_testing = true`` asks for them (or directly with
``-p cwdb.testing`` / ``pytest_plugins = ["cwdb.testing"]``).
"""

from __future__ import annotations

import pytest

from cwdb import testing


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    # ``-p cwdb.testing`` registers that module before entry points load; it added them.
    if not pluginmanager.is_registered(testing):
        testing.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    if config.getini("cwdb_testing") and not config.pluginmanager.is_registered(testing):
        config.pluginmanager.import_plugin("cwdb.testing")
