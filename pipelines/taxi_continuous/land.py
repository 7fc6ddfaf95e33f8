"""Land a span in the pipeline's input folder, as a daily (here: yearly) export would.

    python pipelines/taxi_continuous/land.py 1             # spans/span-1 -> landing/span-1
    python pipelines/taxi_continuous/land.py 2 --into DIR  # into another input folder

The span is copied beside its final place and renamed into it, so a watching
``tfpipe run --watch`` never sees half a span.
"""
from __future__ import annotations

import argparse
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
SPANS = os.path.join(HERE, "spans")
LANDING = os.path.join(HERE, "landing")


def land(span: int, into: str = LANDING, spans: str = SPANS) -> str:
    """Copy span ``span`` into ``into``; returns its new folder."""
    source = os.path.join(spans, f"span-{span}")
    if not os.path.isdir(source):
        raise SystemExit(f"no span {span} in {spans} (run make_spans.py first)")
    target = os.path.join(into, f"span-{span}")
    if os.path.exists(target):
        raise SystemExit(f"span {span} has already landed in {into}")
    os.makedirs(into, exist_ok=True)
    staging = os.path.join(into, f".landing-span-{span}")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    os.rename(staging, target)
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("span", type=int)
    parser.add_argument("--into", default=LANDING, help="the pipeline's input folder")
    args = parser.parse_args()
    print(f"landed {land(args.span, args.into)}")
