"""``run_locally``: compile and run on the local Beam runner, reporting to a listener
(``tfpipe.run_pipeline`` and the CLI give it the terminal display)."""
from __future__ import annotations

from typing import Sequence

from .. import events
from ..beam import warm_workers
from ..compiler import PipelineIR, compile_pipeline
from ..dsl.pipeline import Pipeline
from . import supervise
from .interrupts import stop_signals_raise
from .lock import pipeline_lock


def run_locally(pipeline: Pipeline | PipelineIR, *, listener: events.Listener = events.silent,
                from_node: str | Sequence[str] | None = None,
                to_node: str | Sequence[str] | None = None, parallelism: int = 2,
                trigger: str | None = None, dask_workers: int = 2):
    """Run ``pipeline`` locally (or the slice ``from_node``..``to_node``), reporting
    progress to ``listener`` as ``tfpipe.events``; raises the first node's TfpipeError if
    any node failed. ``trigger`` says what started the run (recorded on its MLMD
    context, shown by ``tfpipe runs``). SIGTERM stops it as Ctrl-C does (Terminated, a
    KeyboardInterrupt). A pipeline on Dask without a scheduler's address gets a local
    cluster of ``dask_workers`` processes for the run. Returns the RunResult."""
    from ..beam.dask import cluster
    from . import scheduler

    ir = pipeline if isinstance(pipeline, PipelineIR) else compile_pipeline(pipeline)
    part = f", from {_names(from_node) or 'the start'} to {_names(to_node) or 'the end'}" \
        if from_node or to_node else ""
    listener(events.RunStarted(ir.name, len(ir.nodes), part))
    try:
        with pipeline_lock(ir.pipeline_root, ir.name, emit=listener), stop_signals_raise(), \
                cluster.for_run(ir.beam_pipeline_args, dask_workers) as beam_args:
            ir = ir.with_options(beam_pipeline_args=beam_args)
            # multi_processing: the run's Beam worker zygote imports from now on, beside
            # the run's own start (its nodes start it too, where none runs yet)
            warm_workers.prepare(ir.beam_pipeline_args)
            supervise.announce(ir.name, ir.pipeline_root, ir.metadata)
            result = scheduler.run(ir, listener=listener, from_node=from_node,
                                   to_node=to_node, parallelism=parallelism, trigger=trigger)
    finally:
        warm_workers.stop()  # the run's Beam worker zygote, if there is one
    counts = {s: sum(r.status == s for r in result.results.values())
              for s in ("ran", "cached", "failed", "skipped")}
    listener(events.RunFinished(ir.name, result.succeeded, result.duration, counts,
                                scheduler.outputs_summary(result)))
    error = scheduler.first_error(result)
    if error is not None:
        raise error
    return result


def _names(nodes: str | Sequence[str] | None) -> str:
    return nodes if isinstance(nodes, str) else " and ".join(nodes or ())
