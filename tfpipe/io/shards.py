"""Where each example goes and how it is written: split names and the stable hash that
routes a record to its split, and the gzipped TFRecord shards (with their Arrow twins)
written under ``.staging/`` and moved into ``Split-<name>/`` whole."""
from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os

from ..artifacts.base import split_folder
from ..errors import DiskFull, ExecutionError, out_of_space
from . import arrow_twins

TFRECORD_PREFIX = "data_tfrecord"
# Shards are gzipped TFRecords as in TFX, compressed at zlib's fastest level: at 1M taxi
# rows that writes 3.2 times faster than the default level 6 (2.6 s against 8.4 s) for
# files a third bigger, and they read back just as fast.
GZIP_LEVEL = 1


def tfrecord_options():
    """The TFRecord writer options of every shard tfpipe writes."""
    import tensorflow as tf

    return tf.io.TFRecordOptions(compression_type="GZIP", compression_level=GZIP_LEVEL)


DEFAULT_SPLITS = {"train": 2, "eval": 1}


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
    """Which split a record goes to: a stable hash of its bytes over the buckets, the
    buckets dealt to the splits in name order, so the assignment does not depend on
    the order of the ``splits`` dict (which JSON and KFP's Struct do not keep)."""
    return split_indices([record], splits)[0]


def split_indices(records: list[bytes], splits: list[tuple[str, int]]) -> list[int]:
    """``split_index`` of each record (the bucket table looked up once)."""
    table = _bucket_splits(tuple(map(tuple, splits)))
    md5, from_bytes, buckets = hashlib.md5, int.from_bytes, len(table)
    return [table[from_bytes(md5(r).digest()[:8], "little") % buckets] for r in records]


@functools.lru_cache(maxsize=64)
def _bucket_splits(splits: tuple[tuple[str, int], ...]) -> tuple[int, ...]:
    """The split index of every hash bucket (computed once per ``splits``)."""
    order = sorted(range(len(splits)), key=lambda i: splits[i][0])
    return tuple(i for i in order for _ in range(splits[i][1]))


# Rows a RecordBatch. TFXIO caps its own at 1,000; every batch costs TFDV's generators
# and TFT's TensorFlow graph a fixed amount, so bigger batches are faster: at 1M taxi
# rows StatisticsGen took 8.9 s and Transform 44.6 s with batches of 1,000, 3.8 s and
# 25.7 s with 32,768 (about 10 MB a batch; the peak grew by 0.06 GiB).


STAGING = ".staging"


def _write_shards(batches, examples_uri: str, route, label: str,
                  records_per_shard: int | None = None) -> None:
    """Write batches of ``([(key, serialized example)], rows)`` as gzipped TFRecords in
    the ``Split-<name>/`` folders ``route(keys)`` names, one per key; ``rows``, if not
    None, is the same examples as an Arrow RecordBatch, written as the shards' Arrow
    twins (``arrow_twins``).

    Each bundle writes one shard per split (a new one after every ``records_per_shard``
    records, if given, so that later nodes can spread the reading over workers) with
    TensorFlow's C++ writer, first under ``.staging/`` and renamed into place when the
    bundle finished, so a shard is either whole or absent. Call ``finish_splits`` after
    the pipeline ran."""
    import apache_beam as beam

    class WriteShards(beam.DoFn):
        def start_bundle(self):
            self.open, self.closed = {}, []

        def process(self, batch):
            pairs, rows = batch
            by_split: dict[str, list[int]] = {}
            for i, split in enumerate(route([key for key, _ in pairs])):
                by_split.setdefault(split, []).append(i)
            with self._abandoned_on_failure():
                for split, indices in by_split.items():
                    while indices:
                        shard = self.open.get(split) or self.open.setdefault(
                            split, _Shard(examples_uri, split, twin=rows is not None))
                        room = len(indices) if records_per_shard is None else \
                            records_per_shard - shard.count
                        now, indices = indices[:room], indices[room:]
                        shard.write([pairs[i][1] for i in now],
                                    None if rows is None else rows.take(now))
                        if shard.count == records_per_shard:
                            shard.close()
                            self.closed.append(self.open.pop(split))

        def finish_bundle(self):
            with self._abandoned_on_failure():
                for shard in self.open.values():
                    shard.close()
                for shard in [*self.closed, *self.open.values()]:
                    shard.move_into_place()
            self.open, self.closed = {}, []

        @contextlib.contextmanager
        def _abandoned_on_failure(self):
            """On a failure (a full disk), close every file this bundle has open: a
            deleted file still open keeps its space, which the node's clean-up would
            otherwise not get back."""
            try:
                yield
            except BaseException as exc:
                for shard in self.open.values():
                    shard.abandon()
                self.open, self.closed = {}, []
                full = out_of_space(exc)
                if full:
                    raise DiskFull(errno.ENOSPC, full, examples_uri) from exc
                raise

    batches | label >> beam.ParDo(WriteShards())


