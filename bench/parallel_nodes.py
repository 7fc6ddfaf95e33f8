"""Independent nodes at the same time: a pipeline with one node at a time (-j 1)
against two (-j 2, the default), on fresh roots, alternating.

    python bench/parallel_nodes.py [--repeat 2] [--rows N] [--pipeline taxi|two-branches]

In the taxi pipeline ExampleValidator and Transform are independent, but
ExampleValidator takes a tenth of a second, so there is little to gain. The
``two-branches`` pipeline (bench/taxi_two_branches.py, the default here) adds
statistics of the transformed data, which run while the Trainer trains. The script
prints each run's wall time, the nodes that overlapped, and the ratio of the medians.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_taxi import generate  # noqa: E402
from measure import measure  # noqa: E402

PIPELINES = {"taxi": HERE.parent / "pipelines" / "taxi" / "pipeline.py",
             "two-branches": HERE / "taxi_two_branches.py"}


def overlapping(output: str) -> list[str]:
    """Pairs of nodes that were running at the same time, from the progress lines."""
    running: set[str] = set()
    pairs = []
    for line in output.splitlines():
        if m := re.search(r"▶ (\w+)", line):
            pairs += [f"{other} ‖ {m.group(1)}" for other in sorted(running)]
            running.add(m.group(1))
        elif m := re.search(r"[✔✘↺] (\w+)  ", line):
            running.discard(m.group(1))
    return pairs


def timed(pipeline: Path, jobs: int, data: Path | None) -> tuple[float, list[str]]:
    root = Path(tempfile.mkdtemp(prefix=f"parallel-j{jobs}-"))
    command = [sys.executable, "-m", "tfpipe.cli", "run", str(pipeline), "--no-cache",
               "-j", str(jobs), "-p", f"pipeline_root={root}"]
    if data:
        command += ["-p", f"data_root={data}"]
    result = measure(command)
    shutil.rmtree(root, ignore_errors=True)
    if result.returncode != 0:
        sys.exit(result.output)
    return result.seconds, overlapping(result.output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--pipeline", choices=list(PIPELINES), default="two-branches")
    parser.add_argument("--rows", type=int, default=0,
                        help="generated taxi rows instead of the 15,000 real ones")
    args = parser.parse_args()
    data = None
    if args.rows:
        data = HERE / "_data" / f"taxi_{args.rows}"
        if not (data / "data.csv").exists():
            generate(args.rows, data)
    times: dict[int, list[float]] = {1: [], 2: []}
    for i in range(args.repeat):
        for jobs in (1, 2) if i % 2 == 0 else (2, 1):
            seconds, pairs = timed(PIPELINES[args.pipeline], jobs, data)
            times[jobs].append(seconds)
            print(f"-j {jobs}: {seconds:6.1f}s  overlapped: {', '.join(pairs) or 'nothing'}",
                  flush=True)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"{args.pipeline}: one node at a time {one:.1f}s, independent nodes together "
          f"{two:.1f}s, speed-up {one / two:.2f}")


if __name__ == "__main__":
    main()
