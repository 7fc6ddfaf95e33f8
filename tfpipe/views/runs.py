"""``tfpipe runs``: the runs of a store as an aligned table, or as JSON."""
from __future__ import annotations

import json

from ..metadata.runs import Run
from ..formatting import format_duration, format_time
from .table import state, table

HEADERS = ("PIPELINE", "RUN ID", "STARTED", "DURATION", "STATE", "RAN", "CACHED", "FAILED")


def runs_table(runs: list[Run]) -> list[str]:
    """One row per run; a SKIPPED column (nodes whose conditions were false) when any run
    skipped one, and a TRIGGER column (what started each run) when any run has one, i.e.
    when ``tfpipe run --watch`` started some of them."""
    rows = [(r.pipeline, r.run_id, format_time(r.started), format_duration(r.duration),
             r.state, r.count("COMPLETE"), r.count("CACHED"), r.count("FAILED"))
            for r in runs]
    headers = HEADERS
    right = (3, 5, 6, 7)
    if any(r.count("SKIPPED") for r in runs):
        headers = headers + ("SKIPPED",)
        rows = [row + (r.count("SKIPPED"),) for row, r in zip(rows, runs)]
        right = right + (8,)
    if any(r.trigger for r in runs):
        headers = headers + ("TRIGGER",)
        rows = [row + (r.trigger or "-",) for row, r in zip(rows, runs)]
    return table(headers, rows, right=right, styles={4: state})


def runs_json(runs: list[Run]) -> str:
    return json.dumps([{
        "pipeline": r.pipeline, "run_id": r.run_id, "started": r.started,
        "duration_seconds": round(r.duration, 3), "state": r.state,
        "trigger": r.trigger or None,
        "nodes": {n.node_id: {"state": n.state, "execution_id": n.execution_id,
                              "duration_seconds": round(n.duration, 3),
                              **({"skipped": n.skipped_reason} if n.skipped_reason else {})}
                  for n in r.nodes},
    } for r in runs], indent=2)
