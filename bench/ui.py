"""How fast ``tfpipe ui`` and ``tfpipe.Client`` answer over a store with many runs.

Fills a SQLite store with N runs of the penguin pipeline's shape (nine nodes, their
artifacts and events, written through tfpipe's own MLMD layer: no data is read, no
model trained), starts ``tfpipe ui`` on it and times the runs list and a run page
(median and p95 of R requests each), and the client's ``runs()``.

    python bench/ui.py --runs 1000 --requests 50

Goals (issue 16): p95 under 200 ms for both pages, ``runs()`` under 100 ms.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# node: (component, {input: (upstream node, its output)}, {output: artifact type})
PENGUIN = [
    ("CsvExampleGen", "CsvExampleGen", {}, {"examples": "Examples"}),
    ("StatisticsGen", "StatisticsGen", {"examples": ("CsvExampleGen", "examples")},
     {"statistics": "ExampleStatistics"}),
    ("SchemaGen", "SchemaGen", {"statistics": ("StatisticsGen", "statistics")},
     {"schema": "Schema"}),
    ("ExampleValidator", "ExampleValidator", {"statistics": ("StatisticsGen", "statistics"),
                                              "schema": ("SchemaGen", "schema")},
     {"anomalies": "ExampleAnomalies"}),
    ("Transform", "Transform", {"examples": ("CsvExampleGen", "examples"),
                                "schema": ("SchemaGen", "schema")},
     {"transform_graph": "TransformGraph", "transformed_examples": "Examples"}),
    ("Trainer", "Trainer", {"examples": ("Transform", "transformed_examples"),
                            "schema": ("SchemaGen", "schema"),
                            "transform_graph": ("Transform", "transform_graph")},
     {"model": "Model", "model_run": "ModelRun"}),
    ("LatestBlessedModelResolver", "Resolver", {}, {"model": "Model"}),
    ("Evaluator", "Evaluator", {"examples": ("CsvExampleGen", "examples"),
                                "model": ("Trainer", "model")},
     {"evaluation": "ModelEvaluation", "blessing": "ModelBlessing"}),
    ("Pusher", "Pusher", {"model": ("Trainer", "model"),
                          "model_blessing": ("Evaluator", "blessing")},
     {"pushed_model": "PushedModel"}),
]


def fill_store(target: str, runs: int, pipeline: str = "penguin",
               parameters: dict | None = None, root: str = "/nonexistent/root",
               last_fails: tuple[str, str] | None = None) -> list[str]:
    """Record ``runs`` complete runs of the penguin pipeline's shape in the store at
    ``target`` (every node with ``parameters``), each with the summary a finished local
    run writes; returns their run ids, oldest first.
    The artifacts' URIs lie under ``root`` and hold no files. With ``last_fails`` =
    (node, error), the last run fails at that node with that error, as a run does."""
    import json

    from tfpipe.artifacts.base import recorded_artifact_class
    from tfpipe.metadata import contexts, executions, runs as runs_io
    from tfpipe.metadata.store import connect

    store = connect(target)
    run_ids = []
    for number in range(runs):
        run_id = f"20260101T{number:06d}-bench"
        made: dict[tuple[str, str], object] = {}
        for node, component, inputs, outputs in PENGUIN:
            ctxs = contexts.for_node(store, pipeline, run_id, node)
            props = {"node_id": node, "pipeline": pipeline, "run_id": run_id,
                     "cache_key": f"{node}-{number}",
                     "cache_parts": json.dumps({"parameters": str(number)}),
                     "parameters": json.dumps(parameters or {}, sort_keys=True)}
            execution = executions.register(store, component, ctxs,
                                             {k: [made[v]] for k, v in inputs.items()}, props)
            fresh = {name: recorded_artifact_class(t)(f"{root}/{node}/{name}/{execution.id}")
                     for name, t in outputs.items()}
            executions.declare_outputs(store, execution, ctxs, fresh)
            if last_fails and last_fails[0] == node and number == runs - 1:
                executions.fail(store, execution, ctxs, fresh, last_fails[1])
                break
            executions.publish(store, execution, ctxs, fresh, {})
            made.update({(node, name): a for name, a in fresh.items()})
        runs_io.record_summary(store, run_id)  # as a finished local run does
        run_ids.append(run_id)
    return run_ids


def _times(url: str, count: int) -> tuple[float, float]:
    found = []
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as reply:
            reply.read()
        found.append((time.perf_counter() - started) * 1000)
    found.sort()
    return statistics.median(found), found[max(0, round(0.95 * len(found)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--store", metavar="PATH", help="keep the filled store here (and "
                        "reuse it when it exists: filling 1,000 runs takes minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        target = args.store or str(Path(tmp) / "metadata.sqlite")
        from tfpipe import Client

        if not Path(target).exists():
            started = time.perf_counter()
            fill_store(target, args.runs)
            print(f"filled {args.runs} runs in {time.perf_counter() - started:.1f}s")
        client = Client(target)
        run_ids = [r.run_id for r in client.runs()]
        print(f"{len(run_ids)} runs of {', '.join(client.pipelines())} in {client.label}")
        client.runs()  # warm
        timings = []
        for _ in range(10):
            started = time.perf_counter()
            client.runs()
            timings.append((time.perf_counter() - started) * 1000)
        print(f"Client.runs() (all {len(run_ids)}, from their summaries): median "
              f"{statistics.median(timings):.0f} ms")
        timings = []
        for _ in range(10):
            started = time.perf_counter()
            client.runs(limit=25)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"Client.runs(limit=25) (the newest page): median "
              f"{statistics.median(timings):.0f} ms")
        server = subprocess.Popen([sys.executable, "-m", "tfpipe.cli", "ui", "--metadata",
                                   target, "--port", "0"], cwd=REPO, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        try:
            url = re.search(r"at (http://\S+/)", server.stdout.readline()).group(1)
            middle = run_ids[len(run_ids) // 2]
            for name, path in (("runs list", ""), ("run page", f"runs/{middle}")):
                median, p95 = _times(url + path, args.requests)
                print(f"{name}: median {median:.0f} ms, p95 {p95:.0f} ms "
                      f"({args.requests} requests)")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
