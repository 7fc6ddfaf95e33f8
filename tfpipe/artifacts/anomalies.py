"""ExampleAnomalies: TFDV's anomalies of each split (schema and drift),
``Split-<name>/SchemaDiff.pb`` (a binary ``Anomalies``), read without TensorFlow."""
from __future__ import annotations

from .base import SPLIT_PROPERTIES, SplitFile, SplitsArtifact

ANOMALIES = SplitFile("SchemaDiff.pb", "tensorflow_metadata.proto.v0.anomalies_pb2:Anomalies")
anomalies_path, load_anomalies, write_anomalies = ANOMALIES.path, ANOMALIES.load, ANOMALIES.write


class ExampleAnomalies(SplitsArtifact):
    TYPE_NAME = "ExampleAnomalies"
    PROPERTIES = SPLIT_PROPERTIES
