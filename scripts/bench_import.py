"""What ``import cwdb`` costs: wall and CPU time in fresh interpreters, and where it goes.

Usage: python scripts/bench_import.py [--runs 30] [--baseline DIR] [--top 12] [--quick]

Each run is a new ``python -c "import cwdb"`` (and, for reference, ``python -c
pass``): the best and the median of --runs, wall clock and the child's CPU
time (user + system, steadier than wall clock on a busy machine). Bytecode
caches are kept in a temporary ``PYTHONPYCACHEPREFIX``, written by a warm-up
run: first for every module ("cached", as after ``pip install``), then for
all but cwdb's own, which are compiled from source on each run (as in a
checkout run with ``PYTHONDONTWRITEBYTECODE``). Then ``-X importtime`` (the minimum of
each module's own time over the runs) names the --top costliest modules.

--baseline DIR times another checkout's ``cwdb`` (its root, e.g. a
``git worktree`` of main) in alternation with this one. --quick (3 runs) is
what tests/test_scripts.py runs. Nothing passes or fails on a timing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    arguments = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    arguments.add_argument("--runs", type=int, default=30, help="fresh interpreters per figure")
    arguments.add_argument("--baseline", type=Path, help="another checkout's root to compare")
    arguments.add_argument("--top", type=int, default=12, help="modules to name by own time")
    arguments.add_argument("--quick", action="store_true", help="3 runs (for the tests)")
    options = arguments.parse_args(argv)
    if options.quick:
        options.runs = 3
    return options


def environment(root: Path, cache: Path, *, writes: bool) -> dict[str, str]:
    """Run ``root``'s cwdb with its bytecode in ``cache`` (written there if ``writes``)."""
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONPYCACHEPREFIX": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not writes:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def prepared_cache(root: Path, caches: Path, *, cached: bool) -> Path:
    """A bytecode cache for ``root``: everything ``import cwdb`` loads, or all but cwdb's."""
    cache = caches / f"{root.name}-{len(list(caches.iterdir()))}"
    run("import cwdb", environment(root, cache, writes=True))
    if not cached:
        # The cache mirrors absolute paths: drop cwdb's own modules, keep the
        # standard library's and attrs' (a checkout's venv has those compiled).
        shutil.rmtree(cache / root.resolve().relative_to(root.resolve().anchor) / "cwdb")
    return cache


def run(code: str, env: dict[str, str], *flags: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and stderr of one fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", code],
        cwd=tempfile.gettempdir(),  # not a checkout: '' on sys.path must not shadow PYTHONPATH
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def line(label: str, walls: list[float], cpus: list[float]) -> str:
    def ms(values: list[float], pick: str) -> str:
        value = min(values) if pick == "best" else statistics.median(values)
        return f"{value * 1000:6.1f} ms"

    return (
        f"{label:34s} wall best {ms(walls, 'best')}  median {ms(walls, 'median')}   "
        f"cpu best {ms(cpus, 'best')}  median {ms(cpus, 'median')}"
    )


def series(roots: dict[str, Path], runs: int, *, cached: bool, caches: Path) -> None:
    """Time ``import cwdb`` for each root, alternating, after one warm-up run each."""
    figures: dict[str, tuple[list[float], list[float]]] = {}
    envs = {}
    for name, root in roots.items():
        envs[name] = environment(root, prepared_cache(root, caches, cached=cached), writes=False)
        figures[name] = ([], [])
    bare = ([], [])
    for _ in range(runs):
        for name in roots:
            wall, cpu, _ = run("import cwdb", envs[name])
            figures[name][0].append(wall)
            figures[name][1].append(cpu)
        wall, cpu, _ = run("pass", envs[next(iter(roots))])
        bare[0].append(wall)
        bare[1].append(cpu)
    print(
        "bytecode cache:",
        "all (as after pip install)" if cached else "all but cwdb's (as in a fresh checkout)",
    )
    print(line("  python -c pass", *bare))
    for name, (walls, cpus) in figures.items():
        print(line(f"  import cwdb ({name})", walls, cpus))


def import_times(root: Path, runs: int, top: int, caches: Path) -> None:
    """``-X importtime``: the costliest modules by their own time, and the module count."""
    env = environment(root, prepared_cache(root, caches, cached=True), writes=False)
    own: dict[str, list[int]] = defaultdict(list)
    total: list[int] = []
    count = 0
    for _ in range(runs):
        _, _, err = run("import cwdb", env, "-X", "importtime")
        rows = [row.split("|") for row in err.splitlines()[1:] if row.startswith("import time:")]
        count = len(rows)
        for self_us, cumulative_us, name in rows:
            own[name.strip()].append(int(self_us.split(":")[1]))
            if name.strip() == "cwdb":
                total.append(int(cumulative_us))
    print(
        f"-X importtime (this checkout, cached): cwdb {min(total) / 1000:.1f} ms cumulative "
        f"(best of {runs}), {count} modules imported"
    )
    ranked = sorted(own.items(), key=lambda item: -min(item[1]))[:top]
    for name, values in ranked:
        print(f"  {min(values) / 1000:6.2f} ms  {name}")


def main(argv: list[str]) -> None:
    options = parse_args(argv)
    roots = {"this checkout": ROOT}
    if options.baseline is not None:
        roots = {"baseline": options.baseline.resolve(), **roots}
    with tempfile.TemporaryDirectory(prefix="cwdb-bench-import-") as folder:
        caches = Path(folder)
        for cached in (True, False):
            series(roots, options.runs, cached=cached, caches=caches)
        import_times(ROOT, options.runs, options.top, caches)


if __name__ == "__main__":
    main(sys.argv[1:])
