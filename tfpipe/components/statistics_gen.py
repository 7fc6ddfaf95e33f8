"""StatisticsGen: TFDV statistics of every split, in ``Split-<name>/FeatureStats.pb``."""
from __future__ import annotations


from ..artifacts.examples import split_pattern
from ..artifacts.schema import load_schema
from ..artifacts.statistics import statistics_path
from ..dsl import ExampleStatistics, Examples, ExecutionContext, Input, Output, Schema, component
from ..beam.pipeline import beam_pipeline, warm_up
from ..io.examples import read_examples


@component
def StatisticsGen(examples: Input[Examples], statistics: Output[ExampleStatistics],
                  schema: Input[Schema] = None, context: ExecutionContext = None):
    """Compute TensorFlow Data Validation statistics for each split of ``examples``."""
    warm_up(context)  # multi_processing: the worker zygote starts importing now
    import tensorflow_data_validation as tfdv

    options = tfdv.StatsOptions(schema=load_schema(schema.uri) if schema else None)
    with beam_pipeline(context) as p:
        for split in examples.split_names:
            (read_examples(p, split, [split_pattern(examples.uri, split)])
               | f"Stats[{split}]" >> tfdv.GenerateStatistics(options)
               | f"Write[{split}]" >> tfdv.WriteStatisticsToBinaryFile(
                   statistics_path(statistics.uri, split)))
    statistics.split_names = examples.split_names
    statistics.properties["span"] = examples.span
    if "served_versions" in examples.custom_properties:  # served traffic: who served it
        statistics.custom_properties["served_versions"] = \
            examples.custom_properties["served_versions"]
