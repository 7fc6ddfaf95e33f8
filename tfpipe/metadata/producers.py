"""Which execution produced an artifact, what it read, and the other artifacts that
the same node's same output produced (every span a node ingested)."""
from __future__ import annotations

from ..artifacts import Artifact
from . import artifacts as artifact_io
from .types import NODE


def _pb():
    from ml_metadata.proto import metadata_store_pb2 as pb

    return pb


def producer(store, artifact_id: int) -> tuple[int, str] | None:
    """(execution id, output name) of the first execution that output the artifact."""
    pb = _pb()
    events = sorted((e for e in store.get_events_by_artifact_ids([artifact_id])
                     if e.type in (pb.Event.OUTPUT, pb.Event.PENDING_OUTPUT)),
                    key=lambda e: e.execution_id)
    return (events[0].execution_id, events[0].path.steps[0].key) if events else None


def input_ids(store, execution_id: int) -> set[int]:
    """Ids of the artifacts an execution read."""
    return {e.artifact_id for e in store.get_events_by_execution_ids([execution_id])
            if e.type == _pb().Event.INPUT}


def same_output(store, artifact_id: int) -> list[Artifact]:
    """The LIVE artifacts that the node which produced ``artifact_id`` published under
    the same output name, in any run (oldest first)."""
    pb = _pb()
    found = producer(store, artifact_id)
    if found is None:
        return []
    execution_id, key = found
    [node_ctx] = [c for c in store.get_contexts_by_execution(execution_id)
                  if c.type_id == store.get_context_type(NODE).id] or [None]
    if node_ctx is None:
        return []
    execution_ids = [e.id for e in store.get_executions_by_context(node_ctx.id)]
    ids = sorted({e.artifact_id for e in store.get_events_by_execution_ids(execution_ids)
                  if e.type == pb.Event.OUTPUT and e.path.steps[0].key == key})
    return [a for a in artifact_io.get(store, ids) if a.state == "LIVE"]
