"""The span history of a pipeline: each span it ingested, the statistics and drift
recorded for it, and the model trained when it was the newest span.

Queries only (the report's "Span history" section renders them). The artifacts are the
pipeline's own (attributed to its pipeline context): ExampleGen's ``Examples`` (those
recording the ``input_fingerprint`` of the files they read, not Transform's), the
``ExampleStatistics`` and ``ExampleAnomalies`` of each span (the latest LIVE one), and
the ``Model`` artifacts, whose ``spans`` say what they trained on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import values
from .models import list_models
from .types import PIPELINE


@dataclass(frozen=True)
class SpanRecord:
    """One span as the pipeline saw it."""

    span: int
    version: int
    examples_id: int
    ingested: float
    statistics_uri: str = ""
    statistics_splits: tuple[str, ...] = ()
    baseline_span: int | None = None
    # {split: {feature: {"type": ..., "value": ..., "threshold": ..., "above": bool}}}
    drift: dict = field(default_factory=dict, compare=False)
    anomaly_count: int | None = None
    model_id: int | None = None  # the latest model whose window ends at this span
    model_spans: tuple[int, ...] = ()
    model_version: int | None = None  # its pushed version, if it was pushed


def _by_type(store, pipeline: str) -> dict[str, list]:
    """The pipeline's LIVE artifacts by type name, oldest first."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    context = store.get_context_by_type_and_name(PIPELINE, pipeline)
    if context is None:
        return {}
    found = [a for a in store.get_artifacts_by_context(context.id)
             if a.state == pb.Artifact.LIVE]
    names = {t.id: t.name for t in store.get_artifact_types_by_id(
        list({a.type_id for a in found}))} if found else {}
    by_type: dict[str, list] = {}
    for a in sorted(found, key=lambda a: a.id):
        by_type.setdefault(names[a.type_id], []).append(a)
    return by_type


def _props(artifact) -> dict:
    return {**values.to_dict(artifact.properties), **values.to_dict(artifact.custom_properties)}


def _latest_per_span(artifacts) -> dict[int, dict]:
    """{span: properties (with uri and id) of the newest artifact of that span}."""
    latest = {}
    for a in artifacts:
        props = _props(a)
        if props.get("span") is not None:
            latest[props["span"]] = {**props, "uri": a.uri, "id": a.id}
    return latest


def span_history(store, pipeline: str) -> list[SpanRecord]:
    """Every span ``pipeline`` ingested, oldest span first (its newest version)."""
    by_type = _by_type(store, pipeline)
    ingested: dict[int, object] = {}
    for a in by_type.get("Examples", []):
        props = _props(a)
        if "input_fingerprint" in props and props.get("span") is not None:
            best = ingested.get(props["span"])
            if best is None or (props.get("version") or 0) >= (_props(best).get("version") or 0):
                ingested[props["span"]] = a
    statistics = _latest_per_span(by_type.get("ExampleStatistics", []))
    anomalies = _latest_per_span(by_type.get("ExampleAnomalies", []))
    produced: dict[int, tuple[int, tuple[int, ...]]] = {}
    for model in by_type.get("Model", []):
        spans = tuple(json.loads(_props(model).get("spans") or "[]"))
        if spans:
            produced[max(spans)] = (model.id, spans)
    versions = {v.model_id: v.version for v in list_models(store, pipeline)}
    records = []
    for span, examples in sorted(ingested.items()):
        stats, checked = statistics.get(span, {}), anomalies.get(span, {})
        model_id, model_spans = produced.get(span, (None, ()))
        records.append(SpanRecord(
            span=span, version=_props(examples).get("version") or 0, examples_id=examples.id,
            ingested=examples.create_time_since_epoch / 1000,
            statistics_uri=stats.get("uri", ""),
            statistics_splits=tuple(json.loads(stats.get("split_names") or "[]")),
            baseline_span=checked.get("baseline_span"),
            drift=json.loads(checked.get("drift") or "{}"),
            anomaly_count=checked.get("anomaly_count"), model_id=model_id,
            model_spans=model_spans, model_version=versions.get(model_id)))
    return records
