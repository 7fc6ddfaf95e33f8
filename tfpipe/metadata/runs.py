"""Runs as recorded in MLMD: each ``pipeline_run`` context and its node executions.

Queries only (no printing): ``tfpipe runs`` lists them, ``tfpipe report`` draws one.
Times are seconds since the epoch, from MLMD's own create/update times.

A run that finished has a summary of its nodes on its context (``record_summary``), so
that listing runs reads the run contexts alone, not every execution with its properties;
runs without one (running, killed, run on Kubeflow or by an older tfpipe) are read from
their executions.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from ..errors import NotFoundError
from . import executions as execution_io
from .store import retrying
from .types import NODE, PIPELINE, RUN

SUMMARY_KEY = "summary"  # on a finished run's context: its nodes, as JSON
PLAN_KEY = "plan"  # on every local run's context from its start: [[node, component, [upstream]]]
_BRIEF = ("error", execution_io.SKIPPED_KEY)  # node properties the summary keeps


@dataclass(frozen=True)
class NodeRun:
    """One node's execution in a run."""

    node_id: str
    component: str
    execution_id: int
    # COMPLETE (ran), CACHED, FAILED, CANCELED, RUNNING (or killed while running), or
    # SKIPPED (its conditions were false; recorded CANCELED with the reason)
    state: str
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
    def skipped_reason(self) -> str:
        return self.properties.get(execution_io.SKIPPED_KEY) or ""

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
    # The pipeline's nodes when the run started (node id, component, upstream node ids),
    # those a partial run left out too. Empty for runs on Kubeflow or by an older tfpipe.
    plan: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @property
    def waiting(self) -> tuple[tuple[str, str], ...]:
        """(node id, component) of the planned nodes with no execution (yet): still to
        run, skipped because an upstream node failed, or outside a partial run."""
        done = {n.node_id for n in self.nodes}
        return tuple((node, component) for node, component, _ in self.plan if node not in done)

    @property
    def planned_edges(self) -> set[tuple[str, str]]:
        return {(up, node) for node, _, upstream in self.plan for up in upstream}

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
        state = "SKIPPED" if execution_io.SKIPPED_KEY in props else execution_io.state_name(e)
        latest[node_id] = NodeRun(node_id, types[e.type_id], e.id, state,
                                  e.create_time_since_epoch / 1000,
                                  e.last_update_time_since_epoch / 1000, props)
    return tuple(sorted(latest.values(), key=lambda n: (n.started, n.execution_id)))


def _execution_types(store) -> dict[int, str]:
    return {t.id: t.name for t in store.get_execution_types()}


def _run(ctx, executions, types: dict[int, str]) -> Run:
    pipeline, trigger, plan = (ctx.custom_properties[k].string_value
                               if k in ctx.custom_properties else ""
                               for k in ("pipeline", "trigger", PLAN_KEY))
    return Run(pipeline, ctx.name, ctx.id, ctx.create_time_since_epoch / 1000,
               _node_runs(executions, types), trigger,
               tuple((n, c, tuple(up)) for n, c, up in json.loads(plan or "[]")))


def plan_of(nodes) -> str:
    """The ``plan`` property of a run of these IR nodes (see ``Run.plan``)."""
    return json.dumps([[n.id, n.component, sorted(n.upstream)] for n in nodes])


def run_contexts(store, pipeline: str | None = None) -> list:
    """The ``pipeline_run`` contexts (of ``pipeline`` only, if given), newest first: one
    query, whatever the number of runs."""
    found = [c for c in store.get_contexts_by_type(RUN)
             if pipeline is None or c.custom_properties["pipeline"].string_value == pipeline]
    return sorted(found, key=lambda c: (c.create_time_since_epoch, c.id), reverse=True)


def load_runs(store, contexts, *, full: bool = False) -> list[Run]:
    """The runs of ``contexts`` with their nodes, in the same order. Unless ``full``, a
    finished run's nodes come from its summary: state, times, and of their properties
    only the error's first line and why a node was skipped."""
    types = None
    found = []
    for c in contexts:
        if not full and SUMMARY_KEY in c.custom_properties:
            nodes = tuple(NodeRun(*fields) for fields in
                          json.loads(c.custom_properties[SUMMARY_KEY].string_value))
            found.append(replace(_run(c, (), {}), nodes=nodes))
            continue
        types = types if types is not None else _execution_types(store)
        found.append(_run(c, store.get_executions_by_context(c.id), types))
    return found


def record_summary(store, run_id: str) -> None:
    """Write the nodes of the finished run ``run_id`` on its context (see the module
    doc); nothing if the run recorded nothing."""
    ctx = store.get_context_by_type_and_name(RUN, run_id)
    if ctx is None:
        return
    [run] = load_runs(store, [ctx], full=True)
    brief = [[n.node_id, n.component, n.execution_id, n.state, n.started, n.ended,
              {k: str(n.properties[k]).splitlines()[0] for k in _BRIEF
               if n.properties.get(k)}] for n in run.nodes]
    ctx.custom_properties[SUMMARY_KEY].string_value = json.dumps(brief)
    retrying(store.put_contexts, [ctx])


UNFINISHED = ("FAILED", "CANCELED", "RUNNING")  # a run's state is COMPLETE without these


