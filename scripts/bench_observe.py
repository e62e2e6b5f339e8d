"""What observing statements costs (docs/reference.md §11): W2 and W6 against a baseline build.

Usage: python scripts/bench_observe.py --baseline DIR [--rounds 7] [--quick]

``DIR`` is a checkout of cwdb without the change to compare against (e.g.
``git worktree add --detach /tmp/base <commit>``): its ``cwdb`` package is
imported in a subprocess with ``PYTHONPATH=DIR``, this checkout's in
another, alternating round by round so that both see the same machine load.
Each subprocess times the two reads the budget is about, on a file database
(in microseconds per call, the best of several timings):

* W2: ``tasks.find_by_id`` of one task (one statement, one row);
* W6: ``log_chunks.find_by_agent_ids`` of 10 agents, 1,000 chunks (one
  statement, many rows).

This checkout runs in four settings: ``default`` (logging at WARNING, no
OpenTelemetry provider, ``slow_query_ms=100``: the budget is 3%),
``slow-off`` (``slow_query_ms=None``), ``debug`` (DEBUG records on
``cwdb.sql`` formatted to ``/dev/null``) and ``otel`` (the SDK's tracer
provider with a batch processor and an exporter that drops spans, and a
meter provider with an in-memory reader). The table gives each as a ratio of
time per call to the baseline's (1.00 = the same; the budget is 1.03).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ("default", "slow-off", "debug", "otel")

#: What both children (this one and bench_instructions.py's) put in ``db``
#: first: a task, and ten agents with 100 log chunks each (W2's and W6's rows).
ROWS = r"""
initiative = db.initiatives.create(name="i")
phase = db.phases.create(initiative_id=initiative.id, name="p")
task = db.tasks.create(phase_id=phase.id, name="t", order=1)
agents = [db.agents.create(name=f"agent {i}", worktree_id=f"w{i}") for i in range(10)]
for agent in agents:
    db.log_chunks.insert_chunks(
        [{"agent_id": agent.id, "agent_name": agent.name, "content": "x" * 300}] * 100
    )
ids = [agent.id for agent in agents]
"""

CHILD = (
    r"""
import json, logging, os, sys, tempfile, time
setting = sys.argv[1]
reps = int(sys.argv[2])
import cwdb
options = {"slow_query_ms": None} if setting == "slow-off" else {}
if setting == "debug":
    logging.basicConfig(level=logging.DEBUG, stream=open(os.devnull, "w"))
else:
    logging.basicConfig(level=logging.WARNING)
if setting == "otel":
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class Drop(SpanExporter):
        def export(self, spans):
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Drop()))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
folder = tempfile.mkdtemp()
db = cwdb.connect(os.path.join(folder, "bench.db"), **options)
"""
    + ROWS
    + r"""find, read = db.tasks.find_by_id, db.log_chunks.find_by_agent_ids
assert len(read(ids)) == 1000

def per_call(call, arg, n):
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter_ns()
        for _ in range(n):
            call(arg)
        best = min(best, (time.perf_counter_ns() - start) / n / 1000)
    return best

per_call(find, task.id, reps // 10)
w2 = per_call(find, task.id, reps)
print(json.dumps({"W2": w2, "W6": per_call(read, ids, max(1, reps // 200))}))
"""
)


def run(build: Path, setting: str, reps: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(build)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, setting, str(reps)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tempfile.gettempdir(),
    )
    if done.returncode:
        sys.exit(f"{build} ({setting}) failed:\n{done.stderr}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main(argv: list[str]) -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    arguments.add_argument("--baseline", type=Path, required=True, help="a checkout to compare to")
    arguments.add_argument("--rounds", type=int, default=7)
    arguments.add_argument("--quick", action="store_true", help="2 rounds of small counts")
    args = arguments.parse_args(argv)
    rounds, reps = (2, 2000) if args.quick else (args.rounds, 20000)
    best: dict[tuple[str, str], dict[str, float]] = {}
    for _ in range(rounds):
        for key in [("baseline", "default"), *(("this", s) for s in SETTINGS)]:
            build = args.baseline if key[0] == "baseline" else ROOT
            got = run(build, key[1], reps)
            seen = best.setdefault(key, got)
            for work, value in got.items():
                seen[work] = min(seen[work], value)
    base = best[("baseline", "default")]
    print(f"best of {rounds} rounds; µs per call; ratio = this / baseline (budget 1.03 at default)")
    print(f"{'':18} {'W2 µs':>8} {'W2 ratio':>9} {'W6 µs':>9} {'W6 ratio':>9}")
    print(f"{'baseline':18} {base['W2']:8.2f} {'':>9} {base['W6']:9.1f}")
    for setting in SETTINGS:
        got = best[("this", setting)]
        print(
            f"{setting:18} {got['W2']:8.2f} {got['W2'] / base['W2']:9.3f} "
            f"{got['W6']:9.1f} {got['W6'] / base['W6']:9.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
