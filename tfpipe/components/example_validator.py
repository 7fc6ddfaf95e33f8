"""ExampleValidator: each split's statistics checked against the schema with TFDV."""
from __future__ import annotations

import os

from ..dsl import (ExampleAnomalies, ExampleStatistics, ExecutionContext, Input, Output, Parameter,
                   Schema, component)
from ..errors import AnomaliesFound

ANOMALIES_FILE = "SchemaDiff.pb"


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


def load_anomalies(artifact: ExampleAnomalies, split: str):
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    anomalies = anomalies_pb2.Anomalies()
    with open(os.path.join(artifact.split_uri(split), ANOMALIES_FILE), "rb") as f:
        anomalies.ParseFromString(f.read())
    return anomalies


@component
def ExampleValidator(statistics: Input[ExampleStatistics], schema: Input[Schema],
                     anomalies: Output[ExampleAnomalies],
                     fail_on_anomalies: Parameter[bool] = False,
                     context: ExecutionContext = None):
    """Validate every split's statistics against the schema; record the anomalies in
    ``Split-<name>/SchemaDiff.pb``, and stop the run on any if ``fail_on_anomalies``."""
    import tensorflow_data_validation as tfdv

    from .schema_gen import load_schema
    from .statistics_gen import load_statistics

    schema_proto = load_schema(schema)
    found: list[str] = []
    for split in statistics.split_names:
        result = tfdv.validate_statistics(load_statistics(statistics, split), schema_proto)
        os.makedirs(anomalies.split_uri(split), exist_ok=True)
        with open(os.path.join(anomalies.split_uri(split), ANOMALIES_FILE), "wb") as f:
            f.write(result.SerializeToString())
        found += describe_anomalies(split, result)
    anomalies.split_names = statistics.split_names
    anomalies.properties["span"] = statistics.span
    anomalies.custom_properties["anomaly_count"] = len(found)
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
