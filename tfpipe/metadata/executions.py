"""Executions and their input/output events: register, publish, fail, reuse.

Every write that changes what counts as a node's output is one ``put_execution``
call, which MLMD applies in a single transaction: a run killed at any moment leaves
either the RUNNING execution with PENDING artifacts, or the COMPLETE one with LIVE
artifacts, never a mix.
"""
from __future__ import annotations

import os
from typing import Any

from ..artifacts import Artifact
from . import artifacts as artifact_io
from . import values
from .store import retrying
from .types import execution_type_id


def _event(kind: str, key: str, index: int = 0):
    from ml_metadata.proto import metadata_store_pb2 as pb

    event = pb.Event(type=getattr(pb.Event, kind))
    event.path.steps.add().key = key
    event.path.steps.add().index = index
    return event


def _input_pairs(store, inputs: dict[str, list[Artifact]]):
    """MLMD keeps one INPUT event per artifact and execution: an artifact given to two
    inputs (a model that is also its own baseline) is recorded under the first name."""
    pairs, seen = [], set()
    for name, arts in sorted(inputs.items()):
        for i, a in enumerate(arts):
            if a.id is None or a.id not in seen:
                seen.add(a.id)
                pairs.append((artifact_io.to_proto(store, a, "LIVE"), _event("INPUT", name, i)))
    return pairs


def _put(store, execution, pairs, contexts) -> None:
    execution_id, artifact_ids, _ = retrying(
        store.put_execution, execution, pairs, contexts, reuse_context_if_already_exist=True)
    execution.id = execution_id
    return artifact_ids


