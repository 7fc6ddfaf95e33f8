"""Importer: register an artifact that already exists (a curated schema, a model trained
elsewhere, examples) so that a pipeline can start from it, as TFX's Importer does.

``Importer(source_uri=..., artifact_type=tfpipe.Schema)`` has one output, ``result``, of
that type. The files are not copied: the artifact points at ``source_uri``. Importing a
URI already registered as that type reuses its artifact (same id, so downstream nodes
come from the cache); ``reimport=True`` registers a new artifact each run. The node is
never cached itself: what it returns depends on the store.
"""
from __future__ import annotations

import os

from ..artifacts import Artifact, artifact_class
from ..dsl import ExecutionContext, Node, Parameter, component
from ..errors import DefinitionError, InputDataError


def import_artifact(source_uri: Parameter[str], artifact_type: Parameter[str],
                    reimport: Parameter[bool] = False, properties: Parameter[dict] = None,
                    custom_properties: Parameter[dict] = None,
                    context: ExecutionContext = None) -> dict[str, Artifact]:
    """The executor: the registered artifact at ``source_uri`` (reused unless
    ``reimport``), else a new LIVE one."""
    from ..metadata import artifacts as artifact_io
    from ..metadata.store import connect
    from ..metadata.types import artifact_type_id

    node = context.node_id
    if "://" not in source_uri and not os.path.exists(source_uri):
        raise InputDataError(f"source_uri {source_uri} does not exist.", node=node,
                             fix="point source_uri at the file or folder to import")
    store = connect(context.metadata)
    type_id = artifact_type_id(store, artifact_type)
    if not reimport:
        from ml_metadata.proto import metadata_store_pb2 as pb

        known = [a for a in store.get_artifacts_by_uri(source_uri)
                 if a.type_id == type_id and a.state == pb.Artifact.LIVE]
        if known:
            return {"result": artifact_io.get(store, [max(a.id for a in known)])[0]}
    artifact = artifact_class(artifact_type, node=node)(
        source_uri, properties=properties or {}, custom_properties={
            **(custom_properties or {}), "imported_by": context.pipeline_name})
    [artifact.id] = store.put_artifacts([artifact_io.to_proto(store, artifact, "LIVE")])
    return {"result": artifact}


def Importer(*, source_uri: str, artifact_type: type[Artifact], reimport: bool = False,
             properties: dict | None = None, custom_properties: dict | None = None) -> Node:
    """A node whose ``result`` output is the existing artifact at ``source_uri``, of
    ``artifact_type`` (tfpipe.Schema, tfpipe.Model, tfpipe.Examples, ...)."""
    if not (isinstance(artifact_type, type) and issubclass(artifact_type, Artifact)):
        raise DefinitionError(f"Importer's artifact_type must be an artifact class, got "
                              f"{artifact_type!r}.", fix="e.g. artifact_type=tfpipe.Schema")
    importer = component(import_artifact, name="Importer", cacheable=False,
                         content_parameters=(), returns={"result": artifact_type})
    return importer(source_uri=source_uri, artifact_type=artifact_type.TYPE_NAME,
                    reimport=reimport, properties=properties, custom_properties=custom_properties)