def write_splits(keyed_batches, examples_uri: str, splits: list[tuple[str, int]],
                 records_per_shard: int | None = None) -> None:
    """Write batches of ``([(key, serialized example)], rows)`` (rows: an Arrow
    RecordBatch of the same examples, or None), each record in the split its key hashes
    to (see ``split_index``)."""
    names = [name for name, _ in splits]
    _write_shards(keyed_batches, examples_uri,
                  lambda keys: [names[i] for i in split_indices(keys, splits)],
                  "WriteSplits", records_per_shard)


def write_split(record_batches, examples_uri: str, split: str, label: str = "") -> None:
    """Write batches of serialized examples into ``Split-<split>/`` (``label`` names
    the Beam steps when one pipeline writes a split several times)."""
    import apache_beam as beam

    label = label or split
    keyed = record_batches | f"Key[{label}]" >> beam.Map(
        lambda batch: ([(None, r) for r in batch], None))
    _write_shards(keyed, examples_uri, lambda keys: [split] * len(keys), f"Write[{label}]")


class _Shard:
    """One shard being written under ``.staging/`` (and its Arrow twin, if asked)."""

    def __init__(self, examples_uri: str, split: str, twin: bool):
        import uuid

        import tensorflow as tf

        name = f"{TFRECORD_PREFIX}-{uuid.uuid4().hex[:12]}.gz"
        self.staged = os.path.join(examples_uri, STAGING, f"{split}-{name}")
        self.final = os.path.join(split_folder(examples_uri, split), name)
        for folder in (os.path.dirname(self.staged), os.path.dirname(self.final)):
            tf.io.gfile.makedirs(folder)
        self.writer = tf.io.TFRecordWriter(self.staged, options=tfrecord_options())
        self.twin = arrow_twins.TwinWriter(self.staged + arrow_twins.SUFFIX) if twin else None
        self.count = 0

    def write(self, records: list[bytes], rows) -> None:
        for record in records:
            self.writer.write(record)
        if self.twin is not None:
            self.twin.write(rows)
        self.count += len(records)

    def close(self) -> None:
        self.writer.close()
        if self.twin is not None:
            self.twin.close()

    def abandon(self) -> None:
        """Close the files, whatever state they are in (a failed write)."""
        for close in (self.writer.close, self.twin.close if self.twin else None):
            try:
                if close is not None:
                    close()
            except Exception:  # noqa: BLE001 - already failing: the first error is the one
                pass

    def move_into_place(self) -> None:
        """The twin first: a shard in place always has its twin beside it."""
        import tensorflow as tf

        if self.twin is not None:
            twin = arrow_twins.twin_path(self.final)
            tf.io.gfile.makedirs(os.path.dirname(twin))
            tf.io.gfile.rename(self.twin.path, twin, overwrite=True)
        tf.io.gfile.rename(self.staged, self.final, overwrite=True)


def finish_splits(examples_uri: str, splits: list[tuple[str, int]]) -> None:
    """After write_splits: drop the staging folder; a split that got no records gets
    one empty shard, so every Split-<name>/ folder can be read."""
    import tensorflow as tf

    staging = os.path.join(examples_uri, STAGING)
    if tf.io.gfile.exists(staging):
        tf.io.gfile.rmtree(staging)
    for name, _ in splits:
        folder = split_folder(examples_uri, name)
        if not tf.io.gfile.glob(os.path.join(folder, "*")):
            tf.io.gfile.makedirs(folder)
            tf.io.TFRecordWriter(os.path.join(folder, f"{TFRECORD_PREFIX}-empty.gz"),
                                 options=tfrecord_options()).close()
