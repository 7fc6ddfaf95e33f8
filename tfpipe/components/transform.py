"""Transform: the user's ``preprocessing_fn`` run with TensorFlow Transform.

The analyzers (means, vocabularies, quantiles...) run over the train split of every
input span (one artifact, or a rolling window of spans); the resulting transform graph
is applied to every split of every span. Outputs, in TFX's layouts:

- ``transform_graph``: TFT's output directory (``transform_fn/``,
  ``transformed_metadata/`` and the raw ``metadata/``), readable with
  ``tft.TFTransformOutput(transform_graph.uri)``; the Trainer embeds it in the
  served model so training and serving apply the very same transformation.
- ``transformed_examples``: the transformed tf.Examples of every span, gzipped
  TFRecords in ``Split-<name>/`` (one artifact for the window: a new span changes the
  analysis, so every span is transformed again anyway).
- ``updated_analyzer_cache``: TFT's analyzer cache, per span and split. The next run
  of the node reads it, so a window that gained one span analyses only that span in
  full; the old spans' partial results (sums, counts, vocabulary counts...) come from
  the cache wherever the analyzers allow it.
"""
from __future__ import annotations

import json
import os

from ..dsl import (Examples, ExecutionContext, Input, Output, Parameter, Schema, TransformCache,
                   TransformGraph, component)
from ..errors import InputDataError
from ..artifacts.examples import split_pattern
from ..artifacts.schema import load_schema
from ..beam.pipeline import beam_pipeline, warm_up
from ..io import arrow_twins
from ..io.examples import read_examples, read_spilled, spill
from ..io.shards import finish_splits, write_split
from ..usercode.module_file import ReturnsDict, load_user_function, worker_pythonpath

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


def _dataset_key(artifact: Examples, split: str):
    from tensorflow_transform.beam import analyzer_cache

    return analyzer_cache.DatasetKey(f"examples-{artifact.id}-span-{artifact.span}-{split}")


def _previous_cache(context: ExecutionContext) -> TransformCache | None:
    """This node's newest analyzer cache in MLMD whose files exist, if any."""
    from ..metadata import contexts, executions
    from ..metadata.store import connect

    store = connect(context.metadata)
    ctx = contexts.node_context(store, context.pipeline_name, context.node_id)
    if ctx is None:
        return None
    done = sorted((e for e in store.get_executions_by_context(ctx.id)
                   if executions.state_name(e) in ("COMPLETE", "CACHED")),
                  key=lambda e: e.id, reverse=True)
    for e in done:
        for cache in executions.outputs_of(store, e.id).get("updated_analyzer_cache", []):
            if os.path.isdir(cache.uri):
                return cache
    return None


def _seed_cache(previous: TransformCache | None, target: str, keys) -> set:
    """Copy the previous cache of these dataset keys into the new cache folder (TFT
    merges what it computes into it) and return the keys that were copied."""
    import shutil

    copied = set()
    for key in keys:
        src = os.path.join(previous.uri, key.key) if previous else None
        if src and os.path.isdir(src):
            shutil.copytree(src, os.path.join(target, key.key))
            copied.add(key)
    return copied


