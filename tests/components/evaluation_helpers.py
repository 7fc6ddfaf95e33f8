"""Small real models and examples for the Evaluator, resolver and Pusher tests.

A tf_keras classifier of the penguin species, trained for a given number of steps on
pipelines/penguin/data/labelled/labelled.csv, saved under ``<uri>/Format-Serving``
as the Trainer's contract says: a ``serving_default`` signature taking serialized
tf.Examples and a ``transform_features`` signature (here the parsed raw features).
"""
from __future__ import annotations

import csv
import os

import tfpipe
from tfpipe import Examples, Model, ModelBlessing, Output, Parameter

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PENGUIN_CSV = os.path.join(REPO, "pipelines", "penguin", "data", "labelled", "labelled.csv")
FEATURES = ["culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"]
LABEL = "species"
BINARY_LABEL = "is_adelie"  # computed by the binary model's transform_features only


def penguin_rows() -> list[dict]:
    with open(PENGUIN_CSV, newline="") as f:
        return [{LABEL: int(r[LABEL]), **{k: float(r[k]) for k in FEATURES}}
                for r in csv.DictReader(f)]


def write_examples(uri: str, split: str = "eval") -> str:
    """Every penguin row as a gzipped tf.Example TFRecord in ``<uri>/Split-<split>/``."""
    import tensorflow as tf

    folder = os.path.join(uri, f"Split-{split}")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "data_tfrecord-00000-of-00001.gz")
    with tf.io.TFRecordWriter(path, options="GZIP") as writer:
        for row in penguin_rows():
            feature = {k: tf.train.Feature(float_list=tf.train.FloatList(value=[row[k]]))
                       for k in FEATURES}
            feature[LABEL] = tf.train.Feature(int64_list=tf.train.Int64List(value=[row[LABEL]]))
            writer.write(tf.train.Example(
                features=tf.train.Features(feature=feature)).SerializeToString())
    return path


def save_penguin_model(model_uri: str, steps: int, binary: bool = False, seed: int = 0) -> str:
    """Train a small classifier for ``steps`` full-batch steps (0: untrained) and save it
    in ``<model_uri>/Format-Serving``. Returns the SavedModel folder.

    ``binary``: predict ``is_adelie`` (species 0), a label that only the model's
    ``transform_features`` signature computes, as taxi's transformed ``big_tipper``.

    An eager loop, not ``model.fit``: on a busy 2-core machine fit's first call spends
    tens of seconds building its graph, the loop a second or two in all."""
    import numpy as np
    import tensorflow as tf
    import tf_keras

    tf_keras.utils.set_random_seed(seed)
    rows = penguin_rows()
    x = np.array([[r[k] for k in FEATURES] for r in rows], dtype=np.float32)
    y = np.array([r[LABEL] for r in rows], dtype=np.int64)
    if binary:
        y = (y == 0).astype(np.float32)[:, None]
    model = tf_keras.Sequential([
        tf_keras.layers.Dense(8, activation="relu", input_shape=(4,)),
        tf_keras.layers.Dense(1, activation="sigmoid") if binary else
        tf_keras.layers.Dense(3, activation="softmax")])
    optimizer = tf_keras.optimizers.Adam(0.05)
    loss = (tf_keras.losses.BinaryCrossentropy() if binary
            else tf_keras.losses.SparseCategoricalCrossentropy())
    for _ in range(steps):
        with tf.GradientTape() as tape:
            value = loss(y, model(x, training=True))
        grads = tape.gradient(value, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    spec = {k: tf.io.FixedLenFeature([1], tf.float32) for k in FEATURES}
    label_spec = {LABEL: tf.io.FixedLenFeature([1], tf.int64, default_value=[-1])}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def serve(examples):
        parsed = tf.io.parse_example(examples, spec)
        return {"predictions": model(tf.concat([parsed[k] for k in FEATURES], axis=1))}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
    def transform_features(examples):
        parsed = tf.io.parse_example(examples, {**spec, **label_spec})
        if binary:
            parsed[BINARY_LABEL] = tf.cast(tf.equal(parsed.pop(LABEL), 0), tf.int64)
        return parsed

    path = os.path.join(model_uri, "Format-Serving")
    model.save(path, save_format="tf", signatures={
        "serving_default": serve, "transform_features": transform_features})
    return path


@tfpipe.component
def PenguinExamples(examples: Output[Examples]):
    """Every penguin row in the eval split (a fast stand-in for CsvExampleGen)."""
    write_examples(examples.uri, "eval")
    examples.split_names = ["eval"]


@tfpipe.component
def PenguinModel(model: Output[Model], steps: Parameter[int], binary: Parameter[bool] = False):
    """A penguin classifier trained for ``steps`` steps (0: untrained, near chance)."""
    save_penguin_model(model.uri, steps, binary)


@tfpipe.component
def StubBlessing(blessing: Output[ModelBlessing], blessed: Parameter[int],
                 model_id: Parameter[int] = None):
    """A blessing decided by hand (of the model with id ``model_id``, if given): the
    Evaluator's verdict without running TFMA."""
    with open(os.path.join(blessing.uri, "BLESSED" if blessed else "NOT_BLESSED"), "w") as f:
        f.write("decided by the test\n")
    blessing.custom_properties.update(blessed=blessed, reason="decided by the test",
                                      current_model_id=model_id)


@tfpipe.component
def NotAModel(model: Output[Model]):
    """A Model artifact holding no SavedModel."""
    with open(os.path.join(model.uri, "notes.txt"), "w") as f:
        f.write("no model here\n")


@tfpipe.component
def CorruptModel(model: Output[Model]):
    """A SavedModel folder whose saved_model.pb is not a SavedModel: loading crashes."""
    os.makedirs(os.path.join(model.uri, "Format-Serving"))
    with open(os.path.join(model.uri, "Format-Serving", "saved_model.pb"), "wb") as f:
        f.write(b"\x08\x96\x01 this is not a SavedModel")


@tfpipe.component
def FloatInputModel(model: Output[Model]):
    """A SavedModel whose serving_default takes a float matrix ``x``, not tf.Examples."""
    import tensorflow as tf

    class Doubler(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="x")])
        def serve(self, x):
            return {"doubled": 2 * x}

    module = Doubler()
    tf.saved_model.save(module, os.path.join(model.uri, "Format-Serving"),
                        signatures={"serving_default": module.serve})
