"""The penguin data and module file, as the Transform and Trainer tests use them."""
from __future__ import annotations

import csv
import os

from tfpipe.components import CsvExampleGen, SchemaGen, StatisticsGen, Transform

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PENGUIN = os.path.join(REPO, "pipelines", "penguin")
LABELLED = os.path.join(PENGUIN, "data", "labelled")
UNLABELLED_CSV = os.path.join(PENGUIN, "data", "unlabelled.csv")
MODULE_FILE = os.path.join(PENGUIN, "penguin_utils.py")
FEATURES = ["culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"]
LABEL = "species"


def data_nodes(module_file: str = MODULE_FILE, **transform_args):
    """CsvExampleGen -> StatisticsGen -> SchemaGen -> Transform on the penguin data."""
    example_gen = CsvExampleGen(input_base=LABELLED)
    statistics_gen = StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen = SchemaGen(statistics=statistics_gen.outputs["statistics"])
    transform = Transform(examples=example_gen.outputs["examples"],
                          schema=schema_gen.outputs["schema"], module_file=module_file,
                          **transform_args)
    return example_gen, statistics_gen, schema_gen, transform


def csv_rows(path: str) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def serialized_examples(rows: list[dict]) -> list[bytes]:
    """CSV rows as serialized tf.Examples, typed as CsvExampleGen types them."""
    import tensorflow as tf

    def feature(name, value):
        if name == LABEL:
            return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))
        return tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))

    return [tf.train.Example(features=tf.train.Features(
        feature={k: feature(k, v) for k, v in row.items()})).SerializeToString()
        for row in rows]


def read_split(examples_uri: str, split: str) -> list:
    """The parsed tf.Examples of one split of an Examples artifact."""
    import glob

    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(examples_uri, f"Split-{split}", "*.gz")))
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP")
    return [tf.train.Example.FromString(r.numpy()) for r in dataset]