def select_runs(store, pipeline: str | None = None, state: str | None = None) -> list:
    """The run contexts (newest first) whose run is in ``state``. Only the runs with an
    execution FAILED, CANCELED or RUNNING (one query finds them) are loaded to tell
    which; every other run is COMPLETE."""
    from ml_metadata.metadata_store.metadata_store import ListOptions

    contexts = run_contexts(store, pipeline)
    if state is None:
        return contexts
    query = " OR ".join(f"last_known_state = {s}" for s in UNFINISHED)
    flagged = {e.custom_properties["run_id"].string_value
               for e in store.get_executions(list_options=ListOptions(filter_query=query))
               if "run_id" in e.custom_properties}
    checked = {r.run_id: r.state for r in
               load_runs(store, [c for c in contexts if c.name in flagged])}
    return [c for c in contexts if checked.get(c.name, "COMPLETE") == state]


def list_runs(store, pipeline: str | None = None, state: str | None = None,
              limit: int | None = None, offset: int = 0) -> list[Run]:
    """The runs (of ``pipeline``, in ``state``), newest first: ``limit`` of them from
    ``offset`` on (all by default). Only the runs returned are read in full."""
    chosen = select_runs(store, pipeline, state)
    return load_runs(store, chosen[offset:None if limit is None else offset + limit])


def pipelines(store) -> list[str]:
    """The names of the pipelines recorded in the store, sorted."""
    return sorted(c.name for c in store.get_contexts_by_type(PIPELINE))


def get_run(store, run_id: str | None = None, pipeline: str | None = None) -> Run:
    """The run ``run_id`` (a unique prefix is enough), or the latest one (of ``pipeline``)."""
    contexts = run_contexts(store, pipeline)
    of = f" of pipeline {pipeline}" if pipeline else ""
    if not contexts:
        raise NotFoundError(f"no runs{of} are recorded in this metadata store.",
                            fix="run the pipeline first: tfpipe run pipeline.py")
    matches = contexts[:1] if run_id is None else \
        [c for c in contexts if c.name == run_id] or \
        [c for c in contexts if c.name.startswith(run_id)]
    if len(matches) == 1:
        return load_runs(store, matches, full=True)[0]
    recent = ", ".join(c.name for c in contexts[:3])
    if matches:
        raise NotFoundError(f"run id {run_id!r} matches {len(matches)} runs{of}.",
                            fix="give more of the run id; `tfpipe runs` lists them")
    raise NotFoundError(f"no run {run_id!r}{of} in this metadata store.",
                        fix=f"`tfpipe runs` lists the runs; the latest are {recent}")


Ports = dict[str, dict[str, int]]  # {node_id: {input or output name: artifact id}}


def run_ports(store, run: Run) -> tuple[Ports, Ports]:
    """What each node of ``run`` read and wrote: (inputs, outputs), each
    {node_id: {name: artifact id}}."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    by_execution = {n.execution_id: n.node_id for n in run.nodes}
    inputs: Ports = {n.node_id: {} for n in run.nodes}
    outputs: Ports = {n.node_id: {} for n in run.nodes}
    for event in store.get_events_by_execution_ids(list(by_execution)):
        found = {pb.Event.INPUT: inputs, pb.Event.OUTPUT: outputs}.get(event.type)
        if found is not None and event.path.steps:
            found[by_execution[event.execution_id]][event.path.steps[0].key] = \
                event.artifact_id
    return inputs, outputs


def explain_miss(old: dict[str, str] | None, new: dict[str, str]) -> str:
    """Why a node ran instead of coming from the cache: which parts of its cache key
    changed since the node's latest successful execution."""
    if not old:
        return "no earlier successful execution"
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "changed: " + ", ".join(changed) if changed else "earlier outputs are gone"


def cache_reasons(store, run: Run, outputs: Ports) -> dict[str, str]:
    """Why each node of ``run`` came from the cache or ran: {node_id: reason}. A cached
    node names the execution whose outputs it reused; a node that ran, what changed in
    its cache key since the node's previous successful execution. ``outputs`` are the
    run's, from ``run_ports``."""
    from ml_metadata.metadata_store.metadata_store import ListOptions, OrderByField

    from .producers import producer

    reasons = {}
    for n in run.nodes:
        if n.state == "CACHED":
            made = [producer(store, a) for a in outputs.get(n.node_id, {}).values()]
            by = sorted({m[0] for m in made if m is not None and m[0] != n.execution_id})
            reasons[n.node_id] = "inputs, parameters and code unchanged" + (
                f": reused the outputs of execution #{by[0]}" if by else "")
            continue
        name = f"{run.pipeline}.{n.node_id}".replace("'", "\\'")
        earlier = store.get_executions(list_options=ListOptions(  # the node's previous success
            limit=1, order_by=OrderByField.ID, is_asc=False,
            filter_query=f"contexts_a.type = '{NODE}' AND contexts_a.name = '{name}' AND "
                         f"last_known_state = COMPLETE AND id < {n.execution_id}"))
        old = json.loads(execution_io.properties(earlier[0]).get("cache_parts") or "{}") \
            if earlier else None
        reasons[n.node_id] = explain_miss(old, n.cache_parts)
    return reasons


def edges(inputs: Ports, outputs: Ports) -> set[tuple[str, str]]:
    """(upstream, downstream) node pairs of a run, from ``run_ports``: a node read an
    artifact that another node of the run output."""
    producers: dict[int, set[str]] = {}
    for node, outs in outputs.items():
        for artifact_id in outs.values():  # a resolver re-outputs an existing artifact
            producers.setdefault(artifact_id, set()).add(node)
    return {(up, down) for down, ins in inputs.items() for artifact_id in ins.values()
            for up in producers.get(artifact_id, ()) if up != down}
