"""Scale: the data half of the taxi pipeline (ExampleGen, StatisticsGen, SchemaGen,
ExampleValidator, Transform) on 100k and 1M generated rows.

    python bench/scale.py                 # 100k and 1M, in-process and 2 workers
    python bench/scale.py --rows 100000   # one size only

Prints wall time, rows per second, time per row and the peak memory of the whole
process tree (Beam workers included) for each run, then the ratios the goals are about:
time per row at 1M over 100k, and the 1M run on one worker over two.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_taxi import generate  # noqa: E402
from measure import measure  # noqa: E402

PIPELINE = HERE.parent / "pipelines" / "taxi" / "pipeline.py"
MODES = {
    "1 worker": [],
    "2 workers": ["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
}


def data_for(rows: int) -> Path:
    folder = HERE / "_data" / f"taxi_{rows}"
    if not (folder / "data.csv").exists():
        generate(rows, folder)
    return folder


def run(rows: int, mode: str):
    root = Path(tempfile.mkdtemp(prefix=f"scale-{rows}-"))
    command = [sys.executable, "-m", "tfpipe.cli", "run", str(PIPELINE), "--no-cache",
               "--to-node", "Transform", "--to-node", "ExampleValidator",
               "-p", f"data_root={data_for(rows)}", "-p", f"pipeline_root={root}",
               "-p", f"beam_pipeline_args={json.dumps(MODES[mode])}"]
    result = measure(command)
    shutil.rmtree(root, ignore_errors=True)
    if result.returncode != 0:
        sys.exit(f"{rows} rows, {mode}: failed\n{result.output}")
    nodes = [line.strip() for line in result.output.splitlines() if "finished in" in line]
    return result, nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append",
                        help="row counts to run (default: 100000 and 1000000)")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000]
    table = {}
    print(f"{'rows':>10} {'mode':>10} {'seconds':>9} {'rows/s':>9} {'µs/row':>8} "
          f"{'peak GiB':>9}")
    for rows in sizes:
        for mode in args.modes:
            result, nodes = run(rows, mode)
            table[rows, mode] = result.seconds
            print(f"{rows:>10,} {mode:>10} {result.seconds:>9.1f} {rows / result.seconds:>9,.0f}"
                  f" {result.seconds / rows * 1e6:>8.1f} {result.peak_gib:>9.2f}", flush=True)
            for line in nodes:
                print(f"{'':>22}{line}")
    small, large = min(sizes), max(sizes)
    for mode in args.modes:
        if small != large:
            ratio = (table[large, mode] / large) / (table[small, mode] / small)
            print(f"time per row, {large:,} over {small:,} rows ({mode}): {ratio:.2f} "
                  "(goal: at most 1.10)")
    if len(args.modes) == 2:
        print(f"speed-up of 2 workers over 1 at {large:,} rows: "
              f"{table[large, '1 worker'] / table[large, '2 workers']:.2f} (goal: at least 1.6)")


if __name__ == "__main__":
    main()
