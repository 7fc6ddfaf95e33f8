"""`tfpipe serve` on the taxi model: throughput and latency over loopback HTTP against the
SavedModel called in-process (the floor), and the latency during a version swap.

    python bench/serve.py [--model PUSHED_VERSION_DIR] [--requests 1200] [--batch-threads 2]

Without --model the taxi pipeline is run once into a temporary root for its pushed model.
Each request is one raw row of pipelines/taxi/data/data.csv (JSON, as a client sends it).
For 1, 8 and 32 concurrent clients (threads, each with a keep-alive connection, a bounded
count of requests each) it prints requests/s and p50/p99 latency, then the same for the
SavedModel's serving signature called in-process by as many threads (one row a call, no
HTTP, no JSON: the floor), and the ratio. Then, under 8 clients, it pushes a second
version (the Pusher's atomic rename) and prints the latency while the server loads, warms
up and switches to it, and how many requests failed (goal: none).
"""
from __future__ import annotations

import argparse
import csv
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from tfpipe.components.pusher import push_atomically  # noqa: E402
from tfpipe.serving.process import ServerProcess  # noqa: E402

TAXI = REPO / "pipelines" / "taxi"
CLIENTS = (1, 8, 32)


def pushed_model(given: str | None) -> Path:
    if given:
        return Path(given)
    import subprocess

    root = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    subprocess.run([sys.executable, "-m", "tfpipe.cli", "run", str(TAXI / "pipeline.py"),
                    "-p", f"pipeline_root={root}"], check=True, capture_output=True)
    return next((root / "serving_model").iterdir())


def raw_rows(model_dir: Path, count: int = 500) -> list[dict]:
    """Rows of the taxi CSV typed as the model's serving signature parses them."""
    from tfpipe.serving.model import ServedModel

    features = {f.name: f for f in ServedModel(str(model_dir), 1).features["serving_default"]}
    cast = {"float": float, "int": lambda v: int(float(v)), "bytes": str}
    rows = []
    with open(TAXI / "data" / "data.csv") as f:
        for record in csv.DictReader(f):
            rows.append({k: cast[features[k].kind](v) for k, v in record.items()
                         if k in features and v != ""})
            if len(rows) == count:
                break
    return rows


def percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000)


def run_clients(clients: int, per_client: int, work) -> tuple[float, list[float], int]:
    """``clients`` threads each calling ``work(i)`` ``per_client`` times: (requests/s,
    latencies, failures)."""
    latencies: list[float] = []
    failures = [0]

    def client(k: int) -> None:
        call = work()
        for i in range(per_client):
            started = time.perf_counter()
            ok = call(k * per_client + i)
            latencies.append(time.perf_counter() - started)
            failures[0] += not ok

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - started), latencies, failures[0]


def http_work(url: str, rows: list[dict], versions: list | None = None):
    parts = urlsplit(url)
    bodies = [json.dumps({"instances": [r]}).encode() for r in rows]

    def make():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

        def call(i: int) -> bool:
            connection.request("POST", parts.path + ":predict", bodies[i % len(bodies)],
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            if versions is not None:
                versions.append((time.perf_counter(), answer.getheader("X-Model-Version")))
            return answer.status == 200
        return call
    return make


def in_process_work(model_dir: Path, rows: list[dict]):
    import tensorflow as tf

    from tfpipe.serving.model import ServedModel, row_to_example

    model = ServedModel(str(model_dir), 1)
    features = model.features["serving_default"]
    examples = [tf.constant([row_to_example(features, r)]) for r in rows]
    fn = model.signatures["serving_default"]

    def make():
        def call(i: int) -> bool:
            fn(examples=examples[i % len(examples)])
            return True
        return call
    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a pushed taxi model version folder")
    parser.add_argument("--batch-threads", default="2", help="tfpipe serve --batch-threads")
    parser.add_argument("--requests", type=int, default=1200,
                        help="requests per level of concurrency (split between clients)")
    args = parser.parse_args()
    model = pushed_model(args.model)
    rows = raw_rows(model)
    destination = Path(tempfile.mkdtemp(prefix="bench-serve-dest-"))
    push_atomically(str(model), str(destination))
    figures = {}
    with ServerProcess(str(destination), "--model-name", "taxi", "--poll-seconds", "0.5",
                       "--batch-threads", args.batch_threads) as url:
        work = http_work(url, rows)
        run_clients(4, 25, work)  # warm the connections and the server
        for clients in CLIENTS:
            rate, latencies, failed = run_clients(clients, max(1, args.requests // clients),
                                                  work)
            figures[("serve", clients)] = (rate, *percentiles(latencies), failed)
        versions: list = []
        swap = {}

        def push() -> None:
            time.sleep(1)
            swap["pushed"] = time.perf_counter()
            swap["version"] = str(push_atomically(str(model), str(destination)))

        pusher = threading.Thread(target=push)
        pusher.start()
        rate, latencies, failed = run_clients(8, 400, http_work(url, rows, versions))
        pusher.join()
        served_new = [t for t, v in versions if v == swap["version"]]
        figures["swap"] = (rate, *percentiles(latencies), failed, max(latencies) * 1000,
                           (served_new[0] - swap["pushed"]) if served_new else None)
    floor = in_process_work(model, rows)
    run_clients(2, 20, floor)
    for clients in CLIENTS:
        rate, latencies, _ = run_clients(clients, max(1, args.requests // clients), floor)
        figures[("floor", clients)] = (rate, *percentiles(latencies), 0)
    print(f"{'clients':>7} {'serve req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'failed':>6}  "
          f"{'in-process req/s':>16} {'p50 ms':>7} {'p99 ms':>7}  {'serve/floor':>11}")
    for clients in CLIENTS:
        s, f = figures[("serve", clients)], figures[("floor", clients)]
        print(f"{clients:>7} {s[0]:>11.0f} {s[1]:>7.2f} {s[2]:>7.2f} {s[3]:>6}  "
              f"{f[0]:>16.0f} {f[1]:>7.2f} {f[2]:>7.2f}  {s[0] / f[0]:>10.0%}")
    rate, p50, p99, failed, worst, after = figures["swap"]
    print(f"during a swap (8 clients, 3200 requests): {rate:.0f} req/s, p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms, max {worst:.1f} ms, {failed} failed; the new version "
          + (f"answered {after:.2f} s after the push" if after is not None
             else "did not answer within the run"))


if __name__ == "__main__":
    main()
