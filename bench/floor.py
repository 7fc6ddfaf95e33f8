"""The floor of a data node: the same library work done alone, outside tfpipe, on the
same data, as a user of the libraries would write it.

    python bench/floor.py --node CsvExampleGen --csv data.csv --output DIR
    python bench/floor.py --node StatisticsGen --examples EXAMPLES_URI --output DIR
    python bench/floor.py --node SchemaGen --statistics STATISTICS_URI --output DIR
    python bench/floor.py --node ExampleValidator --statistics URI --schema URI --output DIR
    python bench/floor.py --node Transform --examples URI --schema URI --output DIR

The libraries are imported first; the work alone is timed and printed as
``floor seconds: 12.345`` (``bench/scale.py`` runs each floor as its own process under
``bench/measure.py`` for its peak memory). The floors:

- CsvExampleGen: pyarrow's streaming CSV reader (every column as strings), each
  column's type found with Arrow's regular expressions (tfpipe's own ``_INT``/``_FLOAT``)
  in a first pass, then a second pass converting the columns to Arrow list columns,
  encoding them with tfx-bsl's ``RecordBatchToExamplesEncoder`` and writing each
  record with TensorFlow's TFRecord writer (tfpipe's gzip options) into the split its
  line hashes to (``shards.split_index``). Two streaming passes: memory stays bounded.
- StatisticsGen: ``tfdv.generate_statistics_from_tfrecord`` on each split's files.
- SchemaGen / ExampleValidator: ``tfdv.infer_schema`` / ``tfdv.validate_statistics`` on
  the same statistics.
- Transform: TFT's ``AnalyzeAndTransformDataset`` over the train split and
  ``TransformDataset`` over the others (tfxio's ``TFExampleRecord`` sources, as TFT's
  docs show), with the taxi pipeline's ``preprocessing_fn``; the transformed examples
  encoded with tfx-bsl's ``RecordBatchToExamples`` and written as gzipped TFRecords.
"""
from __future__ import annotations

import argparse
import csv
import glob
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAXI = ROOT / "pipelines" / "taxi"
sys.path.insert(0, str(ROOT))

from tfpipe.io.shards import DEFAULT_SPLITS, split_index, tfrecord_options  # noqa: E402
from tfpipe.io.csv_kinds import _FLOAT, _INT  # noqa: E402

RECORDS = "data_tfrecord"


def _splits(uri: str) -> list[str]:
    """The split names of an artifact folder (its ``Split-<name>/`` folders)."""
    return sorted(Path(p).name[len("Split-"):] for p in glob.glob(os.path.join(uri, "Split-*")))


def _split_dir(uri: str, split: str) -> str:
    return os.path.join(uri, f"Split-{split}")


def _csv_batches(path: str):
    """The record batches of a CSV file, streamed, every column as strings."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    return pcsv.open_csv(path, convert_options=pcsv.ConvertOptions(
        column_types={name: pa.string() for name in header}))


def _counts(column) -> list[int]:
    """How many cells of a string column are filled, integers, numbers."""
    import pyarrow.compute as pc

    return [pc.sum(test).as_py() or 0 for test in (
        pc.not_equal(column, ""), pc.match_substring_regex(column, _INT),
        pc.match_substring_regex(column, _FLOAT))]


def _column_types(path: str) -> list:
    """Each column's Arrow type over the whole file: int64 if every filled cell is an
    integer, float32 if every one is a number, else binary."""
    import numpy as np
    import pyarrow as pa

    counts = sum(np.array([_counts(column) for column in batch.columns])
                 for batch in _csv_batches(path))
    return [pa.int64() if filled and ints == filled else
            pa.float32() if filled and numbers == filled else pa.binary()
            for filled, ints, numbers in counts]


def _list_column(cells, target):
    """Strings to a list column of ``target``: [value] per filled cell, null if empty."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    filled = pc.not_equal(cells, "")
    offsets = np.concatenate([[0], np.cumsum(filled.to_numpy(zero_copy_only=False))])
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()),
                                    pc.cast(cells.filter(filled), target),
                                    mask=pc.invert(filled))


def example_gen(csv_file: str, output: str) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import tensorflow as tf
    from tfx_bsl.coders import example_coder

    splits = list(DEFAULT_SPLITS.items())
    types = _column_types(csv_file)
    encoder = example_coder.RecordBatchToExamplesEncoder()
    writers = []
    for name, _ in splits:
        os.makedirs(_split_dir(output, name), exist_ok=True)
        writers.append(tf.io.TFRecordWriter(
            os.path.join(_split_dir(output, name), f"{RECORDS}-floor.gz"),
            options=tfrecord_options()))
    for batch in _csv_batches(csv_file):
        lines = pc.cast(pc.binary_join_element_wise(*batch.columns, ","), pa.binary())
        records = encoder.encode(pa.RecordBatch.from_arrays(
            [_list_column(c, t) for c, t in zip(batch.columns, types)], batch.schema.names))
        for line, record in zip(lines.to_pylist(), records):
            writers[split_index(line, splits)].write(record)
    for writer in writers:
        writer.close()


