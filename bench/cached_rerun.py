"""A fully cached re-run of the unchanged taxi pipeline, timed as a whole process.

    python bench/cached_rerun.py [--repeat 3]

Runs the pipeline once into a fresh root (not timed), then re-runs it unchanged and
prints each re-run's wall time, process start included (goal: at most 3 seconds).
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

PIPELINE = HERE.parent / "pipelines" / "taxi" / "pipeline.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="cached-"))
    command = [sys.executable, "-m", "tfpipe.cli", "run", str(PIPELINE),
               "-p", f"pipeline_root={root}"]
    first = measure(command)
    if first.returncode != 0:
        sys.exit(first.output)
    print(f"first run: {first.seconds:.1f}s")
    for i in range(args.repeat):
        again = measure(command)
        cached = again.output.count("reused from cache")
        ran = again.output.count("finished in") - 1  # minus the pipeline's own summary line
        print(f"cached re-run {i + 1}: {again.seconds:.2f}s ({cached} nodes reused, {ran} ran)")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
