"""StatisticsGen: TFDV statistics of every split, in ``Split-<name>/FeatureStats.pb``."""
from __future__ import annotations

import os

from ..dsl import ExampleStatistics, Examples, ExecutionContext, Input, Output, Schema, component
from .beam_io import beam_pipeline, split_pattern

STATS_FILE = "FeatureStats.pb"


def load_statistics(artifact: ExampleStatistics, split: str):
    """The DatasetFeatureStatisticsList of one split."""
    import tensorflow_data_validation as tfdv

    return tfdv.load_stats_binary(os.path.join(artifact.split_uri(split), STATS_FILE))


@component
def StatisticsGen(examples: Input[Examples], statistics: Output[ExampleStatistics],
                  schema: Input[Schema] = None, context: ExecutionContext = None):
    """Compute TensorFlow Data Validation statistics for each split of ``examples``."""
    import tensorflow_data_validation as tfdv
    from tfx_bsl.public import tfxio

    from .schema_gen import load_schema

    options = tfdv.StatsOptions(schema=load_schema(schema) if schema else None)
    with beam_pipeline(context) as p:
        for split in examples.split_names:
            source = tfxio.TFExampleRecord(file_pattern=split_pattern(examples.uri, split),
                                           telemetry_descriptors=["tfpipe", "StatisticsGen"])
            (p | f"Read[{split}]" >> source.BeamSource()
               | f"Stats[{split}]" >> tfdv.GenerateStatistics(options)
               | f"Write[{split}]" >> tfdv.WriteStatisticsToBinaryFile(
                   os.path.join(statistics.split_uri(split), STATS_FILE)))
    statistics.split_names = examples.split_names
    statistics.properties["span"] = examples.span