def statistics_gen(examples: str, output: str) -> None:
    import tensorflow_data_validation as tfdv

    for split in _splits(examples):
        tfdv.generate_statistics_from_tfrecord(
            os.path.join(_split_dir(examples, split), "*"),
            output_path=os.path.join(_split_dir(output, split), "FeatureStats.pb"))


def _statistics(uri: str, split: str):
    import tensorflow_data_validation as tfdv

    return tfdv.load_stats_binary(os.path.join(_split_dir(uri, split), "FeatureStats.pb"))


def _schema(uri: str):
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(os.path.join(uri, "schema.pbtxt"))


def schema_gen(statistics: str, output: str) -> None:
    import tensorflow_data_validation as tfdv

    os.makedirs(output, exist_ok=True)
    tfdv.write_schema_text(tfdv.infer_schema(_statistics(statistics, "train")),
                           os.path.join(output, "schema.pbtxt"))


def example_validator(statistics: str, schema: str, output: str) -> None:
    import tensorflow_data_validation as tfdv

    os.makedirs(output, exist_ok=True)
    schema_proto = _schema(schema)
    for split in _splits(statistics):
        tfdv.write_anomalies_text(
            tfdv.validate_statistics(_statistics(statistics, split), schema_proto),
            os.path.join(output, f"{split}.pbtxt"))


def _write_records(folder: str):
    """A Beam DoFn writing serialized examples as one gzipped TFRecord file a bundle."""
    import apache_beam as beam

    class WriteRecords(beam.DoFn):
        def start_bundle(self):
            import tensorflow as tf

            os.makedirs(folder, exist_ok=True)
            self.writer = tf.io.TFRecordWriter(
                os.path.join(folder, f"{RECORDS}-{uuid.uuid4().hex[:12]}.gz"),
                options=tfrecord_options())

        def process(self, records):
            for record in records:
                self.writer.write(record)

        def finish_bundle(self):
            self.writer.close()

    return WriteRecords()


def transform(examples: str, schema: str, output: str) -> None:
    import apache_beam as beam
    import tensorflow_transform.beam as tft_beam
    from taxi_utils import preprocessing_fn
    from tfx_bsl.coders.example_coder import RecordBatchToExamples
    from tfx_bsl.public import tfxio

    raw_schema = _schema(schema)
    splits = _splits(examples)
    sources = {split: tfxio.TFExampleRecord(
        file_pattern=os.path.join(_split_dir(examples, split), "*"), schema=raw_schema)
        for split in splits}
    with beam.Pipeline() as p, tft_beam.Context(temp_dir=os.path.join(output, "tmp")):
        def read(split: str):
            return (p | f"Read[{split}]" >> sources[split].BeamSource(),
                    sources[split].TensorAdapterConfig())

        (train, _), transform_fn = (read("train") | "AnalyzeAndTransform" >>
                                    tft_beam.AnalyzeAndTransformDataset(
                                        preprocessing_fn, output_record_batches=True))
        transformed = {"train": train}
        for split in splits:
            if split != "train":
                transformed[split], _ = ((read(split), transform_fn) | f"Transform[{split}]"
                                         >> tft_beam.TransformDataset(output_record_batches=True))
        for split, batches in transformed.items():
            _ = (batches | f"Encode[{split}]" >> beam.Map(lambda b: RecordBatchToExamples(b[0]))
                 | f"Write[{split}]" >> beam.ParDo(_write_records(_split_dir(output, split))))
        _ = transform_fn | "WriteTransformFn" >> tft_beam.WriteTransformFn(
            os.path.join(output, "transform_graph"))


FLOORS = {
    "CsvExampleGen": (example_gen, ["csv"]),
    "StatisticsGen": (statistics_gen, ["examples"]),
    "SchemaGen": (schema_gen, ["statistics"]),
    "ExampleValidator": (example_validator, ["statistics", "schema"]),
    "Transform": (transform, ["examples", "schema"]),
}


def _import_libraries(node: str) -> None:
    """Import what the floor uses before it is timed."""
    import apache_beam  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import tensorflow  # noqa: F401
    import tensorflow_data_validation  # noqa: F401
    from tfx_bsl.coders import example_coder  # noqa: F401

    if node == "Transform":
        import tensorflow_transform.beam  # noqa: F401

        sys.path.insert(0, str(TAXI))
        import taxi_utils  # noqa: F401


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node", required=True, choices=list(FLOORS))
    for name in ("csv", "examples", "statistics", "schema"):
        parser.add_argument(f"--{name}")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    work, needs = FLOORS[args.node]
    missing = [f"--{name}" for name in needs if not getattr(args, name)]
    if missing:
        parser.error(f"the {args.node} floor needs {' '.join(missing)}")
    _import_libraries(args.node)
    started = time.monotonic()
    work(*(getattr(args, name) for name in needs), args.output)
    print(f"floor seconds: {time.monotonic() - started:.3f}", flush=True)


if __name__ == "__main__":
    main()
