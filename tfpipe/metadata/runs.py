"""Runs as recorded in MLMD: each ``pipeline_run`` context and its node executions.

Queries only (no printing): ``tfpipe runs`` lists them, ``tfpipe report`` draws one.
Times are seconds since the epoch, from MLMD's own create/update times.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import NotFoundError
from . import executions as execution_io
from .types import PIPELINE, RUN


@dataclass(frozen=True)
class NodeRun:
    """One node's execution in a run."""

    node_id: str
    component: str
    execution_id: int
    state: str  # COMPLETE (ran), CACHED, FAILED, CANCELED, RUNNING (or killed while running)
    started: float
    ended: float
    properties: dict = field(default_factory=dict, compare=False)

    @property
    def duration(self) -> float:
        return max(0.0, self.ended - self.started)

    @property
    def error(self) -> str:
        return self.properties.get("error") or ""

    @property
    def parameters(self) -> dict:
        return json.loads(self.properties.get("parameters") or "{}")

    @property
    def cache_parts(self) -> dict:
        return json.loads(self.properties.get("cache_parts") or "{}")


@dataclass(frozen=True)
class Run:
    """A run of a pipeline: its id, what triggered it ("span 3 landed" for a run
    ``tfpipe run --watch`` started; empty for a run started by hand) and the executions
    of the nodes it ran."""

    pipeline: str
    run_id: str
    context_id: int
    created: float
    nodes: tuple[NodeRun, ...] = ()
    trigger: str = ""

    @property
    def started(self) -> float:
        return min([n.started for n in self.nodes], default=self.created)

    @property
    def ended(self) -> float:
        return max([n.ended for n in self.nodes], default=self.created)

    @property
    def duration(self) -> float:
        return max(0.0, self.ended - self.started)

    def count(self, state: str) -> int:
        return sum(n.state == state for n in self.nodes)

    @property
    def state(self) -> str:
        """FAILED if a node failed; CANCELED if one was interrupted, or killed and then
        cleaned up by the next run; RUNNING if one is still running (or was killed and no
        run has cleaned up since); else COMPLETE."""
        for state in ("FAILED", "CANCELED", "RUNNING"):
            if self.count(state):
                return state
        return "COMPLETE"

    def node(self, node_id: str) -> NodeRun | None:
        return next((n for n in self.nodes if n.node_id == node_id), None)


def _node_runs(executions, types: dict[int, str]) -> tuple[NodeRun, ...]:
    """The latest execution of each node among one run's ``executions``."""
    latest: dict[str, NodeRun] = {}
    for e in sorted(executions, key=lambda e: e.id):
        props = execution_io.properties(e)
        node_id = props.get("node_id") or types[e.type_id]
        latest[node_id] = NodeRun(node_id, types[e.type_id], e.id, execution_io.state_name(e),
                                  e.create_time_since_epoch / 1000,
                                  e.last_update_time_since_epoch / 1000, props)
    return tuple(sorted(latest.values(), key=lambda n: (n.started, n.execution_id)))


def _execution_types(store) -> dict[int, str]:
    return {t.id: t.name for t in store.get_execution_types()}


def _run(ctx, executions, types: dict[int, str]) -> Run:
    pipeline, trigger = (ctx.custom_properties[k].string_value
                         if k in ctx.custom_properties else "" for k in ("pipeline", "trigger"))
    return Run(pipeline, ctx.name, ctx.id, ctx.create_time_since_epoch / 1000,
               _node_runs(executions, types), trigger)


def list_runs(store, pipeline: str | None = None) -> list[Run]:
    """Every run in the store (of ``pipeline`` only, if given), oldest first. A few
    queries whatever the number of runs: the executions are read at once (those of the
    pipeline's context, or all) and grouped by the run id each records."""
    contexts = [c for c in store.get_contexts_by_type(RUN)
                if pipeline is None or c.custom_properties["pipeline"].string_value == pipeline]
    if not contexts:
        return []
    if pipeline is not None:
        context = store.get_context_by_type_and_name(PIPELINE, pipeline)
        executions = store.get_executions_by_context(context.id) if context else []
    else:
        executions = store.get_executions()
    by_run: dict[str, list] = {}
    for e in executions:
        if "run_id" in e.custom_properties:
            by_run.setdefault(e.custom_properties["run_id"].string_value, []).append(e)
    types = _execution_types(store)
    runs = [_run(c, by_run.get(c.name, []), types) for c in contexts]
    return sorted(runs, key=lambda r: (r.created, r.context_id))


def pipelines(store) -> list[str]:
    """The names of the pipelines recorded in the store, sorted."""
    return sorted(c.name for c in store.get_contexts_by_type(PIPELINE))


