"""The model registry: every model version a Pusher pushed, as recorded in MLMD.

Queries only (``tfpipe models`` renders them). A version is a ``PushedModel`` artifact
with ``pushed`` = 1; from the Pusher execution that made it we follow its inputs to the
``Model`` (the spans it trained on, the model it warm-started from) and the
``ModelBlessing`` (the baseline it beat), and from the blessing to the Evaluator's
``ModelEvaluation`` (the overall metrics it recorded). A version's ``serving_skew`` is the
latest training/serving skew check of traffic it served: an ExampleValidator's
``ExampleAnomalies`` whose ``served_versions`` (from ``tfpipe serve``'s request logs,
carried by ImportExampleGen and StatisticsGen) name it. ``details`` adds what
``tfpipe models diff`` compares: the parameters and code hashes of every execution
upstream of the model in its own run (the warm-start model's history is not followed).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace

from ..errors import NotFoundError
from . import values
from .lineage import PUSHED_MODEL, trace
from .producers import producer
from .types import PIPELINE

# Inputs that lead to an earlier model's history rather than to this model's own making.
_OTHER_MODELS = frozenset({"base_model", "baseline_model", "candidate"})


@dataclass(frozen=True)
class SkewCheck:
    """One training/serving skew check of the traffic a model version served."""

    anomalies_id: int
    checked_at: float
    model: str  # the name it was served under
    version: int
    above: tuple[str, ...]  # the features whose skew is over their threshold
    largest: float  # the largest skew measured, over every split and feature


@dataclass(frozen=True)
class ModelVersion:
    """One pushed model version."""

    version: int
    pipeline: str
    run_id: str
    pushed_at: float
    served_at: str  # <push_destination>/<version>
    pushed_model_id: int
    model_id: int
    model_uri: str
    spans: tuple[int, ...] = ()
    metrics: dict = field(default_factory=dict, compare=False)
    baseline_model_id: int | None = None  # the blessed model it was compared with
    baseline_version: int | None = None  # that model's version, if it was pushed
    base_model_id: int | None = None  # the model it warm-started from
    blessing: str = ""
    serving_skew: SkewCheck | None = None  # the latest check of traffic it served


@dataclass(frozen=True)
class ModelDetails:
    """What ``models diff`` compares besides metrics and spans."""

    parameters: dict[str, object]  # "<node>.<parameter>" -> value
    code: dict[str, str]  # file name -> content hash recorded by the cache key


def _pb():
    from ml_metadata.proto import metadata_store_pb2 as pb

    return pb


def _props(artifact) -> dict:
    return {**values.to_dict(artifact.properties), **values.to_dict(artifact.custom_properties)}


def _events_by_key(store, execution_id: int, event_type) -> dict[str, int]:
    return {e.path.steps[0].key: e.artifact_id
            for e in store.get_events_by_execution_ids([execution_id]) if e.type == event_type}


def _artifact(store, artifact_id: int | None):
    if artifact_id is None:
        return None
    found = store.get_artifacts_by_id([artifact_id])
    return found[0] if found else None


def _pipeline_of(store, execution_id: int) -> str:
    pipeline_type = store.get_context_type(PIPELINE).id
    return next((c.name for c in store.get_contexts_by_execution(execution_id)
                 if c.type_id == pipeline_type), "")


def _metrics(store, blessing_id: int | None) -> dict:
    made = producer(store, blessing_id) if blessing_id is not None else None
    if made is None:
        return {}
    evaluation = _artifact(store, _events_by_key(store, made[0], _pb().Event.OUTPUT)
                           .get("evaluation"))
    return json.loads(_props(evaluation).get("metrics") or "{}") if evaluation else {}


def _version(store, pushed) -> ModelVersion | None:
    pb = _pb()
    made = producer(store, pushed.id)
    if made is None:
        return None
    execution_id = made[0]
    inputs = _events_by_key(store, execution_id, pb.Event.INPUT)
    model, blessing = _artifact(store, inputs.get("model")), \
        _artifact(store, inputs.get("model_blessing"))
    if model is None:
        return None
    pushed_props, model_props = _props(pushed), _props(model)
    blessing_props = _props(blessing) if blessing is not None else {}
    [execution] = store.get_executions_by_id([execution_id])
    run_id = values.to_dict(execution.custom_properties).get("run_id", "")
    spans = json.loads(model_props.get("spans") or "[]")
    return ModelVersion(
        version=int(pushed_props["pushed_version"]), pipeline=_pipeline_of(store, execution_id),
        run_id=run_id, pushed_at=pushed.create_time_since_epoch / 1000,
        served_at=pushed_props.get("pushed_destination", ""), pushed_model_id=pushed.id,
        model_id=model.id, model_uri=model.uri, spans=tuple(spans),
        metrics=_metrics(store, blessing.id if blessing is not None else None),
        baseline_model_id=blessing_props.get("baseline_model_id"),
        base_model_id=model_props.get("base_model_id"),
        blessing=blessing_props.get("reason", ""))


def skew_checks(store) -> list[SkewCheck]:
    """Every skew check of served traffic in the store, oldest first, once for each
    model version that served the traffic."""
    try:
        found = store.get_artifacts_by_type("ExampleAnomalies")
    except Exception:  # noqa: BLE001 - the type is not registered: no check yet
        return []
    checks = []
    for artifact in sorted(found, key=lambda a: a.id):
        props = _props(artifact)
        if not props.get("served_versions") or "skew" not in props:
            continue
        measured = [m for by_feature in json.loads(props["skew"]).values()
                    for m in by_feature.items()]
        above = tuple(sorted({f for f, m in measured if m.get("above")}))
        largest = max((m.get("value", 0.0) for _, m in measured), default=0.0)
        for served in json.loads(props["served_versions"]):
            checks.append(SkewCheck(artifact.id, artifact.create_time_since_epoch / 1000,
                                    served["model"], int(served["version"]), above, largest))
    return checks


def _serves(version: ModelVersion, check: SkewCheck) -> bool:
    """Whether ``check``'s traffic was served by ``version``: the same number, under the
    pipeline's name or its destination folder's (``tfpipe serve``'s default names)."""
    return check.version == version.version and check.model in (
        version.pipeline, os.path.basename(os.path.dirname(version.served_at.rstrip("/"))))


def list_models(store, pipeline: str | None = None) -> list[ModelVersion]:
    """Every pushed model version (of ``pipeline`` only, if given), oldest first, each
    with the version of the baseline it beat when that baseline was pushed too, and the
    latest skew check of the traffic it served."""
    try:
        pushed = store.get_artifacts_by_type(PUSHED_MODEL)
    except Exception:  # noqa: BLE001 - the type is not registered: nothing was pushed
        return []
    found = []
    for artifact in sorted(pushed, key=lambda a: a.id):
        props = _props(artifact)
        if props.get("pushed") and "pushed_version" in props:
            version = _version(store, artifact)
            if version is not None and (pipeline is None or version.pipeline == pipeline):
                found.append(version)
    unique = {(v.served_at, v.model_id): v for v in reversed(found)}  # cached re-outputs
    found = sorted(unique.values(), key=lambda v: (v.pushed_at, v.version))
    by_model = {v.model_id: v.version for v in found}
    checks = skew_checks(store) if found else []
    return [replace(v, baseline_version=by_model.get(v.baseline_model_id),
                    serving_skew=next((c for c in reversed(checks) if _serves(v, c)), None))
            for v in found]


def find_version(versions: list[ModelVersion], ref: str) -> ModelVersion:
    """A version by its number, or ``latest`` / ``previous``."""
    ref = str(ref).strip().lower()
    listed = ", ".join(str(v.version) for v in versions[-5:]) or "none yet"
    if not versions:
        raise NotFoundError("no model version has been pushed in this metadata store.",
                            fix="run the pipeline until its Pusher pushes a blessed model")
    if ref in ("latest", "previous"):
        if ref == "previous" and len(versions) < 2:
            raise NotFoundError("only one model version has been pushed, so there is no "
                                "previous one.", fix=f"compare versions that exist: {listed}")
        return versions[-1] if ref == "latest" else versions[-2]
    matches = [v for v in versions if str(v.version) == ref]
    if matches:
        return matches[-1]
    raise NotFoundError(f"no pushed model version {ref!r} in this metadata store.",
                        fix=f"give a version that `tfpipe models` lists (the latest: {listed}), "
                        "or latest / previous")


def details(store, version: ModelVersion) -> ModelDetails:
    """The parameters and code hashes of the executions that made ``version``'s model
    (the latest execution of each node upstream of it)."""
    lineage = trace(store, version.model_id, downstream=False, skip_inputs=_OTHER_MODELS)
    latest = {}
    for execution in sorted(lineage.executions.values(), key=lambda e: e.id):
        latest[execution.node_id] = execution
    parameters, code = {}, {}
    for node_id, execution in sorted(latest.items()):
        for name, value in execution.parameters.items():
            parameters[f"{node_id}.{name}"] = value
        for source in execution.sources:
            if source.kind == "code":
                code[source.name] = source.recorded
    return ModelDetails(parameters, code)
