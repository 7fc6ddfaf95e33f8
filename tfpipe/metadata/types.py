"""Registering artifact, execution and context types (idempotent, cached per store)."""
from __future__ import annotations

from ..artifacts.base import recorded_artifact_class as artifact_class
from .store import retrying

PIPELINE, RUN, NODE = "pipeline", "pipeline_run", "node"
_CACHE_ATTRIBUTE = "_tfpipe_type_ids"


def _cached(store, kind: str, name: str, make) -> int:
    """A type id, registered once per store object. The cache lives on the store itself:
    keyed by ``id(store)`` it would hand a new store, given the id of a collected one, the
    type ids of another database."""
    cache = vars(store).setdefault(_CACHE_ATTRIBUTE, {})
    if (kind, name) not in cache:
        cache[(kind, name)] = retrying(make)
    return cache[(kind, name)]


def artifact_type_id(store, type_name: str) -> int:
    from ml_metadata.proto import metadata_store_pb2 as pb

    def make() -> int:
        t = pb.ArtifactType(name=type_name)
        for prop, kind in artifact_class(type_name).PROPERTIES.items():
            t.properties[prop] = getattr(pb, kind)
        return store.put_artifact_type(t, can_add_fields=True)
    return _cached(store, "artifact", type_name, make)


def execution_type_id(store, component: str) -> int:
    from ml_metadata.proto import metadata_store_pb2 as pb

    return _cached(store, "execution", component,
                   lambda: store.put_execution_type(pb.ExecutionType(name=component)))


def context_type_id(store, name: str) -> int:
    from ml_metadata.proto import metadata_store_pb2 as pb

    return _cached(store, "context", name,
                   lambda: store.put_context_type(pb.ContextType(name=name)))