def _one_run(store, run_id: str) -> Run | None:
    """The run named exactly ``run_id``, from its own context."""
    ctx = store.get_context_by_type_and_name(RUN, run_id)
    if ctx is None:
        return None
    return _run(ctx, store.get_executions_by_context(ctx.id), _execution_types(store))


def get_run(store, run_id: str | None = None, pipeline: str | None = None) -> Run:
    """The run ``run_id`` (a unique prefix is enough), or the latest one (of ``pipeline``)."""
    exact = _one_run(store, run_id) if run_id else None
    if exact is not None and (pipeline is None or exact.pipeline == pipeline):
        return exact
    runs = list_runs(store, pipeline)
    of = f" of pipeline {pipeline}" if pipeline else ""
    if not runs:
        raise NotFoundError(f"no runs{of} are recorded in this metadata store.",
                            fix="run the pipeline first: tfpipe run pipeline.py")
    if run_id is None:
        return runs[-1]
    matches = [r for r in runs if r.run_id == run_id] or \
        [r for r in runs if r.run_id.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    recent = ", ".join(r.run_id for r in runs[-3:])
    if matches:
        raise NotFoundError(f"run id {run_id!r} matches {len(matches)} runs{of}.",
                            fix="give more of the run id; `tfpipe runs` lists them")
    raise NotFoundError(f"no run {run_id!r}{of} in this metadata store.",
                        fix=f"`tfpipe runs` lists the runs; the latest are {recent}")


def _run_events(store, run: Run, event_type: str) -> dict[str, dict[str, int]]:
    from ml_metadata.proto import metadata_store_pb2 as pb

    by_execution = {n.execution_id: n.node_id for n in run.nodes}
    found: dict[str, dict[str, int]] = {n.node_id: {} for n in run.nodes}
    for event in store.get_events_by_execution_ids(list(by_execution)):
        if event.type == getattr(pb.Event, event_type) and event.path.steps:
            found[by_execution[event.execution_id]][event.path.steps[0].key] = \
                event.artifact_id
    return found


def run_outputs(store, run: Run) -> dict[str, dict[str, int]]:
    """The output artifact ids of each node in ``run``: {node_id: {output: artifact_id}}."""
    return _run_events(store, run, "OUTPUT")


def run_inputs(store, run: Run) -> dict[str, dict[str, int]]:
    """The input artifact ids of each node in ``run``: {node_id: {input: artifact_id}}."""
    return _run_events(store, run, "INPUT")


def explain_miss(old: dict[str, str] | None, new: dict[str, str]) -> str:
    """Why a node ran instead of coming from the cache: which parts of its cache key
    changed since the node's latest successful execution."""
    if not old:
        return "no earlier successful execution"
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "changed: " + ", ".join(changed) if changed else "earlier outputs are gone"


def cache_reasons(store, run: Run) -> dict[str, str]:
    """Why each node of ``run`` came from the cache or ran: {node_id: reason}. A cached
    node names the execution whose outputs it reused; a node that ran, what changed in
    its cache key since the node's previous successful execution."""
    from . import values
    from .contexts import node_context
    from .producers import producer

    outputs = run_outputs(store, run)
    reasons = {}
    for n in run.nodes:
        if n.state == "CACHED":
            made = [producer(store, a) for a in outputs.get(n.node_id, {}).values()]
            by = sorted({m[0] for m in made if m is not None and m[0] != n.execution_id})
            reasons[n.node_id] = "inputs, parameters and code unchanged" + (
                f": reused the outputs of execution #{by[0]}" if by else "")
            continue
        ctx = node_context(store, run.pipeline, n.node_id)
        earlier = sorted((e for e in store.get_executions_by_context(ctx.id)
                          if e.id < n.execution_id and execution_io.state_name(e) == "COMPLETE"),
                         key=lambda e: e.id) if ctx is not None else []
        old = json.loads(values.to_dict(earlier[-1].custom_properties).get("cache_parts")
                         or "{}") if earlier else None
        reasons[n.node_id] = explain_miss(old, n.cache_parts)
    return reasons


def run_edges(store, run: Run) -> set[tuple[str, str]]:
    """(upstream, downstream) node pairs of ``run``: a node read an artifact that another
    node of the run output."""
    producers: dict[int, set[str]] = {}
    for node, outs in run_outputs(store, run).items():
        for artifact_id in outs.values():  # a resolver re-outputs an existing artifact
            producers.setdefault(artifact_id, set()).add(node)
    edges = set()
    for down, inputs in run_inputs(store, run).items():
        for artifact_id in inputs.values():
            edges.update((up, down) for up in producers.get(artifact_id, ()) if up != down)
    return edges
