"""``import cwdb`` stays cheap: it loads the public surface and nothing it does not need.

The cost of an import is the modules it loads and the work they do at module
level, so these tests pin both down instead of timing anything (timings live
in ``scripts/``; ``python -X importtime -c "import cwdb"`` shows the tree).
Each runs in a fresh interpreter, since this process has loaded everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Modules (and their submodules) that ``import cwdb`` must not load: the drivers,
#: yoyo, the asyncio half, the operator tools and the CLI's tqdm, OpenTelemetry,
#: package metadata, and the heavier parts of the standard library none of
#: them needs until a database is opened or a command runs.
NOT_ON_IMPORT = (
    "apsw",
    "psycopg",
    "psycopg_pool",
    "yoyo",
    "sqlite3",
    "asyncio",
    "concurrent",
    "cwdb.adapters.aio",
    "cwdb.adapters.repositories",
    "cwdb.adapters.apsw",
    "cwdb.adapters.psycopg",
    "cwdb.ops",
    "cwdb.cli",
    "cwdb.testing",
    "tqdm",
    "opentelemetry",
    "importlib.metadata",
    "email",
    "zipfile",
    "tomllib",
    "subprocess",
    "socket",
    "ssl",
    "argparse",
)


#: The cwdb modules ``import cwdb`` loads besides the records and ports (the
#: public surface, and what ``connect`` and ``AppQueries`` stand on). Another
#: one here is a choice to make ``import cwdb`` slower: add it with the reason.
ON_IMPORT = {
    "cwdb",
    "cwdb._ids",
    "cwdb._open",
    "cwdb._redact",
    "cwdb._resources",
    "cwdb.adapters",
    "cwdb.adapters.database",
    "cwdb.adapters.observe",  # connect's slow_query_ms, Database.capture
    "cwdb.adapters.own_queries",  # cwdb.AppQueries and the bound query classes
    "cwdb.adapters.runner",
    "cwdb.adapters.sqlfiles",
    "cwdb.adapters.statements",
    "cwdb.dialects",
    "cwdb.enums",
    "cwdb.errors",
    "cwdb.ports",
    "cwdb.records",
}


def fresh(code: str) -> object:
    """What ``code`` prints as JSON, run in a new interpreter after ``import cwdb``."""
    script = f"import json, sys\nimport cwdb\n{code}"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_import_cwdb_loads_no_driver_no_asyncio_no_tools_no_heavy_library() -> None:
    loaded = fresh("print(json.dumps(sorted(sys.modules)))")
    assert isinstance(loaded, list)
    found = sorted(
        name
        for name in loaded
        if any(name == unwanted or name.startswith(f"{unwanted}.") for unwanted in NOT_ON_IMPORT)
    )
    assert found == []


def test_import_cwdb_loads_no_cwdb_module_beyond_its_surface() -> None:
    loaded = fresh("print(json.dumps(sorted(sys.modules)))")
    assert isinstance(loaded, list)
    ours = {name for name in loaded if name == "cwdb" or name.startswith("cwdb.")}
    domain = {name for name in ours if name.startswith(("cwdb.records.", "cwdb.ports."))}
    assert sorted(ours - domain - ON_IMPORT) == []
    assert not any(name.startswith("cwdb.ports.aio") for name in domain)


def test_the_first_connect_loads_and_documents_the_adapters() -> None:
    # The adapters, and documenting them from their ports (signatures, the
    # generated id checks), were a fifth of ``import cwdb``; the first
    # Database does it instead.
    states = fresh(
        "loaded = lambda: 'cwdb.adapters.repositories.tasks' in sys.modules\n"
        "before = loaded()\n"
        "db = cwdb.connect(':memory:')\n"
        "shown = cwdb.TaskRepository.update.__doc__ == type(db.tasks).update.__doc__\n"
        "db.close()\n"
        "print(json.dumps([before, loaded(), shown]))"
    )
    assert states == [False, True, True]