@component
def Transform(examples: Input[list[Examples]], schema: Input[Schema],
              transform_graph: Output[TransformGraph], transformed_examples: Output[Examples],
              updated_analyzer_cache: Output[TransformCache],
              module_file: Parameter[str], analyze_splits: Parameter[list] = ("train",),
              disable_analyzer_cache: Parameter[bool] = False,
              analyzer_cache: Input[TransformCache] = None, context: ExecutionContext = None):
    """Run ``preprocessing_fn(inputs) -> outputs`` from ``module_file`` with TensorFlow
    Transform: analyse ``analyze_splits`` (the train split) of every span of
    ``examples``, transform every split of every span. The analysis reuses this node's
    previous analyzer cache unless ``disable_analyzer_cache``, or the ``analyzer_cache``
    given (TFX's input, e.g. from a LatestArtifactStrategy resolver) when it has one."""
    warm_up(context)  # multi_processing: the worker zygote starts importing now
    import apache_beam as beam
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.beam import analyzer_cache as tft_cache
    from tensorflow_transform.tf_metadata import dataset_metadata, metadata_io
    from tfx_bsl.public import tfxio
    from tfx_bsl.tfxio import tensor_adapter

    node = context.node_id
    if not examples:
        raise InputDataError("examples carries no artifact.", node=node,
                             fix="wire examples to an ExampleGen or RollingWindowResolver output")
    preprocessing_fn = ReturnsDict(load_user_function(module_file, PREPROCESSING_FN, node,
                                                      "preprocessing_fn(inputs)"), node,
                                   "a dict of tensors (output feature name -> tensor)")
    splits = examples[-1].split_names
    for artifact in examples:
        if artifact.split_names != splits:
            raise InputDataError(f"span {artifact.span} has splits {artifact.split_names}, "
                                 f"span {examples[-1].span} has {splits}.", node=node,
                                 fix="ingest every span with the same splits")
    analyze = _check_analyze_splits(analyze_splits, splits, node)
    raw_schema = load_schema(schema.uri)
    # TFT writes transform_fn/ and transformed_metadata/; the raw schema goes beside them
    # (as in TFX) so that TFTransformOutput.raw_feature_spec() works for serving.
    metadata_io.write_metadata(dataset_metadata.DatasetMetadata(raw_schema),
                               os.path.join(transform_graph.uri,
                                            tft.TFTransformOutput.RAW_METADATA_DIR))

    def patterns(artifacts: list[Examples], split: str) -> list[str]:
        return [split_pattern(a.uri, split) for a in artifacts]

    adapter_config = tfxio.TFExampleRecord(file_pattern=patterns(examples[:1], splits[0]),
                                           schema=raw_schema).TensorAdapterConfig()
    keys = {_dataset_key(a, s): (a, s) for a in examples for s in analyze}
    with worker_pythonpath(module_file), beam_pipeline(context) as p, \
            tft_beam.Context(temp_dir=context.make_tmp_dir()):
        previous = None if disable_analyzer_cache else (
            analyzer_cache if analyzer_cache is not None and os.path.isdir(analyzer_cache.uri)
            else _previous_cache(context))
        cached_keys = _seed_cache(previous, updated_analyzer_cache.uri, keys)
        # Which cache entries the analyzers use: TFT traces preprocessing_fn to know, so
        # only when there is a cache to read.
        needed = tft_beam.analysis_graph_builder.get_analysis_cache_entry_keys(
            preprocessing_fn, tensor_adapter.TensorAdapter(adapter_config).OriginalTypeSpecs(),
            list(keys), force_tf_compat_v1=False) if cached_keys else []
        input_cache = (p | "ReadCache" >> tft_cache.ReadAnalysisCacheFromFS(
            updated_analyzer_cache.uri, sorted(cached_keys), cache_entry_keys=needed)
            if cached_keys else {})
        # A span and split whose every analyzer is cached is not read for analysis at all.
        analyze_data = {
            key: None if key in input_cache and needed and
            all(k in input_cache[key].cache_dict for k in needed)
            else read_examples(p, f"Analyze-{key.key}", patterns([keys[key][0]], keys[key][1]),
                               raw_schema)
            for key in sorted(keys)}
        transform_fn, output_cache = (
            (analyze_data, input_cache, adapter_config)
            | "Analyze" >> tft_beam.AnalyzeDatasetWithCache(preprocessing_fn, pipeline=p))
        _ = output_cache | "WriteCache" >> tft_cache.WriteAnalysisCacheToFS(
            p, updated_analyzer_cache.uri, sorted(keys))
        _ = transform_fn | "WriteTransformGraph" >> tft_beam.WriteTransformFn(
            transform_graph.uri)
        # What the analysis decodes is spilled as it passes, as Arrow files, and read
        # back to be transformed once the analysis is done: streamed (memory stays flat,
        # where Beam would hold a PCollection read once for both), and decoded once.
        # Examples with Arrow twins are not decoded: they are read again. Every span of
        # a split not spilled (twinned, cached, or not in analyze_splits) is read in one
        # step.
        spill_dir = os.path.join(context.make_tmp_dir(), "spill")
        os.makedirs(spill_dir, exist_ok=True)
        spilled = {key: spill(data, key.key, spill_dir)
                   for key, data in analyze_data.items() if data is not None and
                   not arrow_twins.all_twinned(patterns([keys[key][0]], keys[key][1]))}
        for split in splits:
            parts = [read_spilled(p, key.key, spilled[key])
                     for key in sorted(spilled) if keys[key][1] == split]
            fresh = [a for a in examples if _dataset_key(a, split) not in spilled]
            if fresh:
                parts.append(read_examples(p, split, patterns(fresh, split), raw_schema))
            raw = parts[0] if len(parts) == 1 else parts | f"Raw[{split}]" >> beam.Flatten()
            transformed, _ = (((raw, adapter_config), transform_fn)
                              | f"Transform[{split}]" >> tft_beam.TransformDataset(
                                  output_record_batches=True))
            write_split(transformed | f"Encode[{split}]" >> beam.Map(
                _record_batch_to_examples), transformed_examples.uri, split)
    finish_splits(transformed_examples.uri, [(split, 1) for split in splits])
    spans = [a.span for a in examples]
    transformed_examples.split_names = splits
    transformed_examples.properties.update(span=max(spans), version=0)
    transformed_examples.custom_properties["spans"] = json.dumps(spans)
    updated_analyzer_cache.custom_properties.update(
        spans=json.dumps(spans), datasets_from_cache=sum(v is None for v in analyze_data.values()),
        datasets_analysed=sum(v is not None for v in analyze_data.values()))
    if previous is not None:
        updated_analyzer_cache.custom_properties["previous_cache_id"] = previous.id
    if not os.listdir(updated_analyzer_cache.uri):  # analyzers with nothing to cache
        open(os.path.join(updated_analyzer_cache.uri, "EMPTY"), "w").close()
