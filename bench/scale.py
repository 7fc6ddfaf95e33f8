"""Scale: the data half of the taxi pipeline (ExampleGen, StatisticsGen, SchemaGen,
ExampleValidator, Transform) on 100k and 1M generated rows, node by node against the
libraries' own floor.

    python bench/scale.py                                  # 100k and 1M, 1 and 2 workers
    python bench/scale.py --rows 100000                    # one size only
    python bench/scale.py --rows 10000000 --modes "1 worker"
    python bench/scale.py --no-floors                      # without the floors

Prints for each run the wall time of the whole ``tfpipe run`` (process start included),
rows per second, time per row, the peak memory of the whole process tree (Beam workers
included) and the sum of the node times, then a table by node: its own time, rows/s
and peak memory while it ran; the cores busy on average while it ran, in the whole
process tree and in the run's own process; the seconds during which at most one core
was busy (in a two-worker run, the part a second worker did not shorten); and, for each
size's one-worker run, its floor (``bench/floor.py``: the same library work alone on the
same data, as its own process) with the ratio node/floor. Then the ratios and the done-when checks of issue 17, with their goals.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_taxi import generate  # noqa: E402
from measure import Measurement, NodeSpan, measure  # noqa: E402

PIPELINE = HERE.parent / "pipelines" / "taxi" / "pipeline.py"
MODES = {
    "1 worker": [],
    "2 workers": ["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
}
ONE = "1 worker"
MILLION = 1_000_000


@dataclass
class Floor:
    seconds: float  # the library work alone, as bench/floor.py timed it
    peak_bytes: int  # of the floor's whole process

    @property
    def peak_gib(self) -> float:
        return self.peak_bytes / 2**30


@dataclass
class Run:
    rows: int
    mode: str
    result: Measurement
    nodes: list[NodeSpan]
    floors: dict[str, Floor]

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.result.seconds


def data_for(rows: int) -> Path:
    folder = HERE / "_data" / f"taxi_{rows}"
    if not (folder / "data.csv").exists():
        generate(rows, folder)
    return folder


def _output(root: Path, node: str, name: str) -> str:
    """The folder of a node's output in a pipeline root run once:
    ``<root>/<node>/<output>/<execution id>``."""
    found = sorted((root / node / name).iterdir(), key=lambda p: int(p.name))
    return str(found[-1])


def measure_floors(root: Path, rows: int) -> dict[str, Floor]:
    """Run bench/floor.py for every data node on the data the run read and wrote."""
    examples = _output(root, "CsvExampleGen", "examples")
    statistics = _output(root, "StatisticsGen", "statistics")
    schema = _output(root, "SchemaGen", "schema")
    inputs = {
        "CsvExampleGen": ["--csv", str(data_for(rows) / "data.csv")],
        "StatisticsGen": ["--examples", examples],
        "SchemaGen": ["--statistics", statistics],
        "ExampleValidator": ["--statistics", statistics, "--schema", schema],
        "Transform": ["--examples", examples, "--schema", schema],
    }
    found = {}
    for node, args in inputs.items():
        result = measure([sys.executable, str(HERE / "floor.py"), "--node", node, *args,
                          "--output", str(root / "floors" / node)])
        timed = re.search(r"floor seconds: ([\d.]+)", result.output)
        if result.returncode != 0 or not timed:
            sys.exit(f"the {node} floor failed\n{result.output}")
        found[node] = Floor(float(timed[1]), result.peak_bytes)
    return found


def run(rows: int, mode: str, with_floors: bool) -> Run:
    root = Path(tempfile.mkdtemp(prefix=f"scale-{rows}-"))
    command = [sys.executable, "-m", "tfpipe.cli", "run", str(PIPELINE), "--no-cache",
               "--to-node", "Transform", "--to-node", "ExampleValidator",
               "-p", f"data_root={data_for(rows)}", "-p", f"pipeline_root={root}",
               "-p", f"beam_pipeline_args={json.dumps(MODES[mode])}"]
    try:
        result = measure(command)
        if result.returncode != 0:
            sys.exit(f"{rows} rows, {mode}: failed\n{result.output}")
        return Run(rows, mode, result, result.nodes(),
                   measure_floors(root, rows) if with_floors and mode == ONE else {})
    finally:
        shutil.rmtree(root, ignore_errors=True)


def print_run(run_: Run) -> None:
    result = run_.result
    node_sum = sum(span.seconds for span in run_.nodes)
    print(f"{run_.rows:>10,} {run_.mode:>10} {result.seconds:>9.1f} {run_.rows_per_second:>9,.0f}"
          f" {result.seconds / run_.rows * 1e6:>8.1f} {result.peak_gib:>9.2f} {node_sum:>10.1f}",
          flush=True)
    for line in result.output.splitlines():
        if "finished in" in line:
            print(f"{'':>22}{line.strip()}")


def print_nodes(run_: Run) -> None:
    """The table by node: time, rate, peak memory, cores busy on average (in all, and in
    the run's own process), the seconds during which at most one core was busy (what a
    second worker cannot shorten), and the floors if they ran."""
    print(f"{'':>4}{'node':<17} {'seconds':>8} {'rows/s':>10} {'peak GiB':>9} {'cores':>6}"
          f" {'in run':>6} {'≤1 core s':>9}"
          + (f" {'floor s':>8} {'floor GiB':>9} {'node/floor':>10}" if run_.floors else ""))
    for span in run_.nodes:
        line = f"{'':>4}{span.node:<17} {span.seconds:>8.1f} {_rate(run_.rows, span.seconds):>10}" \
               f" {span.peak_gib:>9.2f} {span.cores:>6.2f} {span.run_cores:>6.2f}" \
               f" {span.one_core_seconds:>9.1f}"
        floor = run_.floors.get(span.node)
        if floor:
            line += f" {floor.seconds:>8.3f} {floor.peak_gib:>9.2f} " \
                    f"{_ratio(span.seconds, floor.seconds):>10}"
        if span.overlaps:
            line += f"  (ran alongside {', '.join(span.overlaps)}: its peak is theirs too)"
        print(line, flush=True)


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def _ratio(node: float, floor: float) -> str:
    return f"{node / floor:.2f}" if node > 0 and floor > 0 else "-"


def _check(what: str, shown: str, goal: str, met: bool) -> None:
    print(f"  {'✔' if met else '✘'} {what}: {shown} (goal {goal})")


def print_checks(runs: dict[tuple[int, str], Run]) -> None:
    """Issue 17's done-when checks, at 1M rows (else the largest size that ran)."""
    sizes = sorted({rows for rows, _ in runs})
    size = MILLION if MILLION in sizes else sizes[-1]
    one, two = runs.get((size, ONE)), runs.get((size, "2 workers"))
    print("done when (issue 17):")
    if one:
        _check(f"data half, {size:,} rows, 1 worker", f"{one.rows_per_second:,.0f} rows/s",
               "≥ 15,000", one.rows_per_second >= 15_000)
    if one and two:
        speedup = one.result.seconds / two.result.seconds
        _check(f"2 workers over 1 at {size:,} rows", f"{speedup:.2f}", "≥ 1.6", speedup >= 1.6)
    if one:
        _check(f"peak RSS 1 worker, {size:,} rows", f"{one.result.peak_gib:.2f} GiB", "≤ 1.5",
               one.result.peak_gib <= 1.5)
        for span in one.nodes:
            floor = one.floors.get(span.node)
            if floor and not span.seconds:
                print(f"  – {span.node}/floor: no ratio, the node took under 0.05 s "
                      "(tfpipe prints its time to 0.1 s)")
            elif floor and floor.seconds > 0:
                ratio = span.seconds / floor.seconds
                _check(f"{span.node}/floor", f"{ratio:.2f} ({span.seconds:.1f} s over "
                       f"{floor.seconds:.3f} s)", "≤ 1.5", ratio <= 1.5)
    largest = sizes[-1]
    for mode in MODES:
        if largest > MILLION and (MILLION, mode) in runs and (largest, mode) in runs:
            ratio = runs[largest, mode].result.peak_bytes / runs[MILLION, mode].result.peak_bytes
            _check(f"peak RSS, {largest:,} over {MILLION:,} rows ({mode})", f"{ratio:.2f}",
                   "≤ 1.10", ratio <= 1.10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append",
                        help="row counts to run (default: 100000 and 1000000)")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    parser.add_argument("--no-floors", action="store_true",
                        help="skip the floors (bench/floor.py) of the one-worker runs")
    args = parser.parse_args()
    sizes = sorted(args.rows or [100_000, MILLION])
    runs: dict[tuple[int, str], Run] = {}
    print(f"{'rows':>10} {'mode':>10} {'seconds':>9} {'rows/s':>9} {'µs/row':>8} "
          f"{'peak GiB':>9} {'node sum':>10}")
    for rows in sizes:
        for mode in args.modes:
            runs[rows, mode] = run_ = run(rows, mode, not args.no_floors)
            print_run(run_)
            print_nodes(run_)
    small, large = sizes[0], sizes[-1]
    for mode in args.modes:
        if small != large:
            ratio = (runs[large, mode].result.seconds / large) / \
                (runs[small, mode].result.seconds / small)
            print(f"time per row, {large:,} over {small:,} rows ({mode}): {ratio:.2f} "
                  "(goal: at most 1.10)")
    if len(args.modes) == 2:
        print(f"speed-up of 2 workers over 1 at {large:,} rows: "
              f"{runs[large, ONE].result.seconds / runs[large, '2 workers'].result.seconds:.2f}"
              " (goal: at least 1.6)")
    print_checks(runs)


if __name__ == "__main__":
    main()
