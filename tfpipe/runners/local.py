"""``run_pipeline``: compile and run on the local Beam runner, as the CLI and
``python pipeline.py`` (or a notebook) both do."""
from __future__ import annotations

from typing import Sequence

import click

from ..compiler import PipelineIR, compile_pipeline
from ..dsl.pipeline import Pipeline
from . import supervise
from .lock import pipeline_lock
from .interrupts import stop_signals_raise
from ..formatting import format_duration


def run_pipeline(pipeline: Pipeline | PipelineIR, *, explain_cache: bool = False,
                 quiet: bool = False, from_node: str | Sequence[str] | None = None,
                 to_node: str | Sequence[str] | None = None, parallelism: int = 2,
                 trigger: str | None = None):
    """Run ``pipeline`` locally (or the slice ``from_node``..``to_node``); prints
    progress and a summary, raises the first node's TfpipeError if any node failed.
    ``trigger`` says what started the run (recorded on its MLMD context, shown by
    ``tfpipe runs``). SIGTERM stops it as Ctrl-C does (Terminated, a KeyboardInterrupt).
    Returns the RunResult."""
    from . import scheduler

    ir = pipeline if isinstance(pipeline, PipelineIR) else compile_pipeline(pipeline)
    say = (lambda *_: None) if quiet else click.echo
    part = f", from {_names(from_node) or 'the start'} to {_names(to_node) or 'the end'}" \
        if from_node or to_node else ""
    say(click.style(f"Running pipeline {ir.name}", bold=True) + f" ({len(ir.nodes)} nodes{part})")
    with pipeline_lock(ir.pipeline_root, ir.name, quiet=quiet), stop_signals_raise():
        supervise.announce(ir.name, ir.pipeline_root, ir.metadata)
        result = scheduler.run(ir, explain_cache=explain_cache, quiet=quiet, from_node=from_node,
                               to_node=to_node, parallelism=parallelism, trigger=trigger)
    counts = {s: sum(r.status == s for r in result.results.values())
              for s in ("ran", "cached", "failed", "skipped")}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    if result.succeeded:
        say(click.style("✔ ", fg="green") + f"pipeline {ir.name} finished in "
            f"{format_duration(result.duration)} ({tally})")
    else:
        say(click.style("✘ ", fg="red") + f"pipeline {ir.name} failed after "
            f"{format_duration(result.duration)} ({tally})")
    for line in scheduler.outputs_summary(result):
        say("  " + line)
    error = scheduler.first_error(result)
    if error is not None:
        raise error
    return result


def _names(nodes: str | Sequence[str] | None) -> str:
    return nodes if isinstance(nodes, str) else " and ".join(nodes or ())
