"""KFP runtime artifacts (as in the executor input and output) <-> tfpipe Artifacts.

An artifact's properties and custom properties travel as KFP artifact ``metadata``
(flat, as TFX does on KFP), so downstream tasks see split names, spans and blessings.
Keys starting ``tfpipe_`` are tfpipe's own: the artifact's id in the tfpipe MLMD
store, the real location of an artifact a resolver picked, and "absent" for a
resolver output that found nothing (the downstream input is then None), and why the
node of an absent output was skipped (``context.skip``: the nodes that take it are
skipped too, as locally).
"""
from __future__ import annotations

from typing import Any

from ....artifacts import INT, Artifact
from ....artifacts.base import recorded_artifact_class as artifact_class
from .paths import local_path

ID_KEY = "tfpipe_artifact_id"
URI_KEY = "tfpipe_uri"
ABSENT_KEY = "tfpipe_absent"
SKIPPED_KEY = "tfpipe_skipped"  # why an absent output's node was skipped


def integral(value: Any) -> Any:
    """JSON numbers that KFP carried as doubles (2.0) back to ints, inside lists and
    dicts too."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [integral(v) for v in value]
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    return value


def from_runtime(runtime: dict, type_name: str) -> Artifact | None:
    """The tfpipe artifact for one input artifact of the executor input."""
    metadata = runtime.get("metadata") or {}
    if metadata.get(ABSENT_KEY):
        return None
    cls = artifact_class(type_name)
    properties, custom = {}, {}
    for key, value in metadata.items():
        if key.startswith("tfpipe_"):
            continue
        if key in cls.PROPERTIES:
            properties[key] = int(value) if cls.PROPERTIES[key] == INT else value
        else:
            custom[key] = integral(value)
    artifact_id = metadata.get(ID_KEY)
    return cls(metadata.get(URI_KEY) or local_path(runtime["uri"]),
               id=int(artifact_id) if artifact_id is not None else None,
               properties=properties, custom_properties=custom, state="LIVE")


def to_runtime(declared: dict, artifact: Artifact | None, *, record_id: bool,
               skipped: str = "") -> dict:
    """The executor-output entry for an output declared in the executor input as
    ``declared``: KFP's uri kept, the artifact's properties as metadata."""
    metadata: dict[str, Any] = {}
    if artifact is None:
        metadata[ABSENT_KEY] = True
        if skipped:
            metadata[SKIPPED_KEY] = skipped
    else:
        metadata.update({k: v for k, v in artifact.custom_properties.items() if v is not None})
        metadata.update({k: v for k, v in artifact.properties.items() if v is not None})
        if record_id and artifact.id is not None:
            metadata[ID_KEY] = artifact.id
        if artifact.uri != local_path(declared["uri"]):
            metadata[URI_KEY] = artifact.uri  # a resolver's pick, stored elsewhere
    entry = {"name": declared.get("name", ""), "uri": declared["uri"], "metadata": metadata}
    if "type" in declared:
        entry["type"] = declared["type"]
    return entry


def skipped_upstream(executor_input: dict) -> str:
    """Why a node that produced one of this task's input artifacts was skipped, or ""."""
    for given in executor_input.get("inputs", {}).get("artifacts", {}).values():
        for runtime in given.get("artifacts") or []:
            if (runtime.get("metadata") or {}).get(SKIPPED_KEY):
                return runtime["metadata"][SKIPPED_KEY]
    return ""

