"""ExampleStatistics: TFDV's statistics of each split, ``Split-<name>/FeatureStats.pb``
(a binary ``DatasetFeatureStatisticsList``), read without TensorFlow."""
from __future__ import annotations

from .base import SPLIT_PROPERTIES, SplitFile, SplitsArtifact

STATISTICS = SplitFile("FeatureStats.pb", "tensorflow_metadata.proto.v0.statistics_pb2:"
                                          "DatasetFeatureStatisticsList")
statistics_path, load_statistics = STATISTICS.path, STATISTICS.load


class ExampleStatistics(SplitsArtifact):
    TYPE_NAME = "ExampleStatistics"
    PROPERTIES = SPLIT_PROPERTIES
