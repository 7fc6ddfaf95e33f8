"""ExampleValidator: each split's statistics checked against the schema with TFDV, and
against a baseline for drift (the previous span) and skew (serving data).

Drift and skew use TFDV's comparators: the L-infinity distance for categorical (string)
features and the Jensen-Shannon divergence for numeric ones, with a threshold per
feature given in ``drift_thresholds``/``skew_thresholds`` or already set in the schema.
Every measurement, above its threshold or not, is recorded on the ExampleAnomalies
artifact (custom properties ``drift`` and ``skew``, JSON by split and feature) so that
the report and ``tfpipe models`` can show how each span moved."""
from __future__ import annotations

import difflib
import json

from ..artifacts.anomalies import write_anomalies
from ..artifacts.schema import load_schema
from ..artifacts.statistics import load_statistics
from ..dsl import (ExampleAnomalies, ExampleStatistics, ExecutionContext, Input, Output, Parameter,
                   Schema, component)
from ..errors import AnomaliesFound, ExecutionError

def describe_anomalies(split: str, anomalies) -> list[str]:
    """One line per anomalous feature: split, feature, short and long description."""
    lines = []
    for feature, info in sorted(anomalies.anomaly_info.items()):
        lines.append(f"{split}: feature {feature!r}: {info.short_description} — "
                     f"{info.description}")
    if anomalies.HasField("dataset_anomaly_info"):
        info = anomalies.dataset_anomaly_info
        lines.append(f"{split}: dataset: {info.short_description} — {info.description}")
    return lines


def _set_comparators(schema_proto, thresholds: dict | None, kind: str, node: str) -> None:
    """Per feature: L-infinity for strings, Jensen-Shannon divergence for numbers."""
    from tensorflow_metadata.proto.v0 import schema_pb2

    if thresholds is None:
        return
    by_name = {f.name: f for f in schema_proto.feature}
    if not isinstance(thresholds, dict):
        raise ExecutionError(f"{kind}_thresholds must be a dict of feature -> threshold, got "
                             f"{thresholds!r}.", node=node,
                             fix=f"e.g. {kind}_thresholds={{'payment_type': 0.1}}")
    for name, threshold in thresholds.items():
        if name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ExecutionError(f"{kind}_thresholds names feature {name!r}, which the schema "
                                 f"does not have.{hint}", node=node,
                                 fix=f"use features of the schema: {', '.join(sorted(by_name))}")
        if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or \
                not 0 < threshold <= 1:
            raise ExecutionError(f"{kind}_thresholds[{name!r}] must be a number in (0, 1], got "
                                 f"{threshold!r}.", node=node,
                                 fix=f"e.g. {kind}_thresholds={{{name!r}: 0.1}}")
        feature = by_name[name]
        comparator = getattr(feature, f"{kind}_comparator")
        if feature.type == schema_pb2.BYTES:
            comparator.infinity_norm.threshold = threshold
        else:
            comparator.jensen_shannon_divergence.threshold = threshold


def measurements(result, kind: str) -> dict[str, dict]:
    """Drift (or skew) measurements of a TFDV result, by feature."""
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    out = {}
    for info in result.drift_skew_info:
        feature = ".".join(info.path.step)
        for m in getattr(info, f"{kind}_measurements"):
            out[feature] = {"type": anomalies_pb2.DriftSkewInfo.Measurement.Type.Name(m.type),
                            "value": round(m.value, 6), "threshold": m.threshold,
                            "above": m.value > m.threshold}
    return out


@component
def ExampleValidator(statistics: Input[ExampleStatistics], schema: Input[Schema],
                     anomalies: Output[ExampleAnomalies],
                     baseline_statistics: Input[ExampleStatistics] = None,
                     serving_statistics: Input[ExampleStatistics] = None,
                     drift_thresholds: Parameter[dict] = None,
                     skew_thresholds: Parameter[dict] = None,
                     fail_on_anomalies: Parameter[bool] = False,
                     context: ExecutionContext = None):
    """Validate every split's statistics against the schema; record the anomalies in
    ``Split-<name>/SchemaDiff.pb``, and stop the run on any if ``fail_on_anomalies``.

    With ``baseline_statistics`` (the previous span's, from PreviousSpanResolver) each
    split is also checked for drift against the same split of the baseline; with
    ``serving_statistics`` (statistics of serving requests) for training-serving skew
    against the serving data's first split. ``drift_thresholds``/``skew_thresholds``
    map feature names to thresholds, e.g. ``{"payment_type": 0.1, "trip_miles": 0.05}``."""
    import tensorflow_data_validation as tfdv

    node = context.node_id
    schema_proto = load_schema(schema.uri)
    _set_comparators(schema_proto, drift_thresholds, "drift", node)
    _set_comparators(schema_proto, skew_thresholds, "skew", node)
    serving = load_statistics(serving_statistics.uri, serving_statistics.split_names[0]) \
        if serving_statistics and serving_statistics.split_names else None
    found: list[str] = []
    drift: dict[str, dict] = {}
    skew: dict[str, dict] = {}
    for split in statistics.split_names:
        previous = load_statistics(baseline_statistics.uri, split) \
            if baseline_statistics and split in baseline_statistics.split_names else None
        result = tfdv.validate_statistics(load_statistics(statistics.uri, split), schema_proto,
                                          previous_statistics=previous,
                                          serving_statistics=serving)
        write_anomalies(result, anomalies.uri, split)
        found += describe_anomalies(split, result)
        drift[split] = measurements(result, "drift")
        skew[split] = measurements(result, "skew")
    anomalies.split_names = statistics.split_names
    anomalies.properties["span"] = statistics.span
    anomalies.custom_properties["anomaly_count"] = len(found)
    if baseline_statistics is not None:
        anomalies.custom_properties.update(baseline_span=baseline_statistics.span,
                                           drift=json.dumps(drift, sort_keys=True))
    if serving is not None:
        anomalies.custom_properties["skew"] = json.dumps(skew, sort_keys=True)
        served = serving_statistics.custom_properties.get("served_versions")
        if served:  # the model versions that served the traffic (tfpipe serve's logs)
            anomalies.custom_properties["served_versions"] = served
    if found and fail_on_anomalies:
        raise AnomaliesFound(f"{_count(found)} against the schema:\n    "
                             + "\n    ".join(found), node=context.node_id,
                             fix="fix the data, or update the schema if the change is expected "
                             "(or set fail_on_anomalies=False to record them and go on)")
    if found:
        context.warn(f"{_count(found)} against the schema (recorded in "
                     f"{anomalies.uri}):\n" + "\n".join(found))


def _count(found: list[str]) -> str:
    return f"{len(found)} anomal{'y' if len(found) == 1 else 'ies'}"
