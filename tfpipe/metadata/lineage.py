"""Lineage queries: where an artifact came from, and what used it.

Queries only (``tfpipe lineage`` renders them). Upstream follows each artifact to the
execution that produced it (the one that declared it ``PENDING_OUTPUT``: a cached
execution or a resolver re-outputs artifacts it did not make) and on to that
execution's inputs, down to the nodes that read files (CsvExampleGen's
``input_base``). Downstream follows the executions that read an artifact to what they
produced. Cached re-uses are counted, not repeated.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from ..errors import NotFoundError
from . import values

PUSHED_MODEL = "PushedModel"


@dataclass(frozen=True)
class ArtifactInfo:
    id: int
    type_name: str
    uri: str
    state: str
    created: float
    properties: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Source:
    """A file or folder an execution read by path: data or code, with the hash the cache
    key recorded and whether the file on disk still matches it."""

    kind: str  # "data" or "code"
    name: str  # parameter name or file name
    path: str  # "" when not known
    recorded: str
    now: str  # "unchanged", "changed", "missing" or "unknown"


@dataclass(frozen=True)
class ExecutionInfo:
    id: int
    component: str
    node_id: str
    run_id: str
    state: str
    started: float
    parameters: dict = field(default_factory=dict, compare=False)
    sources: tuple[Source, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class Lineage:
    """The artifact ``root`` and the graph around it, by id."""

    root: int
    artifacts: dict[int, ArtifactInfo] = field(default_factory=dict)
    executions: dict[int, ExecutionInfo] = field(default_factory=dict)
    producer: dict[int, int] = field(default_factory=dict)  # artifact -> execution
    inputs: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # exec -> arts
    consumers: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # art -> execs
    outputs: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # exec -> arts
    cached_uses: dict[int, int] = field(default_factory=dict)  # artifact -> cached re-outputs


def _pb():
    from ml_metadata.proto import metadata_store_pb2 as pb

    return pb


def _artifact_infos(store, ids) -> dict[int, ArtifactInfo]:
    pb = _pb()
    protos = store.get_artifacts_by_id(sorted(ids)) if ids else []
    types = {t.id: t.name for t in store.get_artifact_types_by_id(
        list({p.type_id for p in protos}))} if protos else {}
    return {p.id: ArtifactInfo(p.id, types[p.type_id], p.uri, pb.Artifact.State.Name(p.state),
                               p.create_time_since_epoch / 1000,
                               {**values.to_dict(p.properties),
                                **values.to_dict(p.custom_properties)}) for p in protos}


MAX_ID = 2**63 - 1  # MLMD's ids are signed 64-bit integers


def parse_id(text: str) -> int | None:
    """``text`` as an MLMD id if it is one (ASCII digits, within 64 bits), else None."""
    text = str(text).strip()
    if text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        return int(text)
    return None


def find_artifact(store, ref: str, where: str = "this metadata store") -> int:
    """The artifact id for ``ref``: an id, an artifact's URI or a path inside it, or a
    pushed model's folder (``<push_destination>/<version>``, or the destination itself
    for its newest version)."""
    ref = str(ref).strip()
    if ref.isascii() and ref.isdigit():
        if parse_id(ref) is not None and store.get_artifacts_by_id([int(ref)]):
            return int(ref)
        raise NotFoundError(f"no artifact with id {ref} in {where}.",
                            fix="give an id, URI or pushed model path that `tfpipe report` "
                            "or `tfpipe lineage` showed")
    path = os.path.abspath(ref).rstrip(os.sep)
    pushed = _pushed_models(store)
    folder = path
    while True:
        found = store.get_artifacts_by_uri(folder) or store.get_artifacts_by_uri(folder + "/")
        if found:
            return max(found, key=lambda a: (a.state == _pb().Artifact.LIVE, a.id)).id
        if folder in pushed:
            return pushed[folder][-1]
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    versions = [(v, i) for dest, ids in pushed.items() if os.path.dirname(dest) == path
                for i in ids for v in [os.path.basename(dest)]]
    if versions:  # the push destination: its newest version
        return max(versions, key=lambda vi: (int(vi[0]) if vi[0].isdigit() else -1, vi[1]))[1]
    raise NotFoundError(f"{ref} is not an artifact, a path inside one, or a pushed model "
                        f"recorded in {where}.",
                        fix="check the path, or point at the right store with "
                        "--pipeline-root or --metadata")


def _pushed_models(store) -> dict[str, list[int]]:
    """Pushed model folders -> ids of the PushedModel artifacts that pushed them."""
    pushed: dict[str, list[int]] = {}
    try:
        protos = store.get_artifacts_by_type(PUSHED_MODEL)
    except Exception:  # the type is not registered: nothing was ever pushed
        return pushed
    for p in sorted(protos, key=lambda a: a.id):
        dest = p.custom_properties.get("pushed_destination")
        if dest is not None and dest.string_value:
            pushed.setdefault(os.path.abspath(dest.string_value).rstrip(os.sep), []).append(p.id)
    return pushed


def _sources(props: dict, parameters: dict) -> tuple[Source, ...]:
    """Data and code an execution read, from the cache key parts it recorded."""
    from ..fingerprint import file_hash, local_imports, path_fingerprint

    parts = json.loads(props.get("cache_parts") or "{}")
    code_paths = {}
    for name, value in parameters.items():
        if isinstance(value, str) and name == "module_file" and os.path.isfile(value):
            code_paths.update({os.path.basename(p): p for p in local_imports(value)})
    found = []
    for key, recorded in sorted(parts.items()):
        if key.startswith("content of "):
            name = key[len("content of "):]
            path = parameters.get(name) if isinstance(parameters.get(name), str) else ""
            current = path_fingerprint(path) if path else None
            found.append(Source("data", name, path or "", recorded, _compare(recorded, current)))
        elif key.startswith("file "):
            name = key[len("file "):]
            path = code_paths.get(name, "")
            current = file_hash(path) if path else None
            found.append(Source("code", name, path, recorded, _compare(recorded, current)))
    return tuple(found)


def _compare(recorded: str, current: str | None) -> str:
    if current is None:
        return "unknown"
    if current == "missing":
        return "missing"
    return "unchanged" if current == recorded else "changed"


def _execution_infos(store, ids) -> dict[int, ExecutionInfo]:
    pb = _pb()
    protos = store.get_executions_by_id(sorted(ids)) if ids else []
    types = {t.id: t.name for t in store.get_execution_types_by_id(
        list({p.type_id for p in protos}))} if protos else {}
    infos = {}
    for p in protos:
        props = values.to_dict(p.custom_properties)
        params = json.loads(props.get("parameters") or "{}")
        infos[p.id] = ExecutionInfo(
            p.id, types[p.type_id], props.get("node_id", types[p.type_id]),
            props.get("run_id", ""), pb.Execution.State.Name(p.last_known_state),
            p.create_time_since_epoch / 1000, params, _sources(props, params),
            props.get("error", ""))
    return infos


def _key(event) -> str:
    return event.path.steps[0].key if event.path.steps else ""


def _producers(store, artifact_ids) -> tuple[dict[int, int], dict[int, int]]:
    """artifact -> the execution that produced it; artifact -> count of other executions
    (cached ones, resolvers) that output it again."""
    pb = _pb()
    events = store.get_events_by_artifact_ids(sorted(artifact_ids)) if artifact_ids else []
    declared = {e.artifact_id: e.execution_id for e in events if e.type == pb.Event.PENDING_OUTPUT}
    outputs: dict[int, list[int]] = {}
    for e in events:
        if e.type == pb.Event.OUTPUT:
            outputs.setdefault(e.artifact_id, []).append(e.execution_id)
    producer = {a: declared.get(a, min(ex)) for a, ex in outputs.items()}
    again = {a: len(set(ex) - {producer[a]}) for a, ex in outputs.items()}
    return producer, again


def _follow(store, executions: set[int], event_type, record: dict, seen: set[int],
            skip: frozenset[str] = frozenset()) -> set[int]:
    """Record the ``event_type`` events of ``executions`` (execution -> [(key, artifact)])
    but those under the keys ``skip``, and return the artifacts among them not seen
    before (now marked seen)."""
    found = set()
    for e in store.get_events_by_execution_ids(sorted(executions)) if executions else []:
        if e.type == event_type and _key(e) not in skip:
            record.setdefault(e.execution_id, []).append((_key(e), e.artifact_id))
            if e.artifact_id not in seen:
                seen.add(e.artifact_id)
                found.add(e.artifact_id)
    return found


def trace(store, artifact_id: int, *, upstream: bool = True, downstream: bool = True,
          skip_inputs: frozenset[str] = frozenset()) -> Lineage:
    """The lineage of one artifact: everything it came from and everything made from it.
    Upstream, inputs named in ``skip_inputs`` are not followed (e.g. ``base_model``, so
    a warm-started model's lineage stops at its own run's data and code)."""
    pb = _pb()
    lineage = Lineage(artifact_id)  # its dicts are filled below, then the infos added
    lineage.cached_uses.update(_producers(store, {artifact_id})[1])
    seen_artifacts, seen_executions = {artifact_id}, set()
    todo = {artifact_id}
    while upstream and todo:  # artifact -> producer -> its inputs -> ...
        producer, again = _producers(store, todo)
        lineage.producer.update(producer)
        lineage.cached_uses.update(again)
        new_execs = set(producer.values()) - seen_executions
        seen_executions |= new_execs
        todo = _follow(store, new_execs, pb.Event.INPUT, lineage.inputs, seen_artifacts,
                       frozenset(skip_inputs))
    todo = {artifact_id}
    while downstream and todo:  # artifact -> executions reading it -> what they produced
        events = store.get_events_by_artifact_ids(sorted(todo))
        readers = {e.execution_id for e in events if e.type == pb.Event.INPUT}
        states = {x.id: x.last_known_state for x in store.get_executions_by_id(sorted(readers))}
        new_execs = set()
        for e in events:
            if e.type == pb.Event.INPUT and states.get(e.execution_id) != pb.Execution.CACHED:
                lineage.consumers.setdefault(e.artifact_id, []).append((_key(e), e.execution_id))
                new_execs.add(e.execution_id)
        new_execs -= seen_executions
        seen_executions |= new_execs
        todo = _follow(store, new_execs, pb.Event.OUTPUT, lineage.outputs, seen_artifacts)
    lineage.artifacts.update(_artifact_infos(store, seen_artifacts))
    lineage.executions.update(_execution_infos(store, seen_executions))
    return lineage


def get_artifacts(store, artifact_ids) -> list[ArtifactInfo]:
    """Artifacts by id (the unknown ones left out), in id order."""
    return list(_artifact_infos(store, {i for i in artifact_ids if 0 <= i <= MAX_ID}).values())


def list_artifacts(store, type_name: str | None = None,
                   pipeline: str | None = None) -> list[ArtifactInfo]:
    """The artifacts of one type and/or one pipeline (all of them if neither), newest
    first. An unknown type or pipeline has none."""
    from .types import PIPELINE

    if pipeline is not None:
        context = store.get_context_by_type_and_name(PIPELINE, pipeline)
        protos = store.get_artifacts_by_context(context.id) if context is not None else []
    elif type_name is not None:
        try:
            protos = store.get_artifacts_by_type(type_name)
        except Exception:  # noqa: BLE001 - the type is not registered: none of it
            protos = []
    else:
        protos = store.get_artifacts()
    found = _artifact_infos(store, {p.id for p in protos}).values()
    return sorted((a for a in found if type_name is None or a.type_name == type_name),
                  key=lambda a: a.id, reverse=True)
