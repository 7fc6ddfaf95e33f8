"""The pipeline, run and node contexts that group executions and artifacts."""
from __future__ import annotations

from . import values
from .store import retrying
from .types import NODE, PIPELINE, RUN, context_type_id


def get_or_create(store, type_name: str, name: str, properties: dict | None = None):
    from ml_metadata.proto import metadata_store_pb2 as pb

    found = store.get_context_by_type_and_name(type_name, name)
    if found is not None:
        return found
    ctx = pb.Context(type_id=context_type_id(store, type_name), name=name)
    values.update(ctx.custom_properties, properties or {})
    try:
        [ctx.id] = retrying(store.put_contexts, [ctx])
    except Exception:  # created meanwhile by a concurrent run
        found = store.get_context_by_type_and_name(type_name, name)
        if found is None:
            raise
        return found
    return ctx


def for_node(store, pipeline: str, run_id: str, node_id: str) -> list:
    """The three contexts every execution of a node belongs to."""
    return [get_or_create(store, PIPELINE, pipeline),
            get_or_create(store, RUN, run_id, {"pipeline": pipeline}),
            get_or_create(store, NODE, f"{pipeline}.{node_id}",
                          {"pipeline": pipeline, "node_id": node_id})]


def node_context(store, pipeline: str, node_id: str):
    return store.get_context_by_type_and_name(NODE, f"{pipeline}.{node_id}")
