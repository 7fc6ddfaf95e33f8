"""The local DAG scheduler: each node launched as soon as its upstream nodes finished,
independent nodes at the same time.

Like TFX's BeamDagRunner, every node is a step that launches its component after its
upstream nodes, and the components that process data run their own Apache Beam
pipelines with the pipeline's ``beam_pipeline_args`` (DirectRunner by default, or a
Dask cluster with tfpipe's runner; other runners' arguments are passed through). Unlike an outer Beam pipeline on the DirectRunner, which runs
its steps one at a time, the steps here run on a small thread pool, so independent
nodes (ExampleValidator and Transform, say) overlap.
"""
from __future__ import annotations

import concurrent.futures
import datetime
import graphlib
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field

from ..compiler.ir import PipelineIR
from .. import events
from ..errors import DefinitionError, TfpipeError
from ..metadata import contexts, executions
from ..metadata import runs as runs_io
from ..metadata.store import connect, describe, serialised
from ..metadata.types import RUN
from . import conditions
from .launcher import NodeResult, launch, refuse, skip
from .partial import latest_outputs, select

DEFAULT_PARALLELISM = 2


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
        """No node failed: nodes their conditions skipped are part of a successful run."""
        return not self.failures


def new_run_id() -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def check_beam_args(args: tuple[str, ...]) -> None:
    """Unknown Beam arguments are an error before anything runs, not a warning Beam drops."""
    if not args:
        return
    from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

    from ..beam.runners import on_dask

    if on_dask(args) or any(a.startswith("--dask_") for a in args):
        from ..beam.dask import runner  # noqa: F401 - its options and Beam's Dask options
    parser = _BeamArgumentParser(allow_abbrev=False)
    todo, seen = list(PipelineOptions.__subclasses__()), set()
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls not in seen and "_add_argparse_args" in cls.__dict__:  # its own flags only
            seen.add(cls)
            cls._add_argparse_args(parser)  # noqa: SLF001 - how Beam itself collects its flags
    _, unknown = parser.parse_known_args(list(args))
    if unknown:
        raise DefinitionError(f"unknown Beam pipeline argument(s): {' '.join(unknown)}.",
                              fix="check beam_pipeline_args in Pipeline(...); Beam's options are "
                              "listed by `python -m apache_beam.options.pipeline_options`, e.g. "
                              "--direct_num_workers=2 --direct_running_mode=multi_processing")


class _Run:
    """One run in progress: which nodes to run, and what each produced."""

    def __init__(self, ir: PipelineIR, store, emit: events.Listener, selected: set[str]):
        self.ir = ir
        self.store = store
        self.run_id = new_run_id()
        self.emit = emit
        self.selected = selected
        self.results: dict[str, NodeResult] = {}
        self._done = 0
        self._counting = threading.Lock()

    def finished(self, result: NodeResult) -> None:
        """Report a node's end (from any thread), counted against the selected nodes."""
        with self._counting:
            self._done += 1
            done = self._done
        self.emit(events.NodeFinished(result.node_id, result.status, result.duration,
                                      result.cache_note, done, len(self.selected),
                                      result.reason))

    def upstream_result(self, node_id: str) -> NodeResult:
        """This run's result for a node; for a node outside a partial run, its latest
        successful outputs from MLMD."""
        if node_id not in self.results:
            try:
                outputs = latest_outputs(self.store, self.ir, node_id)
                self.results[node_id] = NodeResult(node_id, "cached", outputs)
            except TfpipeError as error:
                self.results[node_id] = NodeResult(node_id, "failed", error=error)
        return self.results[node_id]

    def prepare(self, node_id: str) -> NodeResult | dict:
        """The node's inputs, or the result that stops it: an upstream node failed, or
        one of its conditions is false (recorded in MLMD as skipped, with the reason)."""
        node = self.ir.node(node_id)
        upstream = [self.upstream_result(u) for u in node.upstream]
        missing = [r for r in upstream if r.status == "failed" and r.node_id not in self.selected]
        if missing:  # a partial run whose inputs were never produced
            return NodeResult(node_id, "failed", error=missing[0].error)
        blocked = [r for r in upstream if r.status not in ("ran", "cached")]
        inputs = {} if blocked else {
            name: list(self.results[i.producer].artifacts.get(i.output, []))
            for name, i in node.inputs.items()}
        tested = {c.producer for c in node.conditions}
        if tested and not any(r.node_id in tested for r in blocked):
            try:
                reason = conditions.first_false(node.conditions, {
                    (c.producer, c.output): self.results[c.producer].outputs.get(c.output)
                    for c in node.conditions}, node_id)
            except TfpipeError as error:
                return refuse(self.store, self.ir, node, self.run_id, inputs, error)
            if reason:
                return skip(self.store, self.ir, node, self.run_id, inputs, reason)
        if blocked:
            return NodeResult(node_id, "skipped",
                              reason=blocked[0].reason or "an upstream node failed")
        return inputs

    def launch(self, node_id: str, inputs: dict) -> NodeResult:
        """Run one node (on a pool thread); its start and end are shown as they happen."""
        node = self.ir.node(node_id)
        self.emit(events.NodeStarted(node_id, node.component))
        result = launch(self.store, self.ir, node, self.run_id, inputs, emit=self.emit)
        self.finished(result)
        return result


