"""The Dask task stream of the data half of the taxi pipeline, by node and by Beam step:
how many tasks each node made, their compute seconds and the seconds spent moving their
inputs between worker processes (Dask's own ``startstops``), on a LocalCluster of N
worker processes that this script starts.

    python bench/dask_tasks.py --workers 1 --rows 200000
    python bench/dask_tasks.py --workers 2 --rows 200000

Compare the two: what grows with the workers is what a second host pays for.
"""
from __future__ import annotations

import argparse
import collections
import logging
import os
import re
import subprocess
import sys
import tempfile
import time

import distributed
from distributed.diagnostics.plugin import SchedulerPlugin

sys.path.append(str(__import__("pathlib").Path(__file__).resolve().parent))
from scale import PIPELINE, data_for  # noqa: E402


class TaskStream(SchedulerPlugin):
    """Each finished task's key and its compute and transfer seconds."""

    name = "tfpipe-bench-task-stream"

    def __init__(self):
        self.tasks: list[tuple[str, float, float]] = []

    def transition(self, key, start, finish, *args, **kwargs):
        if start == "processing" and finish == "memory":
            spans = kwargs.get("startstops") or []
            seconds = {action: sum(s["stop"] - s["start"] for s in spans if s["action"] == action)
                       for action in ("compute", "transfer")}
            name = key[0] if isinstance(key, tuple) else str(key)
            self.tasks.append((re.sub(r"#\d+-\w+$", "", name), seconds["compute"],
                               seconds["transfer"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--steps", type=int, default=15, help="the slowest Beam steps shown")
    args = parser.parse_args()
    # The workers inherit this: TensorFlow's C++ lines and the libraries' warnings stay
    # out of the figures.
    os.environ.update(TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore")
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                  processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        stream = TaskStream()
        cluster.scheduler.add_plugin(stream)
        started = time.time()
        result = subprocess.run(
            [sys.executable, "-m", "tfpipe.cli", "run", str(PIPELINE), "--no-cache",
             "--to-node", "Transform", "-p", f"data_root={data_for(args.rows)}",
             "-p", f"pipeline_root={tempfile.mkdtemp(prefix='dask-tasks-')}",
             "--beam", "dask://" + cluster.scheduler_address.split("://", 1)[1]],
            capture_output=True, text=True)
        wall = time.time() - started
    if result.returncode != 0:
        sys.exit(result.stdout + result.stderr)
    print("\n".join(line for line in result.stdout.splitlines() if "finished in" in line))
    print(f"\n{args.workers} worker(s), {args.rows} rows: {wall:.1f} s, {len(stream.tasks)} tasks")
    for title, key in (("node", lambda label: label.split("/")[0]), ("step", lambda l: l)):
        totals: dict[str, list] = collections.defaultdict(lambda: [0, 0.0, 0.0])
        for label, compute, transfer in stream.tasks:
            total = totals[key(label)]
            total[0] += 1
            total[1] += compute
            total[2] += transfer
        print(f"\n{'tasks':>6} {'compute s':>10} {'transfer s':>11}  {title}")
        ranked = sorted(totals.items(), key=lambda item: -(item[1][1] + item[1][2]))
        for name, (count, compute, transfer) in ranked[:args.steps]:
            print(f"{count:>6} {compute:>10.2f} {transfer:>11.2f}  {name[:110]}")


if __name__ == "__main__":
    main()
