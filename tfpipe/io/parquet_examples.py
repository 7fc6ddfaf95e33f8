"""Parquet rows as tf.Examples, as TFX's Parquet ExampleGen converts them: integers to
Int64List, floats to FloatList, strings and bytes to BytesList (UTF-8), a single value as
a list of one, a missing value as an empty feature."""
from __future__ import annotations

from typing import Any, Iterator

BATCH_ROWS = 1000


def _feature(value: Any):
    import tensorflow as tf

    values = [] if value is None else list(value) if isinstance(value, (list, tuple)) \
        else [value]
    values = [v for v in values if v is not None]
    if not values:
        return tf.train.Feature()
    if all(isinstance(v, bool) or isinstance(v, int) for v in values):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(v) for v in values]))
    if all(isinstance(v, (int, float)) for v in values):
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    return tf.train.Feature(bytes_list=tf.train.BytesList(
        value=[v if isinstance(v, bytes) else str(v).encode("utf-8") for v in values]))


def row_to_example(row: dict) -> bytes:
    """One Parquet row (column name -> value) as a serialized tf.Example."""
    import tensorflow as tf

    return tf.train.Example(features=tf.train.Features(
        feature={name: _feature(value) for name, value in row.items()})).SerializeToString()


def read_examples(path: str) -> Iterator[list[bytes]]:
    """The rows of one Parquet file as batches of serialized tf.Examples."""
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
        yield [row_to_example(row) for row in batch.to_pylist()]
