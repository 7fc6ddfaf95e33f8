"""Beyond one machine: the data half of the taxi pipeline (ExampleGen, StatisticsGen,
SchemaGen, ExampleValidator, Transform) on generated rows, on the DirectRunner, on its
multi-processing mode, and on a local Dask cluster of 1, 2 and 4 worker processes
(`tfpipe run --beam dask --dask-workers N`).

    python bench/dask_runner.py                       # 1M rows, every mode
    python bench/dask_runner.py --rows 100000 --modes direct "dask 2"

Prints for each mode the wall time of the whole ``tfpipe run`` (process start, and the
cluster's start, included), rows per second, the peak memory of the whole process tree
(the Dask workers are the run's children, so included) and its ratio to the
DirectRunner's; then the table by node of ``bench/scale.py``: its time, peak memory,
cores busy on average (in the tree and in the run's own process, where Beam's graph
and TFT's tracing are built) and the seconds with at most one core busy, which is what
a second host could not shorten either.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import measure  # noqa: E402
from scale import PIPELINE, Run, data_for, print_nodes  # noqa: E402

MODES = {
    "direct": ["--beam", "direct"],
    "multiprocessing 2": ["--beam", "multiprocessing", "--dask-workers", "2"],
    "dask 1": ["--beam", "dask", "--dask-workers", "1"],
    "dask 2": ["--beam", "dask", "--dask-workers", "2"],
    "dask 4": ["--beam", "dask", "--dask-workers", "4"],
}


def run(rows: int, mode: str) -> Run:
    root = Path(tempfile.mkdtemp(prefix=f"dask-{rows}-"))
    command = [sys.executable, "-m", "tfpipe.cli", "run", str(PIPELINE), "--no-cache",
               "--to-node", "Transform", "--to-node", "ExampleValidator",
               "-p", f"data_root={data_for(rows)}", "-p", f"pipeline_root={root}",
               *MODES[mode]]
    try:
        result = measure(command)
        if result.returncode != 0:
            sys.exit(f"{rows} rows, {mode}: failed\n{result.output}")
        return Run(rows, mode, result, result.nodes(), {})
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    args = parser.parse_args()
    print(f"{'rows':>10} {'mode':>18} {'seconds':>8} {'rows/s':>9} {'peak GiB':>9} "
          f"{'vs direct':>9} {'GiB vs direct':>13}")
    runs = {}
    for mode in args.modes:
        runs[mode] = run_ = run(args.rows, mode)
        base = runs.get("direct")
        result = run_.result
        print(f"{args.rows:>10,} {mode:>18} {result.seconds:>8.1f} {run_.rows_per_second:>9,.0f}"
              f" {result.peak_gib:>9.2f}"
              + (f" {result.seconds / base.result.seconds:>9.2f}"
                 f" {result.peak_bytes / base.result.peak_bytes:>13.2f}" if base else ""),
              flush=True)
        print_nodes(run_)


if __name__ == "__main__":
    main()
