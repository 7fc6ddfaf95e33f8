"""Cut the Chicago taxi trips (../taxi/data/data.csv) into one span per year.

The trips' ``trip_start_timestamp`` runs from 2013 to 2016: span 1 is 2013, span 2
2014, and so on, each in ``spans/span-<N>/data.csv`` with the original header. Fares,
payment types and companies move from year to year, so the spans drift for real.

    python pipelines/taxi_continuous/make_spans.py        # writes spans/span-1..4
"""
from __future__ import annotations

import csv
import datetime
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "taxi", "data", "data.csv")
FIRST_YEAR = 2013


def make_spans(source: str = SOURCE, target: str = os.path.join(HERE, "spans")) -> dict:
    """Write one CSV per year; returns {span: rows}."""
    with open(source, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        column = header.index("trip_start_timestamp")
        by_span: dict[int, list[list[str]]] = {}
        for row in reader:
            year = datetime.datetime.fromtimestamp(int(row[column]), datetime.timezone.utc).year
            by_span.setdefault(year - FIRST_YEAR + 1, []).append(row)
    for span, rows in sorted(by_span.items()):
        folder = os.path.join(target, f"span-{span}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "data.csv"), "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    return {span: len(rows) for span, rows in sorted(by_span.items())}


if __name__ == "__main__":
    for span, count in make_spans(*sys.argv[1:]).items():
        print(f"span {span} ({FIRST_YEAR + span - 1}): {count} trips")
