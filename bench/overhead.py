"""Orchestration overhead: the full taxi pipeline with `tfpipe run` against a plain
script making the same library calls in one process (bench/plain_taxi.py).

    python bench/overhead.py [--repeat 2]

Both are timed as whole processes (start-up included), alternating, on fresh output
folders; the ratio of the medians is the overhead (goal: at most 1.10).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import measure  # noqa: E402

PIPELINE = HERE.parent / "pipelines" / "taxi" / "pipeline.py"


def timed(kind: str) -> float:
    root = Path(tempfile.mkdtemp(prefix=f"overhead-{kind}-"))
    if kind == "tfpipe":
        command = [sys.executable, "-m", "tfpipe.cli", "run", str(PIPELINE), "--no-cache",
                   "-p", f"pipeline_root={root}"]
    else:
        command = [sys.executable, str(HERE / "plain_taxi.py"), str(root)]
    result = measure(command)
    shutil.rmtree(root, ignore_errors=True)
    if result.returncode != 0:
        sys.exit(f"{kind} failed:\n{result.output}")
    print(f"  {kind:>6}: {result.seconds:6.1f}s", flush=True)
    return result.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"tfpipe": [], "plain": []}
    for i in range(args.repeat):
        print(f"round {i + 1}/{args.repeat}")
        for kind in ("plain", "tfpipe") if i % 2 else ("tfpipe", "plain"):
            times[kind].append(timed(kind))
    tfpipe_s, plain_s = (statistics.median(times[k]) for k in ("tfpipe", "plain"))
    print(f"taxi pipeline: tfpipe run {tfpipe_s:.1f}s, plain script {plain_s:.1f}s, "
          f"ratio {tfpipe_s / plain_s:.3f} (goal: at most 1.10)")


if __name__ == "__main__":
    main()
