"""tfpipe Artifacts <-> MLMD artifacts."""
from __future__ import annotations

from ..artifacts import Artifact
from ..artifacts.base import recorded_artifact_class as artifact_class
from . import values
from .types import artifact_type_id


def to_proto(store, artifact: Artifact, state: str):
    from ml_metadata.proto import metadata_store_pb2 as pb

    proto = pb.Artifact(type_id=artifact_type_id(store, artifact.TYPE_NAME), uri=artifact.uri,
                        state=getattr(pb.Artifact, state))
    if artifact.id is not None:
        proto.id = artifact.id
    values.update(proto.properties, {k: v for k, v in artifact.properties.items()
                                     if k in artifact.PROPERTIES})
    values.update(proto.custom_properties, artifact.custom_properties)
    return proto


def from_proto(proto, type_name: str) -> Artifact:
    from ml_metadata.proto import metadata_store_pb2 as pb

    return artifact_class(type_name)(
        proto.uri, id=proto.id, properties=values.to_dict(proto.properties),
        custom_properties=values.to_dict(proto.custom_properties),
        state=pb.Artifact.State.Name(proto.state))


def get(store, artifact_ids: list[int]) -> list[Artifact]:
    """Artifacts by id, as tfpipe objects of their registered types."""
    if not artifact_ids:
        return []
    protos = store.get_artifacts_by_id(artifact_ids)
    types = {t.id: t.name for t in store.get_artifact_types_by_id(
        list({p.type_id for p in protos}))}
    by_id = {p.id: from_proto(p, types[p.type_id]) for p in protos}
    return [by_id[i] for i in artifact_ids if i in by_id]