def run(ir: PipelineIR, *, listener: events.Listener = events.silent,
        from_node=None, to_node=None, parallelism: int = DEFAULT_PARALLELISM,
        trigger: str | None = None) -> RunResult:
    """Run the nodes of ``ir`` (all, or the slice from ``from_node`` to ``to_node``)
    locally, recording to its MLMD store; the caller holds the pipeline root's run lock.
    ``trigger`` (what started the run, e.g. "span 3 landed") and the nodes to run are
    recorded on the run's context before any node starts. What happens is reported to ``listener`` as
    ``tfpipe.events``.

    Executions a killed run left RUNNING are CANCELED first and their half-written
    outputs removed. Interrupted (Ctrl-C, or SIGTERM as ``tfpipe run`` turns it into
    one), the nodes still running are CANCELED at once, their outputs ABANDONED and
    removed, and the interrupt goes on without waiting for their threads."""
    started = time.monotonic()
    check_beam_args(ir.beam_pipeline_args)
    selected = select(ir, from_node, to_node)
    run_ = _Run(ir, serialised(connect(ir.metadata)), listener, selected)
    cleaned = _cancel(run_, "its run was killed before it finished (cleaned up by run "
                      f"{run_.run_id})")
    if cleaned:
        listener(events.Note(f"removed {cleaned} half-written output(s) of a run that was "
                             "killed; its executions are now CANCELED"))
    # Before any node starts: the pipeline's nodes (all, for a partial run too: those
    # outside it show as not run) and what started the run.
    contexts.get_or_create(run_.store, RUN, run_.run_id, {
        "pipeline": ir.name, runs_io.PLAN_KEY: runs_io.plan_of(ir.nodes),
        **({"trigger": trigger} if trigger else {})})
    pool = concurrent.futures.ThreadPoolExecutor(max(1, parallelism),
                                                 thread_name_prefix="tfpipe-node")
    try:
        _schedule(run_, pool)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        _cancel(run_, "interrupted (Ctrl-C or SIGTERM) while it ran")
        raise
    pool.shutdown()
    runs_io.record_summary(run_.store, run_.run_id)  # `tfpipe runs` reads it, not executions
    ordered = {n.id: run_.results[n.id] for n in ir.nodes if n.id in selected}
    return RunResult(run_.run_id, ir, ordered, time.monotonic() - started)


def _cancel(run_: _Run, reason: str) -> int:
    """CANCEL the pipeline's RUNNING executions and remove their outputs' folders."""
    return remove_outputs(executions.close_running(run_.store, run_.ir.name,
                                                   run_.ir.pipeline_root, reason))


def remove_outputs(closed: dict[str, list[str]]) -> int:
    """Remove the folders of outputs ``executions.close_running`` abandoned; how many."""
    uris = [uri for node_uris in closed.values() for uri in node_uris]
    for uri in uris:
        shutil.rmtree(uri, ignore_errors=True)
    return len(uris)


def _schedule(run_: _Run, pool) -> None:
    """Launch every selected node once its upstream nodes are done."""
    ir, selected = run_.ir, run_.selected
    sorter = graphlib.TopologicalSorter(
        {n.id: [u for u in n.upstream if u in selected] for n in ir.nodes if n.id in selected})
    sorter.prepare()
    order = {n.id: i for i, n in enumerate(ir.nodes)}
    running: dict[concurrent.futures.Future, str] = {}
    while sorter.is_active():
        for node_id in sorted(sorter.get_ready(), key=order.get):
            prepared = run_.prepare(node_id)
            if isinstance(prepared, NodeResult):
                run_.finished(prepared)
                _finish(run_, sorter, prepared)
            else:
                running[pool.submit(run_.launch, node_id, prepared)] = node_id
        if not running:
            continue
        done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
            running.pop(future)
            _finish(run_, sorter, future.result())


def _finish(run_: _Run, sorter: graphlib.TopologicalSorter, result: NodeResult) -> None:
    run_.results[result.node_id] = result
    sorter.done(result.node_id)


def first_error(result: RunResult) -> TfpipeError | None:
    return result.failures[0].error if result.failures else None


def outputs_summary(result: RunResult) -> list[str]:
    return [f"pipeline root   {os.path.abspath(result.ir.pipeline_root)}",
            f"metadata store  {describe(result.ir.metadata)}",
            f"run id          {result.run_id}"]
