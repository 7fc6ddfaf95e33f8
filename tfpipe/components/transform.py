"""Transform: the user's ``preprocessing_fn`` run with TensorFlow Transform.

The analyzers (means, vocabularies, quantiles...) run over the train split; the
resulting transform graph is applied to every split. Outputs, in TFX's layouts:

- ``transform_graph``: TFT's output directory (``transform_fn/``,
  ``transformed_metadata/`` and the raw ``metadata/``), readable with
  ``tft.TFTransformOutput(transform_graph.uri)``; the Trainer embeds it in the
  served model so training and serving apply the very same transformation.
- ``transformed_examples``: the transformed tf.Examples, gzipped TFRecords in
  ``Split-<name>/``.
"""
from __future__ import annotations

import os

from ..dsl import (Examples, ExecutionContext, Input, Output, Parameter, Schema, TransformGraph,
                   component)
from ..errors import InputDataError
from .beam_io import beam_pipeline, finish_splits, split_pattern, write_split
from .module_file import load_user_function, worker_pythonpath

PREPROCESSING_FN = "preprocessing_fn"


def load_transform_output(transform_graph: TransformGraph):
    """The ``tft.TFTransformOutput`` of a TransformGraph artifact."""
    import tensorflow_transform as tft

    return tft.TFTransformOutput(transform_graph.uri)


def _record_batch_to_examples(batch_and_passthrough) -> list[bytes]:
    from tfx_bsl.coders import example_coder

    record_batch, _ = batch_and_passthrough
    return example_coder.RecordBatchToExamples(record_batch)


def _check_analyze_splits(analyze_splits, split_names: list[str], node: str) -> list[str]:
    chosen = [analyze_splits] if isinstance(analyze_splits, str) else list(analyze_splits or [])
    unknown = [s for s in chosen if s not in split_names]
    if not chosen or unknown:
        raise InputDataError(f"analyze_splits {chosen} must name splits of the examples, which "
                             f"has {split_names}.", node=node,
                             fix=f"e.g. analyze_splits=['{split_names[0]}']" if split_names
                             else "give the examples at least one split")
    return chosen


@component
def Transform(examples: Input[Examples], schema: Input[Schema],
              transform_graph: Output[TransformGraph], transformed_examples: Output[Examples],
              module_file: Parameter[str], analyze_splits: Parameter[list] = ("train",),
              context: ExecutionContext = None):
    """Run ``preprocessing_fn(inputs) -> outputs`` from ``module_file`` with TensorFlow
    Transform: analyse ``analyze_splits`` (the train split), transform every split."""
    import apache_beam as beam
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import dataset_metadata, metadata_io
    from tfx_bsl.public import tfxio

    from .schema_gen import load_schema

    node = context.node_id
    preprocessing_fn = load_user_function(module_file, PREPROCESSING_FN, node,
                                          "preprocessing_fn(inputs)")
    splits = examples.split_names
    analyze = _check_analyze_splits(analyze_splits, splits, node)
    raw_schema = load_schema(schema)
    # TFT writes transform_fn/ and transformed_metadata/; the raw schema goes beside them
    # (as in TFX) so that TFTransformOutput.raw_feature_spec() works for serving.
    metadata_io.write_metadata(dataset_metadata.DatasetMetadata(raw_schema),
                               os.path.join(transform_graph.uri,
                                            tft.TFTransformOutput.RAW_METADATA_DIR))

    def source(split: str):
        return tfxio.TFExampleRecord(file_pattern=split_pattern(examples.uri, split),
                                     schema=raw_schema,
                                     telemetry_descriptors=["tfpipe", "Transform"])

    adapter_config = source(splits[0]).TensorAdapterConfig()
    with worker_pythonpath(module_file), beam_pipeline(context) as p, \
            tft_beam.Context(temp_dir=context.make_tmp_dir()):
        # What AnalyzeAndTransformDataset does for one split, spelled out: the analysis
        # may span several splits, and every split goes through the same TransformDataset.
        # The analysed splits are read twice (to analyse, then to transform), streaming,
        # rather than read once and held in memory until the analysis is done.
        analyze_data = [p | f"ReadForAnalysis[{s}]" >> source(s).BeamSource()
                        for s in analyze] | "FlattenAnalyzeSplits" >> beam.Flatten()
        transform_fn = ((analyze_data, adapter_config)
                        | "Analyze" >> tft_beam.AnalyzeDataset(preprocessing_fn))
        _ = transform_fn | "WriteTransformGraph" >> tft_beam.WriteTransformFn(
            transform_graph.uri)
        for split in splits:
            raw = p | f"Read[{split}]" >> source(split).BeamSource()
            transformed, _ = (((raw, adapter_config), transform_fn)
                              | f"Transform[{split}]" >> tft_beam.TransformDataset(
                                  output_record_batches=True))
            write_split(transformed | f"Encode[{split}]" >> beam.Map(
                _record_batch_to_examples), transformed_examples.uri, split)
    finish_splits(transformed_examples.uri, [(split, 1) for split in splits])
    transformed_examples.split_names = splits
    transformed_examples.properties.update(span=examples.span, version=0)
