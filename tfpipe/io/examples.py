"""Reading Examples in Beam (from their Arrow twins where they have them) and spilling
decoded batches. Writing them is ``shards``; the pipelines that run these are
``tfpipe.beam.pipeline``'s."""
from __future__ import annotations

import os

from . import arrow_twins


READ_BATCH_SIZE = 32_768


def read_examples(p, label: str, patterns: list[str], schema=None,
                  raw_record_column: str | None = None):
    """The tf.Examples of the files matching ``patterns``, as Arrow RecordBatches of
    ``READ_BATCH_SIZE`` rows decoded by tfx-bsl (with ``schema``'s types, or inferred),
    and the serialized examples in a column ``raw_record_column`` if given (TFMA's).

    The RecordBatches are those TFXIO's ``TFExampleRecord.BeamSource()`` gives (in
    bigger batches), but a file is read by TensorFlow's C++ reader inside one Beam element rather than as one
    Beam element a record through Beam's Python TFRecord reader: at 1M taxi rows that
    is 1.4 s instead of about 7 s. Files are spread over the Beam workers.

    A shard with an Arrow twin (``arrow_twins``: CsvExampleGen writes one) is not
    decoded: its twin gives the same RecordBatches (unless the raw records are asked
    for)."""
    import apache_beam as beam
    import tensorflow as tf

    files = sorted({f for pattern in patterns for f in tf.io.gfile.glob(pattern)})
    schema_bytes = schema.SerializeToString() if schema is not None else None
    return (p | f"Files[{label}]" >> beam.Create(files)
            | f"Decode[{label}]" >> beam.ParDo(_DecodeFile(schema_bytes, raw_record_column)))


def _DecodeFile(schema_bytes: bytes | None, raw_record_column: str | None):
    import apache_beam as beam

    class DecodeFile(beam.DoFn):
        def setup(self):
            from tensorflow_metadata.proto.v0 import schema_pb2
            from tfx_bsl.coders import example_coder

            self.decoder = example_coder.ExamplesToRecordBatchDecoder(schema_bytes)
            self.schema = None if schema_bytes is None else \
                schema_pb2.Schema.FromString(schema_bytes)

        def process(self, path: str):
            import tensorflow as tf

            twin = None if raw_record_column else arrow_twins.twin_of(path)
            batches = twin and arrow_twins.read_twin(twin, READ_BATCH_SIZE, self.schema)
            if batches is not None:
                yield from batches
                return
            compression = "GZIP" if path.endswith(".gz") else ""
            batch = []
            for record in tf.compat.v1.io.tf_record_iterator(
                    path, tf.io.TFRecordOptions(compression_type=compression)):
                batch.append(record)
                if len(batch) == READ_BATCH_SIZE:
                    yield self.decode(batch)
                    batch = []
            if batch:
                yield self.decode(batch)

        def decode(self, records: list[bytes]):
            from tfx_bsl.tfxio import record_based_tfxio

            decoded = self.decoder.DecodeBatch(records)
            if raw_record_column is None:
                return decoded
            return record_based_tfxio.AppendRawRecordColumn(decoded, raw_record_column,
                                                            records)

    return DecodeFile()


SPILL_BATCHES = 100  # RecordBatches a spill file holds


def spill(batches, label: str, folder: str):
    """Write ``batches`` (Arrow RecordBatches) as they pass, to uncompressed Arrow IPC
    files in ``folder``; returns the PCollection of the files' paths, each emitted once
    its file is complete. ``read_spilled`` reads them back, at memory speed, where
    decoding the tf.Examples again would cost about 10 µs a row."""
    import apache_beam as beam

    class Spill(beam.DoFn):
        def start_bundle(self):
            self.writer, self.path, self.count = None, None, 0

        def process(self, batch):
            import uuid

            import pyarrow as pa

            if self.writer is None:
                self.path = os.path.join(folder, f"{uuid.uuid4().hex}.arrow")
                self.writer = pa.ipc.new_stream(self.path, batch.schema)
            self.writer.write_batch(batch)
            self.count += 1
            if self.count == SPILL_BATCHES:
                yield self._close()

        def finish_bundle(self):
            from apache_beam.transforms.window import GlobalWindows

            if self.writer is not None:
                yield GlobalWindows.windowed_value(self._close())

        def _close(self) -> str:
            self.writer.close()
            path, self.writer, self.count = self.path, None, 0
            return path

    return batches | f"Spill[{label}]" >> beam.ParDo(Spill())


def read_spilled(p, label: str, paths):
    """The RecordBatches of the spill files ``paths`` (a PCollection from ``spill``),
    read once every file is complete (the paths are a side input), spread over the
    Beam workers a file each."""
    import apache_beam as beam

    def read(path: str):
        import pyarrow as pa

        with pa.OSFile(path) as source:
            yield from pa.ipc.open_stream(source)
        os.remove(path)

    return (p | f"SpillStart[{label}]" >> beam.Create([None])
            | f"SpillFiles[{label}]" >> beam.FlatMap(lambda _, done: sorted(done),
                                                     beam.pvalue.AsList(paths))
            | f"SpillSpread[{label}]" >> beam.Reshuffle()
            | f"ReadSpill[{label}]" >> beam.FlatMap(read))


