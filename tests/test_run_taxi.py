"""End to end: the full Chicago taxi pipeline, as `tfpipe run` gives it to a user."""
from __future__ import annotations

import pytest

from .conftest import Store

NODES = ["CsvExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator", "Transform",
         "Trainer", "LatestBlessedModelResolver", "Evaluator", "Pusher"]


@pytest.fixture(scope="module")
def run(taxi_run):
    return taxi_run  # tests/conftest.py: one taxi run for the session


def test_every_node_completes(run):
    root, result = run
    store = Store(root / "metadata.sqlite")
    for node in NODES:
        assert f"✔ {node}  finished" in result.stdout
        [execution] = store.executions("chicago-taxi", node)
        assert store.state(execution) == "COMPLETE"


def test_the_model_is_blessed_pushed_and_serves_raw_examples(run):
    import glob

    import tensorflow as tf

    root, _ = run
    store = Store(root / "metadata.sqlite")
    [pusher] = store.executions("chicago-taxi", "Pusher")
    [pushed] = store.outputs(pusher.id)
    assert pushed.custom_properties["pushed"].int_value == 1
    model = tf.saved_model.load(pushed.custom_properties["pushed_destination"].string_value)
    # Raw CSV rows, as CsvExampleGen serialised them: no label, no transformation.
    files = glob.glob(str(root / "CsvExampleGen" / "examples" / "*" / "Split-eval" / "*.gz"))
    raw = [r.numpy() for r in tf.data.TFRecordDataset(files, compression_type="GZIP").take(8)]
    [predictions] = model.signatures["serving_default"](examples=tf.constant(raw)).values()
    assert predictions.shape[0] == 8
    assert all(0.0 <= p <= 1.0 for p in predictions.numpy().ravel())
