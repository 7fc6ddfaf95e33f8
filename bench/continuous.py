"""Continuous training: the run after a new span lands, against a from-scratch run.

    python bench/continuous.py [--window 4] [--train-steps 100] [--scale K]

On the four yearly taxi spans (pipelines/taxi_continuous/spans) with a rolling window
of 4: spans 1-3 land and run one by one (not timed); then span 4 lands and the run
that follows is timed: it ingests and describes span 4 alone and analyses the window
with TFT's analyzer cache. The from-scratch run reads the same four spans as one input
folder on a fresh root with --no-cache: every node does all of its work. The script
prints both wall times, their ratio (goal <= 0.6), and each node's time in both runs,
so what the incremental run still spends is visible node by node.

``--scale K`` repeats every data row of every span K times (in a temporary copy) to
show how the ratio moves as the data grows against the fixed cost of each node
(starting Beam, loading TensorFlow graphs and models).
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import measure  # noqa: E402

CONTINUOUS = HERE.parent / "pipelines" / "taxi_continuous"
PIPELINE = CONTINUOUS / "pipeline.py"


def run(root: Path, landing: Path, *params: str, no_cache: bool = False):
    command = [sys.executable, "-m", "tfpipe.cli", "run", str(PIPELINE),
               "-p", f"pipeline_root={root}", "-p", f"data_root={landing}"]
    for param in params:
        command += ["-p", param]
    result = measure(command + (["--no-cache"] if no_cache else []))
    if result.returncode != 0:
        sys.exit(result.output)
    return result


def node_times(output: str) -> dict[str, float]:
    """Each node's time from the progress lines ("✔ Transform  finished in 25.1s")."""
    times = {}
    for m in re.finditer(r"[✔↺] (\w+)\s+(?:finished|reused from cache) in (\S+?)s\b", output):
        minutes, _, seconds = m.group(2).rpartition("m")
        times[m.group(1)] = float(minutes or 0) * 60 + float(seconds or 0)
    return times


def scaled_spans(work: Path, scale: int) -> Path:
    """The spans, or a copy with each data row repeated ``scale`` times."""
    source = CONTINUOUS / "spans"
    if scale == 1:
        return source
    target = work / f"spans-x{scale}"
    for span in sorted(source.iterdir()):
        lines = (span / "data.csv").read_text().splitlines(keepends=True)
        (target / span.name).mkdir(parents=True)
        (target / span.name / "data.csv").write_text(lines[0] + "".join(lines[1:]) * scale)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=4)
    parser.add_argument("--train-steps", type=int, default=100)
    parser.add_argument("--scale", type=int, default=1, help="repeat each row K times")
    args = parser.parse_args()
    params = [f"window={args.window}", f"train_steps={args.train_steps}"]
    work = Path(tempfile.mkdtemp(prefix="bench-continuous-"))
    landing = work / "landing"
    spans = scaled_spans(work, args.scale)
    for span in (1, 2, 3):
        shutil.copytree(spans / f"span-{span}", landing / f"span-{span}")
        run(work / "root", landing, *params)
        print(f"span {span} landed and ran", flush=True)
    shutil.copytree(spans / "span-4", landing / "span-4")
    incremental = run(work / "root", landing, *params)
    scratch = run(work / "scratch", landing, *params, "input_pattern=span-*/*.csv",
                  no_cache=True)
    shutil.rmtree(work, ignore_errors=True)
    new, old = node_times(incremental.output), node_times(scratch.output)
    print(f"\n{'node':28} {'after span 4':>13} {'from scratch':>13}")
    for node in old:
        print(f"{node:28} {new.get(node, 0):12.1f}s {old[node]:12.1f}s")
    print(f"\nrun after span 4 landed (spans 1-3 ingested): {incremental.seconds:.1f}s; "
          f"from scratch, same four spans, --no-cache: {scratch.seconds:.1f}s; "
          f"ratio {incremental.seconds / scratch.seconds:.2f} (goal <= 0.6; rows x{args.scale})")


if __name__ == "__main__":
    main()
