"""A small pipeline, this checkout against an older revision: the full 15,000-row taxi
pipeline (``--no-cache``, all 9 nodes) run by this checkout's tfpipe and by the tfpipe
of ``--ref`` (default: 436fb68^, main before issue 17's work), alternating.

    python bench/small_pipeline.py [--ref REV] [--rounds 2]

The older tfpipe is exported with ``git archive`` into a temporary folder and run from
there (its own pipeline and module files); both run in this machine's environment.
Prints every node's median time for both, and the ratio of the whole runs' medians
(process start included; issue 17's goal: at most 0.60).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from measure import measure  # noqa: E402

DEFAULT_REF = "436fb68^"
FINISHED = re.compile(r"✔ (\S+)\s+finished in (?:(\d+)m)?([\d.]+)s")


def export(ref: str, folder: Path) -> Path:
    """The tfpipe of ``ref``, as files in ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True,
                             capture_output=True).stdout
    folder.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def node_times(output: str) -> dict[str, float]:
    """Seconds per node from ``tfpipe run``'s "✔ Node  finished in ..." lines."""
    return {m[1]: int(m[2] or 0) * 60 + float(m[3]) for m in FINISHED.finditer(output)
            if m[1] != "pipeline"}


def timed(checkout: Path, root: Path) -> tuple[float, dict[str, float]]:
    command = [sys.executable, "-m", "tfpipe.cli", "run",
               str(checkout / "pipelines" / "taxi" / "pipeline.py"), "--no-cache",
               "-p", f"pipeline_root={root}"]
    env_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(checkout)
    try:
        result = measure(command, cwd=str(checkout))
    finally:
        if env_path is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = env_path
    shutil.rmtree(root, ignore_errors=True)
    if result.returncode != 0:
        sys.exit(f"the run from {checkout} failed:\n{result.output}")
    return result.seconds, node_times(result.output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default=DEFAULT_REF,
                        help=f"the git revision to compare with (default {DEFAULT_REF})")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="small-pipeline-"))
    checkouts = {"this": ROOT, args.ref: export(args.ref, work / "ref")}
    walls: dict[str, list[float]] = defaultdict(list)
    nodes: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for i in range(args.rounds):
        order = list(checkouts) if i % 2 == 0 else list(reversed(checkouts))
        for name in order:
            seconds, per_node = timed(checkouts[name], work / f"root-{i}-{len(walls[name])}")
            walls[name].append(seconds)
            for node, s in per_node.items():
                nodes[name][node].append(s)
            print(f"round {i + 1}/{args.rounds} {name:>12}: {seconds:6.1f}s", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    old, new = args.ref, "this"
    print(f"\n{'node':<28}{old:>12}{new:>12}{'ratio':>8}")
    for node in nodes[old]:
        before, after = (statistics.median(nodes[k][node]) for k in (old, new))
        ratio = f"{after / before:8.2f}" if before >= 0.1 else f"{'-':>8}"
        print(f"{node:<28}{before:12.1f}{after:12.1f}{ratio}")
    before, after = statistics.median(walls[old]), statistics.median(walls[new])
    print(f"{'whole run (process start in)':<28}{before:12.1f}{after:12.1f}{after / before:8.2f}")
    print(f"15,000-row taxi pipeline, this over {old}: {after / before:.2f} (goal: at most 0.60)")


if __name__ == "__main__":
    main()
