"""The local runner: the pipeline as one outer Beam pipeline, one step per node.

As in TFX's BeamDagRunner, each node is a DoFn that launches the component and
emits a signal; a node takes its upstream nodes' signals as side inputs, so Beam
starts it only after they finished. Components that process data run their own
Beam pipelines with the pipeline's ``beam_pipeline_args``.
"""
from __future__ import annotations

import datetime
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field

from ..compiler.ir import PipelineIR
from ..errors import DefinitionError, TfpipeError
from ..metadata.store import connect, describe
from .launcher import NodeResult, launch
from .partial import latest_outputs, select
from .progress import Progress


@dataclass
class RunResult:
    run_id: str
    ir: PipelineIR
    results: dict[str, NodeResult] = field(default_factory=dict)
    duration: float = 0.0

    @property
    def failures(self) -> list[NodeResult]:
        return [r for r in self.results.values() if r.status == "failed"]

    @property
    def succeeded(self) -> bool:
        return all(r.status in ("ran", "cached") for r in self.results.values())


@dataclass
class _RunState:
    ir: PipelineIR
    store: object
    run_id: str
    progress: Progress
    selected: set[str]
    results: dict[str, NodeResult] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_ACTIVE: dict[str, _RunState] = {}  # DoFns find their run here (the outer pipeline is in-process)


def _upstream_result(state: _RunState, node_id: str) -> NodeResult | None:
    """This run's result for a node, or for a node outside a partial run, its latest
    successful outputs from MLMD."""
    if node_id not in state.selected and node_id not in state.results:
        try:
            outputs = latest_outputs(state.store, state.ir, node_id)
            state.results[node_id] = NodeResult(node_id, "cached", outputs)
        except TfpipeError as error:
            state.results[node_id] = NodeResult(node_id, "failed", error=error)
    return state.results.get(node_id)


def _run_node(state_key: str, node_id: str) -> None:
    state = _ACTIVE[state_key]
    if node_id not in state.selected:
        return
    node = state.ir.node(node_id)
    upstream = [_upstream_result(state, u) for u in node.upstream]
    missing = [r for r in upstream if r and r.status == "failed" and r.node_id not in
               state.selected]
    if missing:  # a partial run whose inputs were never produced
        result = NodeResult(node_id, "failed", error=missing[0].error)
    elif any(r is None or r.status not in ("ran", "cached") for r in upstream):
        result = NodeResult(node_id, "skipped")
    else:
        inputs = {name: [a for a in [state.results[i.producer].outputs.get(i.output)] if a]
                  for name, i in node.inputs.items()}
        state.progress.started(node_id, node.component)
        result = launch(state.store, state.ir, node, state.run_id, inputs)
    with state.lock:
        state.results[node_id] = result
    state.progress.finished(result)


def new_run_id() -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def _outer_pipeline(ir: PipelineIR, state_key: str):
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    class NodeAsDoFn(beam.DoFn):
        def __init__(self, node_id: str):
            self.node_id = node_id

        def process(self, element, *upstream_signals):
            _run_node(state_key, self.node_id)
            yield self.node_id

    # The outer pipeline only orders the nodes; it runs in this process, whatever
    # runner the components' own Beam pipelines use.
    p = beam.Pipeline(options=PipelineOptions(["--runner=DirectRunner",
                                               "--direct_num_workers=1"]))
    root = p | "Start" >> beam.Create([None])
    signals = {}
    for node in ir.nodes:
        sides = [beam.pvalue.AsIter(signals[u]) for u in node.upstream]
        signals[node.id] = root | f"Run[{node.id}]" >> beam.ParDo(NodeAsDoFn(node.id), *sides)
    return p


def check_beam_args(args: tuple[str, ...]) -> None:
    """Unknown Beam arguments are an error before anything runs, not a warning Beam drops."""
    from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

    parser = _BeamArgumentParser(allow_abbrev=False)
    todo = list(PipelineOptions.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        cls._add_argparse_args(parser)  # noqa: SLF001 - how Beam itself collects its flags
    _, unknown = parser.parse_known_args(list(args))
    if unknown:
        raise DefinitionError(f"unknown Beam pipeline argument(s): {' '.join(unknown)}.",
                              fix="check beam_pipeline_args in Pipeline(...); Beam's options are "
                              "listed by `python -m apache_beam.options.pipeline_options`, e.g. "
                              "--direct_num_workers=2 --direct_running_mode=multi_processing")


def run(ir: PipelineIR, *, explain_cache: bool = False, quiet: bool = False,
        from_node: str | None = None, to_node: str | None = None) -> RunResult:
    """Run the nodes of ``ir`` (all, or the slice from ``from_node`` to ``to_node``)
    locally, recording to its MLMD store."""
    logging.getLogger("apache_beam").setLevel(logging.ERROR)
    started = time.monotonic()
    check_beam_args(ir.beam_pipeline_args)
    selected = select(ir, from_node, to_node)
    store = connect(ir.metadata)
    run_id = new_run_id()
    progress = Progress(len(selected), explain=explain_cache, quiet=quiet)
    state = _RunState(ir, store, run_id, progress, selected)
    state_key = uuid.uuid4().hex
    _ACTIVE[state_key] = state
    try:
        _outer_pipeline(ir, state_key).run().wait_until_finish()
    finally:
        del _ACTIVE[state_key]
    ordered = {n.id: state.results[n.id] for n in ir.nodes
               if n.id in selected and n.id in state.results}
    return RunResult(run_id, ir, ordered, time.monotonic() - started)


def first_error(result: RunResult) -> TfpipeError | None:
    return result.failures[0].error if result.failures else None


def outputs_summary(result: RunResult) -> list[str]:
    lines = [f"pipeline root   {os.path.abspath(result.ir.pipeline_root)}",
             f"metadata store  {describe(result.ir.metadata)}",
             f"run id          {result.run_id}"]
    return lines
