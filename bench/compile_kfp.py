"""Wall time of `tfpipe compile` to Kubeflow YAML, as a user waits for it: a fresh
process each time, interpreter start included (not a test; run it by hand).

    .venv/bin/python bench/compile_kfp.py [--repeat 5] [pipelines/taxi/pipeline.py ...]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT = [REPO / "pipelines" / "taxi" / "pipeline.py", REPO / "pipelines" / "penguin" /
           "pipeline.py"]


def time_compile(pipeline: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tfpipe.cli", "compile", str(pipeline), "-o", str(out)],
                   check=True, cwd=REPO, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pipelines", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pipeline.yaml"
        time_compile(args.pipelines[0], out)  # warm the file cache and .pyc files
        for pipeline in args.pipelines:
            times = [time_compile(pipeline, out) for _ in range(args.repeat)]
            print(f"tfpipe compile {pipeline.relative_to(REPO)}: median "
                  f"{statistics.median(times):.3f}s, min {min(times):.3f}s, max "
                  f"{max(times):.3f}s over {args.repeat} runs (process start included; "
                  f"{out.stat().st_size} bytes of YAML)")


if __name__ == "__main__":
    main()
