"""Launching one node: resolve inputs, check the cache, run the executor, publish.

Shared by the local Beam runner and the Kubeflow entrypoint. Outputs are recorded
PENDING before the executor starts and made LIVE, with the execution COMPLETE, only
after it succeeded and its files exist; a failure marks them ABANDONED and removes
their files, so nothing half-written is ever taken for output.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field

from .. import events
from ..compiler.ir import NodeIR, PipelineIR
from ..artifacts import Artifact, artifact_class
from ..dsl.context import ExecutionContext
from ..errors import DefinitionError, ExecutionError, NodeSkipped, TfpipeError
from ..metadata import contexts as mlmd_contexts
from ..metadata import executions
from . import cache
from . import executor as executor_io


@dataclass
class NodeResult:
    node_id: str
    status: str  # "ran", "cached", "failed", "skipped"
    artifacts: dict[str, list[Artifact]] = field(default_factory=dict)  # a list per output
    duration: float = 0.0
    execution_id: int | None = None
    cache_note: str = ""
    error: TfpipeError | None = None
    reason: str = ""  # why a node was skipped

    @property
    def outputs(self) -> dict[str, Artifact]:
        """One artifact per output (of a resolver's window, the last: the newest span)."""
        return {name: arts[-1] for name, arts in self.artifacts.items() if arts}


def output_uri(pipeline_root: str, node_id: str, output: str, execution_id: int) -> str:
    """``<root>/<node>/<output>/<execution>``, checked to lie under the root (an IR
    written by hand could name a node ``../x``; the compiler refuses such ids)."""
    root = os.path.abspath(pipeline_root)
    uri = os.path.abspath(os.path.join(root, node_id, output, str(execution_id)))
    if os.path.commonpath([root, uri]) != root or uri == root:
        raise DefinitionError(f"the output {output!r} of node {node_id!r} would be written to "
                              f"{uri}, outside the pipeline root {root}.", node=node_id,
                              fix="node ids and output names must be plain folder names "
                              "(letters, digits, '_', '-', '.'); recompile the pipeline")
    return uri


def _find_cached(store, ir: PipelineIR, node: NodeIR, key: str):
    """Outputs of the latest COMPLETE execution with this key whose files still exist,
    and the key parts of the latest COMPLETE execution (to explain a miss)."""
    ctx = mlmd_contexts.node_context(store, ir.name, node.id)
    if ctx is None:
        return None, None
    done = [e for e in store.get_executions_by_context(ctx.id)
            if executions.state_name(e) == "COMPLETE"]
    done.sort(key=lambda e: e.id, reverse=True)
    for e in done:
        if executions.properties(e).get("cache_key") != key:
            continue
        outs = executions.outputs_of(store, e.id)
        if set(outs) == set(node.outputs) and all(
                a.state == "LIVE" and os.path.exists(a.uri) for arts in outs.values()
                for a in arts):
            return outs, None
    latest = json.loads(executions.properties(done[0]).get("cache_parts", "{}")) if done else None
    return None, latest


def _output_classes(node: NodeIR) -> dict[str, type[Artifact]]:
    """The class of each output; a type defined beside a user component (not imported
    yet when only the IR was loaded, as in a Kubeflow task) registers itself when the
    component's module is imported. An unknown type is a DefinitionError."""
    try:
        return {name: artifact_class(t, node=node.id) for name, t in node.outputs.items()}
    except DefinitionError:
        try:
            executor_io.load_executor(node)
        except Exception:  # noqa: BLE001 - the executor's own error comes when it runs
            pass
        return {name: artifact_class(t, node=node.id) for name, t in node.outputs.items()}


def _node_failure(exc: BaseException) -> bool:
    """An exception that fails the node rather than stopping tfpipe: any Exception, and
    SystemExit or KeyboardInterrupt raised by the node's code on a node thread (Ctrl-C
    arrives on the main thread; a node's code must not end the process)."""
    if isinstance(exc, Exception):
        return True
    on_node_thread = threading.current_thread() is not threading.main_thread()
    return isinstance(exc, SystemExit) or (isinstance(exc, KeyboardInterrupt) and on_node_thread)


def _has_files(uri: str) -> bool:
    return os.path.isfile(uri) or (os.path.isdir(uri) and any(os.scandir(uri)))


def _properties(ir: PipelineIR, node: NodeIR, run_id: str) -> dict:
    return {"node_id": node.id, "pipeline": ir.name, "run_id": run_id,
            "parameters": json.dumps(node.parameters, sort_keys=True, default=str)}


def skip(store, ir: PipelineIR, node: NodeIR, run_id: str, inputs: dict[str, list[Artifact]],
         reason: str) -> NodeResult:
    """Record that a node did not run because of ``reason`` (a false condition; on
    Kubeflow, an upstream node that skipped itself), so that ``tfpipe runs`` and the
    report show it as skipped."""
    ctxs = mlmd_contexts.for_node(store, ir.name, run_id, node.id)
    e = executions.record_skipped(store, node.component, ctxs, inputs,
                                  _properties(ir, node, run_id), reason)
    return NodeResult(node.id, "skipped", execution_id=e.id, reason=reason)


def refuse(store, ir: PipelineIR, node: NodeIR, run_id: str, inputs: dict[str, list[Artifact]],
           error: TfpipeError) -> NodeResult:
    """Record a node that fails before it starts (its condition cannot be evaluated):
    a FAILED execution with the error and no outputs."""
    ctxs = mlmd_contexts.for_node(store, ir.name, run_id, node.id)
    execution = executions.register(store, node.component, ctxs, inputs,
                                    _properties(ir, node, run_id))
    executions.fail(store, execution, ctxs, {}, str(error))
    return NodeResult(node.id, "failed", execution_id=execution.id, error=error)


def launch(store, ir: PipelineIR, node: NodeIR, run_id: str,
           inputs: dict[str, list[Artifact]],
           output_uris: dict[str, str] | None = None,
           emit: events.Listener | None = None) -> NodeResult:
    """Run (or reuse) one node whose inputs are resolved. Never raises for executor
    failures: they come back as a ``failed`` result carrying a TfpipeError.
    ``output_uris`` places outputs where an orchestrator (Kubeflow) says instead of
    under the pipeline root; the executor's warnings go to ``emit`` (else stderr)."""
    started = time.monotonic()
    try:
        for name in node.outputs:  # every output folder under the root, before anything
            output_uri(ir.pipeline_root, node.id, name, 0)
        classes = _output_classes(node)
        parts = cache.key_parts(node, inputs)
    except TfpipeError as error:  # fail before anything is recorded or written
        return NodeResult(node.id, "failed", {}, time.monotonic() - started, error=error)
    ctxs = mlmd_contexts.for_node(store, ir.name, run_id, node.id)
    key = cache.cache_key(parts)
    props = {**_properties(ir, node, run_id), "cache_key": key,
             "cache_parts": json.dumps(parts, sort_keys=True)}
    note = "cache disabled"
    if node.enable_cache:
        reused, latest_parts = _find_cached(store, ir, node, key)
        if reused is not None:
            e = executions.record_cached(store, node.component, ctxs, inputs, reused, props)
            return NodeResult(node.id, "cached", reused, time.monotonic() - started, e.id,
                              "inputs, parameters and code unchanged")
        note = cache.explain_miss(latest_parts, parts)

    execution = executions.register(store, node.component, ctxs, inputs, props)
    outputs = {name: cls((output_uris or {}).get(name) or
                         output_uri(ir.pipeline_root, node.id, name, execution.id))
               for name, cls in classes.items()}
    executions.declare_outputs(store, execution, ctxs, outputs)
    context = ExecutionContext(
        node_id=node.id, pipeline_name=ir.name, pipeline_root=ir.pipeline_root, run_id=run_id,
        execution_id=execution.id, beam_pipeline_args=tuple(ir.beam_pipeline_args),
        tmp_dir=os.path.join(os.path.abspath(ir.pipeline_root), node.id, ".temp",
                             str(execution.id)), metadata=ir.metadata,
        on_warning=(lambda text: emit(events.NodeWarning(node.id, text))) if emit else None)
    resolved = None
    try:
        for artifact in outputs.values():
            if os.path.exists(artifact.uri):  # left by a store that was deleted
                shutil.rmtree(artifact.uri)
            os.makedirs(artifact.uri)
        fn = executor_io.load_executor(node)
        resolved = executor_io.call(fn, executor_io.input_arguments(node, inputs), outputs,
                                    node.parameters, context)
        if isinstance(resolved, dict):  # a resolver: existing artifacts are the outputs
            return _publish_resolved(store, execution, ctxs, outputs, resolved, node, started,
                                     note)
        empty = [n for n, a in outputs.items() if not _has_files(a.uri)]
        if empty:
            raise ExecutionError(f"{node.component} finished but wrote nothing for output(s) "
                                 f"{', '.join(empty)}.", node=node.id,
                                 fix="the executor must write its files under each output's uri")
    except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt included: record, re-raise
        for artifact in outputs.values():  # first: on a full disk this frees the space
            shutil.rmtree(artifact.uri, ignore_errors=True)
        shutil.rmtree(context.tmp_dir, ignore_errors=True)
        if isinstance(exc, NodeSkipped):  # context.skip(reason): not a failure
            executions.skip(store, execution, ctxs, outputs, exc.reason)
            return NodeResult(node.id, "skipped", {}, time.monotonic() - started,
                              execution.id, note, reason=exc.reason)
        error = executor_io.as_tfpipe_error(exc, node) if _node_failure(exc) else None
        executions.fail(store, execution, ctxs, outputs,
                        str(error) if error else type(exc).__name__)
        if error is None:
            raise
        error.__cause__ = exc
        return NodeResult(node.id, "failed", {}, time.monotonic() - started, execution.id,
                          note, error)
    finally:
        shutil.rmtree(context.tmp_dir, ignore_errors=True)
    executions.publish(store, execution, ctxs, outputs, {})
    return NodeResult(node.id, "ran", {k: [a] for k, a in outputs.items()},
                      time.monotonic() - started, execution.id, note)


def _publish_resolved(store, execution, ctxs, fresh: dict[str, Artifact],
                      resolved: dict[str, Artifact | list[Artifact] | None], node: NodeIR,
                      started: float, note: str) -> NodeResult:
    """A resolver's outputs: the artifacts it chose (one, a list, or None for nothing
    found) replace the fresh (unused) ones."""
    unknown = set(resolved) - set(node.outputs)
    if unknown:
        raise ExecutionError(f"{node.component} returned unknown output(s) {sorted(unknown)}.",
                             node=node.id, fix=f"return only {sorted(node.outputs)}")
    executions.abandon(store, fresh)
    for artifact in fresh.values():
        shutil.rmtree(artifact.uri, ignore_errors=True)
    chosen = {k: (list(v) if isinstance(v, (list, tuple)) else [v])
              for k, v in resolved.items() if v is not None}
    chosen = {k: v for k, v in chosen.items() if v}
    executions.publish(store, execution, ctxs, chosen, {})
    return NodeResult(node.id, "ran", chosen, time.monotonic() - started, execution.id, note)
