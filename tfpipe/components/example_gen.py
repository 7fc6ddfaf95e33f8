"""ExampleGen: CSV files (or existing TFRecords) to gzipped TFRecord ``tf.Example``s
in ``Split-<name>/`` folders, split by a stable hash of each record."""
from __future__ import annotations

import glob
import json
import os

from ..artifacts.base import split_folder
from ..dsl import ExecutionContext, Examples, Output, Parameter, component
from ..errors import InputDataError
from ..beam.pipeline import beam_pipeline, warm_up
from ..io import arrow_twins, csv_batches, csv_kinds, parquet_examples, spans
from ..io.shards import DEFAULT_SPLITS, STAGING, check_splits, finish_splits, write_splits
from ..serving.request_log import served_versions

# A new shard after this many records of a split, so that later nodes spread over workers.
SHARD_RECORDS = 100_000
FILE_FORMATS = ("tfrecord", "parquet")  # what ImportExampleGen reads


def _input_span(input_base: str, pattern: str, range_config: dict | None,
                node: str) -> spans.SpanFiles:
    """The files to read: one span (the latest, or range_config's) when the pattern has
    {SPAN}/{VERSION}/date placeholders, else every file matching it (span 0)."""
    if os.path.isfile(input_base):
        return spans.SpanFiles(0, 0, (input_base,), ".")
    if not os.path.isdir(input_base):
        raise InputDataError(f"input_base {input_base} does not exist.", node=node,
                             fix="point input_base at a folder of data files (or one file)")
    if spans.has_placeholders(pattern):
        return spans.select(input_base, pattern, range_config, node)
    if range_config:
        raise InputDataError(f"range_config needs an input_pattern with {{SPAN}} (or a date), "
                             f"but input_pattern is {pattern!r}.", node=node,
                             fix="e.g. input_pattern='span-{SPAN}/*.csv'")
    files = sorted(glob.glob(os.path.join(glob.escape(input_base), pattern)))
    if not files:
        raise InputDataError(f"no {pattern} files in {input_base}.", node=node,
                             fix=f"put the data files ({pattern}) in that folder")
    return spans.SpanFiles(0, 0, tuple(files), ".")


def _record_span(examples: Examples, split_list, chosen: spans.SpanFiles, before: str,
                 node: str) -> None:
    """Record what was read, once sure the files did not change while they were read
    (``before``: their fingerprint when reading started)."""
    try:
        after = chosen.fingerprint
    except OSError as exc:
        after = f"unreadable: {exc.strerror}"
    if after != before:
        what = f" of {chosen.describe()}" if chosen.folder != "." else ""
        raise InputDataError(f"the input files{what} changed while they were "
                             f"read ({len(chosen.files)} file(s) in "
                             f"{os.path.dirname(chosen.files[0])}): what was written would mix "
                             "old and new data, so it is discarded.", node=node,
                             fix="land data atomically (write it beside the input folder, then "
                             "rename it into place) and run again")
    examples.split_names = [name for name, _ in split_list]
    examples.properties.update(span=chosen.span, version=chosen.version)
    examples.custom_properties.update(input_fingerprint=before, input_files=len(chosen.files))


def _KindsCombine(width: int):
    """A Beam CombineFn merging the per-batch column kinds into the file's."""
    import apache_beam as beam

    empty = [(csv_kinds.EMPTY, False, None)] * width

    class KindsCombine(beam.CombineFn):
        def create_accumulator(self):
            return empty

        def add_input(self, acc, kinds):
            return [csv_kinds.merge_kinds(a, k) for a, k in zip(acc, kinds)]

        def merge_accumulators(self, accs):
            merged = empty
            for acc in accs:
                merged = self.add_input(merged, acc)
            return merged

        def extract_output(self, acc):
            return acc

    return KindsCombine()


def _ToExamples(header: list[str], kinds: list[int], node: str):
    """A Beam DoFn: one of ``csv_batches.sources`` -> batches of ([(split key, serialized
    tf.Example)], the same rows as an Arrow RecordBatch) converted with ``kinds``, and on the "kinds" output each batch's own
    column kinds. A batch wider than ``kinds`` (an integer column meeting a float) is
    not converted: the caller converts again with the merged kinds."""
    import apache_beam as beam

    encode = csv_kinds.EncodeBatch(header)

    class ToExamples(beam.DoFn):
        def process(self, source):
            for parsed in csv_batches.read_source(source, header, node):
                found = [csv_kinds.batch_kind(column, kind)
                         for column, kind in zip(parsed[1], kinds)]
                yield beam.pvalue.TaggedOutput("kinds", found)
                if not csv_kinds.widens(found, kinds):
                    yield encode(parsed, kinds)

    return ToExamples()


def _convert(context: ExecutionContext, sources: list, header: list[str], kinds: list[int],
             uri: str, split_list) -> list[tuple[int, bool, str | None]]:
    """One Beam pass over ``sources`` writing the rows as tf.Examples of the column
    ``kinds`` into the splits; returns the (kind, numeric, text) every column really has."""
    import apache_beam as beam
    import tensorflow as tf

    node, found_file = context.node_id, os.path.join(uri, STAGING, "column_kinds.json")

    def save(found):
        # on a distributed runner this may run before any shard made the folder
        tf.io.gfile.makedirs(os.path.dirname(found_file))
        with tf.io.gfile.GFile(found_file, "w") as f:
            json.dump(found, f)

    with beam_pipeline(context) as p:
        converted = (p | "Sources" >> beam.Create(sources)
                     | "ToExamples" >> beam.ParDo(_ToExamples(header, kinds, node))
                     .with_outputs("kinds", main="records"))
        write_splits(converted.records, uri, split_list, SHARD_RECORDS)
        _ = (converted.kinds | "ColumnKinds" >> beam.CombineGlobally(_KindsCombine(len(header)))
             | "Save" >> beam.Map(save))
    with tf.io.gfile.GFile(found_file) as f:
        return [tuple(kind) for kind in json.load(f)]


