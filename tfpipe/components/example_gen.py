"""ExampleGen: CSV files (or existing TFRecords) to gzipped TFRecord ``tf.Example``s
in ``Split-<name>/`` folders, split by a stable hash of each record."""
from __future__ import annotations

import glob
import os

from ..artifacts.base import split_folder
from ..dsl import ExecutionContext, Examples, Output, Parameter, component
from ..errors import InputDataError
from . import csv_batches, spans
from .beam_io import DEFAULT_SPLITS, beam_pipeline, check_splits, finish_splits, write_splits



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


def _read_batches(p, label: str, files: list[str], header: list[str], node: str):
    """Batches of (split keys, columns) of the data rows of ``files``, streamed: files
    without quotes line by line (Beam may split a big one between workers), files with
    quotes whole, each by one worker (a quoted field may span lines)."""
    import apache_beam as beam

    quoted = [f for f in files if csv_batches.has_quotes(f)]
    plain = [f for f in files if f not in quoted]
    parts = []
    if plain:
        parts.append(
            p | f"Files[{label}]" >> beam.Create(plain)
            | f"Read[{label}]" >> beam.io.ReadAllFromText(
                skip_header_lines=1, coder=beam.coders.BytesCoder(), with_filename=True)
            | f"NonEmpty[{label}]" >> beam.Filter(lambda item: item[1].strip() != b"")
            | f"Batch[{label}]" >> beam.BatchElements(
                min_batch_size=csv_batches.BATCH_SIZE, max_batch_size=csv_batches.BATCH_SIZE)
            | f"Parse[{label}]" >> beam.Map(csv_batches.ParseLines(header, node)))
    if quoted:
        parts.append(p | f"QuotedFiles[{label}]" >> beam.Create(quoted)
                     | f"ReadQuoted[{label}]" >> beam.FlatMap(csv_batches.read_batches,
                                                               header, node))
    return parts[0] if len(parts) == 1 else parts | f"AllFiles[{label}]" >> beam.Flatten()


def _KindsCombine(width: int):
    """A Beam CombineFn merging the per-batch column kinds into the file's."""
    import apache_beam as beam

    empty = [(csv_batches.EMPTY, False, None)] * width

    class KindsCombine(beam.CombineFn):
        def create_accumulator(self):
            return empty

        def add_input(self, acc, kinds):
            return [csv_batches.merge_kinds(a, k) for a, k in zip(acc, kinds)]

        def merge_accumulators(self, accs):
            merged = empty
            for acc in accs:
                merged = self.add_input(merged, acc)
            return merged

        def extract_output(self, acc):
            return acc

    return KindsCombine()


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
    import apache_beam as beam

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
    with beam_pipeline(context) as p:
        # The files are read twice, streaming, rather than held in memory: once to find
        # each column's type, once to convert.
        kinds = (_read_batches(p, "types", files, header, node)
                 | "BatchKinds" >> beam.Map(lambda parsed: [csv_batches.column_kind(c)
                                                            for c in parsed[1]])
                 | "ColumnKinds" >> beam.CombineGlobally(_KindsCombine(len(header)))
                 | "CheckKinds" >> beam.Map(csv_batches.check_kinds, header, node))
        encode = csv_batches.EncodeBatch(header)
        records = (_read_batches(p, "rows", files, header, node)
                   | "ToExamples" >> beam.Map(lambda parsed, k: encode(parsed, k),
                                                  beam.pvalue.AsSingleton(kinds)))
        write_splits(records, examples.uri, split_list)
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
                     range_config: Parameter[dict] = None, context: ExecutionContext = None):
    """Import TFRecord files of serialized tf.Examples (gzipped or not) from
    ``input_base``, split by hash into ``splits`` buckets; spans as in CsvExampleGen."""
    import apache_beam as beam

    node = context.node_id
    split_list = check_splits(splits, node)
    chosen = _input_span(input_base, input_pattern, range_config, node)
    before, files = chosen.fingerprint, list(chosen.files)
    with beam_pipeline(context) as p:
        records = (p | "Files" >> beam.Create(files)
                     | "Read" >> beam.io.ReadAllFromTFRecord(with_filename=False)
                     | "Batch" >> beam.BatchElements(min_batch_size=1000, max_batch_size=1000)
                     | "Key" >> beam.Map(lambda batch: [(rec, rec) for rec in batch]))
        write_splits(records, examples.uri, split_list)
    finish_splits(examples.uri, split_list)
    _check_not_empty(examples, split_list, node, input_base)
    _record_span(examples, split_list, chosen, before, node)
