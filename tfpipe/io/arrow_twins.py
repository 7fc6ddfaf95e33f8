"""Arrow twins of Examples shards: the rows of a TFRecord shard as tfx-bsl decodes them.

CsvExampleGen has every batch of rows as an Arrow RecordBatch before tfx-bsl's encoder
turns it into tf.Examples. It writes that batch too, beside the shard:
``<uri>/arrow/Split-<name>/<shard name>.arrow`` holds the rows of
``<uri>/Split-<name>/<shard name>`` in the same order, as a zstd-compressed Arrow IPC
file. The readers of the data nodes (``examples.read_examples``) read the twin where
there is one and give exactly the RecordBatches decoding the shard would give, without
decoding: about 10 µs a row, twice over 1M rows in StatisticsGen and Transform.

The Split folders stay TFX's (TFX's readers look only in ``Split-<name>/``); a shard
without a twin (ImportExampleGen's, Transform's, a copy) is decoded as before.
"""
from __future__ import annotations

import os

from ..artifacts.base import SPLIT_PREFIX

FOLDER = "arrow"
SUFFIX = ".arrow"


def twin_path(shard: str) -> str:
    """``<uri>/Split-<name>/<file>`` -> ``<uri>/arrow/Split-<name>/<file>.arrow``."""
    split_dir, name = os.path.split(shard)
    uri, split = os.path.split(split_dir)
    return os.path.join(uri, FOLDER, split, name + SUFFIX)


def twin_of(shard: str) -> str | None:
    """The twin of a shard, if it has one (local files only)."""
    if "://" in shard or not os.path.basename(os.path.dirname(shard)).startswith(SPLIT_PREFIX):
        return None
    path = twin_path(shard)
    return path if os.path.exists(path) else None


def all_twinned(patterns: list[str]) -> bool:
    """Whether every file matching ``patterns`` (local) has a twin."""
    import glob

    files = [f for pattern in patterns for f in glob.glob(pattern)]
    return bool(files) and all(twin_of(f) for f in files)


class TwinWriter:
    """Writes the RecordBatches of one shard to an Arrow IPC file at ``path``."""

    def __init__(self, path: str):
        self.path, self._writer = path, None

    def write(self, batch) -> None:
        import pyarrow as pa

        if self._writer is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self._writer = pa.ipc.new_file(self.path, batch.schema,
                                           options=pa.ipc.IpcWriteOptions(compression="zstd"))
        self._writer.write_batch(batch)

    def close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()


def read_twin(path: str, batch_size: int, schema=None):
    """The RecordBatches of ``batch_size`` rows tfx-bsl's ``ExamplesToRecordBatchDecoder``
    gives for the twin's shard read in order: without a ``schema``, columns sorted by
    name and a column with no value in the batch of Arrow's null type; with one, its
    features in its order with its types (all null where absent), other columns dropped.
    None if the twin does not fit ``schema`` (a feature of another type: decoding the
    shard reports it as the decoder does) or cannot be read (damaged: the shard is
    decoded instead)."""
    import pyarrow as pa

    try:
        with pa.memory_map(path) as source:
            table = pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowException):
        return None
    if schema is not None:
        table = _with_schema(table, schema)
        if table is None:
            return None
    else:
        table = table.select(sorted(table.column_names))
    return [_as_decoded(table.slice(start, batch_size), schema is None)
            for start in range(0, table.num_rows, batch_size)]


_SCHEMA_TYPES = {1: "large_binary", 2: "int64", 3: "float32"}  # BYTES, INT, FLOAT


def _with_schema(table, schema):
    import pyarrow as pa

    columns = []
    for feature in schema.feature:
        value_type = _SCHEMA_TYPES.get(feature.type)
        if value_type is None:
            return None
        wanted = pa.large_list(getattr(pa, value_type)())
        if feature.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, wanted))
            continue
        column = table.column(feature.name)
        if column.type != wanted:
            if column.null_count != len(column):
                return None
            column = pa.nulls(table.num_rows, wanted)
        columns.append(column)
    return pa.table(columns, names=[f.name for f in schema.feature])


def _as_decoded(table, nulls_untyped: bool):
    """One slice as a RecordBatch; without a schema a column of nulls only is of null
    type, as the decoder infers types from the values it sees."""
    import pyarrow as pa

    batch = table.combine_chunks().to_batches()[0] if table.num_rows else None
    if batch is None or not nulls_untyped:
        return batch
    arrays = [pa.nulls(len(a)) if a.null_count == len(a) else a for a in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, batch.schema.names)