def _widened(header: list[str], sampled: list[int], found: list[int]) -> str:
    names = csv_kinds.KIND_NAMES
    changes = ", ".join(f"{name!r} ({names[a]} -> {names[b]})"
                        for name, a, b in zip(header, sampled, found) if a != b)
    return (f"later rows widen the type the first rows showed of column(s) {changes}: "
            "the files are converted a second time with the wider types")


def _discard(uri: str, split_list) -> None:
    """Drop the shards written so far, their Arrow twins and the staging folder."""
    import tensorflow as tf

    for folder in [os.path.join(uri, STAGING), os.path.join(uri, arrow_twins.FOLDER)] + [
            split_folder(uri, n) for n, _ in split_list]:
        if tf.io.gfile.exists(folder):
            tf.io.gfile.rmtree(folder)


@component(content_parameters=("input_base",))
def CsvExampleGen(examples: Output[Examples], input_base: Parameter[str],
                  splits: Parameter[dict] = DEFAULT_SPLITS, input_pattern: Parameter[str] = "*.csv",
                  range_config: Parameter[dict] = None, context: ExecutionContext = None):
    """Read the CSV files in ``input_base`` (one header row each; empty cells are missing
    values) and write them as tf.Examples split by hash into ``splits`` buckets.

    ``input_pattern`` may name spans with TFX's placeholders (``span-{SPAN}/*.csv``,
    ``{YYYY}-{MM}-{DD}/*.csv``, ``{VERSION}``): then the latest span (in its latest
    version) is read, or the one ``range_config`` names, and the artifact records its
    span, version and a fingerprint of the files."""
    warm_up(context)  # multi_processing: the worker zygote starts importing now
    node = context.node_id
    split_list = check_splits(splits, node)
    chosen = _input_span(input_base, input_pattern, range_config, node)
    before, files = chosen.fingerprint, list(chosen.files)
    header = csv_batches.read_header(files[0], node)
    for other in files[1:]:
        if csv_batches.read_header(other, node) != header:
            raise InputDataError(f"{os.path.basename(other)} has a different header from "
                                 f"{os.path.basename(files[0])}.", node=node,
                                 fix="give every CSV file in input_base the same columns")
    if not any(csv_batches.has_rows(f) for f in files):
        raise InputDataError(f"{input_base} holds no data rows.", node=node,
                             fix="add rows under the header")
    quoted = [f for f in files if csv_batches.has_quotes(f)]
    sampled = csv_batches.sample_kinds(files, quoted, header, node)
    kinds = csv_kinds.check_kinds(sampled, header, node)
    sources = csv_batches.sources(files, quoted)
    found = csv_kinds.check_kinds(_convert(context, sources, header, kinds, examples.uri,
                                             split_list), header, node)
    if found != kinds:  # later rows widen a column's type: convert again with the widest
        context.warn(_widened(header, kinds, found))
        _discard(examples.uri, split_list)
        _convert(context, sources, header, found, examples.uri, split_list)
    finish_splits(examples.uri, split_list)
    _record_span(examples, split_list, chosen, before, node)


def _check_not_empty(examples: Examples, split_list, node: str, input_base: str) -> None:
    written = glob.glob(os.path.join(split_folder(examples.uri, "*"), "*.gz"))
    sizes = [os.path.getsize(f) for f in written]
    if not written or max(sizes) <= 20:  # an empty gzip file is 20 bytes
        raise InputDataError(f"{input_base} holds no data rows.", node=node,
                             fix="add rows under the header")


@component(content_parameters=("input_base",))
def ImportExampleGen(examples: Output[Examples], input_base: Parameter[str],
                     splits: Parameter[dict] = DEFAULT_SPLITS, input_pattern: Parameter[str] = "*",
                     range_config: Parameter[dict] = None, file_format: Parameter[str] = "tfrecord",
                     context: ExecutionContext = None):
    """Import TFRecord files of serialized tf.Examples (gzipped or not), or with
    ``file_format="parquet"`` Parquet files (each row a tf.Example), from ``input_base``,
    split by hash into ``splits`` buckets; spans as in CsvExampleGen."""
    warm_up(context)  # multi_processing: the worker zygote starts importing now
    import apache_beam as beam

    node = context.node_id
    split_list = check_splits(splits, node)
    chosen = _input_span(input_base, input_pattern, range_config, node)
    before, files = chosen.fingerprint, list(chosen.files)
    if file_format not in FILE_FORMATS:
        raise InputDataError(f"file_format {file_format!r} is not one tfpipe imports.",
                             node=node, fix=f"use one of {', '.join(FILE_FORMATS)}")
    with beam_pipeline(context) as p:
        files_in = p | "Files" >> beam.Create(files)
        if file_format == "parquet":
            batches = files_in | "ReadParquet" >> beam.FlatMap(parquet_examples.read_examples)
        else:
            batches = (files_in
                       | "Read" >> beam.io.ReadAllFromTFRecord(with_filename=False)
                       | "Batch" >> beam.BatchElements(min_batch_size=1000,
                                                       max_batch_size=1000))
        records = batches | "Key" >> beam.Map(lambda batch: ([(r, r) for r in batch], None))
        write_splits(records, examples.uri, split_list)
    finish_splits(examples.uri, split_list)
    _check_not_empty(examples, split_list, node, input_base)
    _record_span(examples, split_list, chosen, before, node)
    served = served_versions(files)  # request logs of `tfpipe serve`: who served them
    if served:
        examples.custom_properties["served_versions"] = json.dumps(served)
