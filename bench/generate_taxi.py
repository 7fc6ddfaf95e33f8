"""Write taxi-shaped CSV data of N rows by resampling the real Chicago taxi rows.

    python bench/generate_taxi.py 1000000 bench/_data/taxi_1m

Rows are drawn with replacement (seeded, so the same N gives the same file) and
streamed to disk; memory stays flat whatever N is.
"""
from __future__ import annotations

import argparse
import os
import random
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "pipelines" / "taxi" / "data" / "data.csv"


def generate(rows: int, folder: Path, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "data.csv"
    with open(SOURCE, encoding="utf-8") as f:
        header, *lines = f.read().splitlines()
    rng = random.Random(seed)
    tmp = target.with_suffix(".partial")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(header + "\n")
        left = rows
        while left:
            n = min(left, 50_000)
            out.write("\n".join(rng.choices(lines, k=n)) + "\n")
            left -= n
    os.replace(tmp, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    path = generate(args.rows, args.folder, args.seed)
    print(f"wrote {args.rows:,} rows to {path} ({path.stat().st_size / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