def register(store, component: str, contexts: list, inputs: dict[str, list[Artifact]],
             properties: dict[str, Any]):
    """A RUNNING execution with its input events. Returns the execution proto."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    execution = pb.Execution(type_id=execution_type_id(store, component),
                             last_known_state=pb.Execution.RUNNING)
    values.update(execution.custom_properties, properties)
    _put(store, execution, _input_pairs(store, inputs), contexts)
    return execution


def _output_pairs(store, outputs: dict[str, Artifact | list[Artifact]], state: str, kind: str):
    """(artifact, event) pairs; an output may be a list (a resolver's rolling window)."""
    return [(artifact_io.to_proto(store, a, state), _event(kind, name, i))
            for name, arts in sorted(outputs.items())
            for i, a in enumerate(arts if isinstance(arts, list) else [arts])]


def declare_outputs(store, execution, contexts: list, outputs: dict[str, Artifact]) -> None:
    """Record the outputs PENDING (not yet usable by anything) and fill in their ids."""
    pairs = [(artifact_io.to_proto(store, a, "PENDING"), _event("PENDING_OUTPUT", name))
             for name, a in sorted(outputs.items())]
    ids = _put(store, execution, pairs, contexts)
    for (_, artifact), artifact_id in zip(sorted(outputs.items()), ids):
        artifact.id = artifact_id


def publish(store, execution, contexts: list, outputs: dict[str, Artifact | list[Artifact]],
            properties: dict[str, Any]) -> None:
    """Outputs LIVE and the execution COMPLETE, in one transaction."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    execution.last_known_state = pb.Execution.COMPLETE
    values.update(execution.custom_properties, properties)
    _put(store, execution, _output_pairs(store, outputs, "LIVE", "OUTPUT"), contexts)


def _abandoned(store, outputs: dict[str, Artifact]):
    return [(artifact_io.to_proto(store, a, "ABANDONED"), None)
            for a in outputs.values() if a.id is not None]


def abandon(store, outputs: dict[str, Artifact]) -> None:
    """Declared outputs that will never be written (a resolver's unused fresh ones)."""
    if pairs := _abandoned(store, outputs):
        retrying(store.put_artifacts, [p for p, _ in pairs])


def fail(store, execution, contexts: list, outputs: dict[str, Artifact], message: str) -> None:
    """The execution FAILED and its declared outputs ABANDONED."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    execution.last_known_state = pb.Execution.FAILED
    values.update(execution.custom_properties, {"error": message[:4000]})
    _put(store, execution, _abandoned(store, outputs), contexts)


def close_running(store, pipeline: str, root: str, reason: str,
                  state: str = "CANCELED") -> dict[str, list[str]]:
    """Every execution of ``pipeline`` still RUNNING whose declared outputs lie under
    ``root`` made ``state`` (CANCELED, or FAILED when its process died under it) with
    ``reason`` as its error, and those outputs ABANDONED, in one transaction each. Only
    for a caller that knows no such execution is alive (it holds the pipeline root's run
    lock, or is the run itself, stopping). Returns the abandoned outputs' URIs by node,
    for the caller to remove."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    from .types import PIPELINE

    context = store.get_context_by_type_and_name(PIPELINE, pipeline)
    if context is None:
        return {}
    root = os.path.abspath(root)
    running = [e for e in store.get_executions_by_context(context.id)
               if e.last_known_state == pb.Execution.RUNNING]
    closed: dict[str, list[str]] = {}
    for execution in running:
        ids = [e.artifact_id for e in store.get_events_by_execution_ids([execution.id])
               if e.type == pb.Event.PENDING_OUTPUT]
        pending = [a for a in store.get_artifacts_by_id(ids) if a.state == pb.Artifact.PENDING]
        if any(os.path.commonpath([root, os.path.abspath(a.uri)]) != root for a in pending):
            continue  # another pipeline root's run, perhaps alive
        for artifact in pending:
            artifact.state = pb.Artifact.ABANDONED
        execution.last_known_state = pb.Execution.State.Value(state)
        values.update(execution.custom_properties, {"error": reason})
        _put(store, execution, [(a, None) for a in pending], [])
        node = properties(execution).get("node_id", str(execution.id))
        closed.setdefault(node, []).extend(a.uri for a in pending)
    return closed


def record_cached(store, component: str, contexts: list, inputs: dict[str, list[Artifact]],
                  outputs: dict[str, list[Artifact]], properties: dict[str, Any]):
    """A CACHED execution that reuses ``outputs`` of an earlier one."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    execution = pb.Execution(type_id=execution_type_id(store, component),
                             last_known_state=pb.Execution.CACHED)
    values.update(execution.custom_properties, properties)
    pairs = _input_pairs(store, inputs) + _output_pairs(store, outputs, "LIVE", "OUTPUT")
    _put(store, execution, pairs, contexts)
    return execution


SKIPPED_KEY = "skipped"  # the custom property saying why a node did not run


def record_skipped(store, component: str, contexts: list, inputs: dict[str, list[Artifact]],
                   properties: dict[str, Any], reason: str):
    """A node its conditions kept from running: an execution with no outputs, CANCELED
    (MLMD has no "skipped" state; nothing takes its outputs) and ``skipped`` = the
    reason, which the views show as SKIPPED."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    execution = pb.Execution(type_id=execution_type_id(store, component),
                             last_known_state=pb.Execution.CANCELED)
    values.update(execution.custom_properties, {**properties, SKIPPED_KEY: reason})
    _put(store, execution, _input_pairs(store, inputs), contexts)
    return execution


def skip(store, execution, contexts: list, outputs: dict[str, Artifact], reason: str) -> None:
    """A started execution whose executor chose not to run (``context.skip``): CANCELED
    with ``skipped`` = the reason, its declared outputs ABANDONED, in one transaction."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    execution.last_known_state = pb.Execution.CANCELED
    values.update(execution.custom_properties, {SKIPPED_KEY: reason})
    _put(store, execution, _abandoned(store, outputs), contexts)


def outputs_of(store, execution_id: int) -> dict[str, list[Artifact]]:
    """The published outputs of an execution, by output name, each a list in event order
    (one artifact, or a resolver's window)."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    events = [e for e in store.get_events_by_execution_ids([execution_id])
              if e.type == pb.Event.OUTPUT]
    events.sort(key=lambda e: (e.path.steps[0].key,
                               e.path.steps[1].index if len(e.path.steps) > 1 else 0))
    arts = artifact_io.get(store, [e.artifact_id for e in events])
    by_id = {a.id: a for a in arts}
    outputs: dict[str, list[Artifact]] = {}
    for e in events:
        if e.artifact_id in by_id:
            outputs.setdefault(e.path.steps[0].key, []).append(by_id[e.artifact_id])
    return outputs


def state_name(execution) -> str:
    from ml_metadata.proto import metadata_store_pb2 as pb

    return pb.Execution.State.Name(execution.last_known_state)


def properties(execution) -> dict[str, Any]:
    return values.to_dict(execution.custom_properties)
