"""Beam plumbing shared by the data components: pipeline options, splitting, writing."""
from __future__ import annotations

import hashlib
import os

from ..dsl.context import ExecutionContext
from ..errors import ExecutionError

TFRECORD_PREFIX = "data_tfrecord"
DEFAULT_SPLITS = {"train": 2, "eval": 1}


def beam_pipeline(context: ExecutionContext):
    """A Beam pipeline with the pipeline's ``beam_pipeline_args`` (DirectRunner by default)."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    return beam.Pipeline(options=PipelineOptions(list(context.beam_pipeline_args)))


def check_splits(splits: dict, node: str) -> list[tuple[str, int]]:
    """The split names and hash-bucket counts, validated."""
    if not isinstance(splits, dict) or not splits:
        raise ExecutionError(f"splits must be a non-empty dict of name -> buckets, got {splits!r}.",
                             node=node, fix="e.g. splits={'train': 2, 'eval': 1}")
    for name, buckets in splits.items():
        if not isinstance(buckets, int) or buckets < 1 or not name.replace("_", "").isalnum():
            raise ExecutionError(f"split {name!r} must have a name of letters, digits or _ and "
                                 f"a positive number of buckets, got {buckets!r}.", node=node,
                                 fix="e.g. splits={'train': 2, 'eval': 1}")
    return list(splits.items())


def split_index(record: bytes, splits: list[tuple[str, int]]) -> int:
    """Which split a record goes to: a stable hash of its bytes over the buckets."""
    total = sum(b for _, b in splits)
    bucket = int.from_bytes(hashlib.md5(record).digest()[:8], "little") % total
    for i, (_, buckets) in enumerate(splits):
        if bucket < buckets:
            return i
        bucket -= buckets
    raise AssertionError("unreachable")


def write_splits(keyed_records, examples_uri: str, splits: list[tuple[str, int]]) -> None:
    """Partition serialized examples by split and write gzipped TFRecords in Split-<name>/."""
    import apache_beam as beam

    parts = keyed_records | "Split" >> beam.Partition(
        lambda rec, n: split_index(rec[0], splits), len(splits))
    for (name, _), part in zip(splits, parts):
        write_split(part | f"Values[{name}]" >> beam.Values(), examples_uri, name)


def write_split(records, examples_uri: str, split: str) -> None:
    """Write serialized examples as gzipped TFRecords in ``<examples_uri>/Split-<split>/``."""
    import apache_beam as beam

    records | f"Write[{split}]" >> beam.io.WriteToTFRecord(
        os.path.join(examples_uri, f"Split-{split}", TFRECORD_PREFIX),
        file_name_suffix=".gz", compression_type=beam.io.filesystem.CompressionTypes.GZIP)


def split_pattern(uri: str, split: str) -> str:
    return os.path.join(uri, f"Split-{split}", "*")
