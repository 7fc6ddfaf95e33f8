"""End to end: the penguin pipeline run from the command line, checked in MLMD and on disk."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

import tfpipe
from tfpipe.dsl.loader import load_pipeline

from .conftest import PENGUIN, Store, run_cli

PIPELINE = str(PENGUIN / "pipeline.py")


@pytest.fixture(scope="module")
def first_run(penguin_run):
    return penguin_run  # tests/conftest.py: one penguin run for the session


def node_ids() -> list[str]:
    return [n.id for n in tfpipe.compile_pipeline(load_pipeline(PIPELINE)).nodes]


def test_the_user_sees_each_node_finish_and_where_things_are(first_run):
    root, result = first_run
    for node in node_ids():
        assert f"▶ {node}" in result.stdout
        assert f"✔ {node}  finished in " in result.stdout
    assert "✔ pipeline penguin finished in" in result.stdout
    assert f"pipeline root   {root}" in result.stdout
    assert f"metadata store  {root / 'metadata.sqlite'}" in result.stdout


def test_every_node_has_one_complete_execution_with_live_outputs_on_disk(first_run):
    root, _ = first_run
    store = Store(root / "metadata.sqlite")
    uris = []
    for node in node_ids():
        [execution] = store.executions("penguin", node)
        assert store.state(execution) == "COMPLETE"
        outputs = store.outputs(execution.id)
        if node == "LatestBlessedModelResolver":
            assert outputs == [], "the first run has no blessed model to resolve"
            continue
        assert outputs, f"{node} recorded no outputs"
        for artifact in outputs:
            assert store.artifact_state(artifact) == "LIVE"
            assert artifact.uri.startswith(str(root))
            assert os.listdir(artifact.uri), f"{artifact.uri} is empty"
            uris.append(artifact.uri)
    assert len(uris) == len(set(uris)), "output URIs are unique per execution"


def test_contexts_group_the_run(first_run):
    root, _ = first_run
    store = Store(root / "metadata.sqlite").store
    assert store.get_context_by_type_and_name("pipeline", "penguin") is not None
    [run] = store.get_contexts_by_type("pipeline_run")
    assert len(store.get_executions_by_context(run.id)) == len(node_ids())


def test_examples_are_split_two_to_one_in_tfx_layout(first_run):
    root, _ = first_run
    store = Store(root / "metadata.sqlite")
    [execution] = store.executions("penguin", "CsvExampleGen")
    [examples] = store.outputs(execution.id)
    assert json.loads(examples.properties["split_names"].string_value) == ["train", "eval"]
    import tensorflow as tf

    counts = {split: sum(1 for _ in tf.data.TFRecordDataset(
        tf.io.gfile.glob(f"{examples.uri}/Split-{split}/*.gz"), compression_type="GZIP"))
        for split in ("train", "eval")}
    assert counts["train"] + counts["eval"] == 334
    assert 0.55 < counts["train"] / 334 < 0.78


def test_statistics_schema_and_anomalies_files_follow_tfx(first_run):
    root, _ = first_run
    assert list(root.glob("StatisticsGen/statistics/*/Split-train/FeatureStats.pb"))
    assert list(root.glob("SchemaGen/schema/*/schema.pbtxt"))
    assert list(root.glob("ExampleValidator/anomalies/*/Split-eval/SchemaDiff.pb"))


def test_a_second_run_reuses_every_node(first_run):
    root, _ = first_run
    result = run_cli("run", PIPELINE, "-p", f"pipeline_root={root}")
    assert result.returncode == 0, result.stderr
    resolver = "LatestBlessedModelResolver"  # asks the store every time, never cached
    assert f"✔ {resolver}  finished" in result.stdout
    for node in set(node_ids()) - {resolver}:
        assert f"↺ {node}  reused from cache" in result.stdout
    store = Store(root / "metadata.sqlite")
    for node in set(node_ids()) - {resolver}:
        first, second = store.executions("penguin", node)
        assert store.state(second) == "CACHED"
        assert {a.id for a in store.outputs(second.id)} == {a.id for a in store.outputs(first.id)}


def _pushed_versions(root) -> dict[str, bytes]:
    """Every file of every pushed version, with its content."""
    serving = root / "serving_model"
    return {str(p.relative_to(serving)): p.read_bytes()
            for p in sorted(serving.rglob("*")) if p.is_file()}


def test_the_pushed_model_predicts_species_from_raw_csv_rows(first_run):
    import csv

    import tensorflow as tf

    root, _ = first_run
    [version] = [p for p in (root / "serving_model").iterdir() if p.name.isdigit()]
    model = tf.saved_model.load(str(version))
    with open(PENGUIN / "data" / "unlabelled.csv") as f:
        rows = list(csv.DictReader(f))
    examples = [tf.train.Example(features=tf.train.Features(feature={
        k: tf.train.Feature(float_list=tf.train.FloatList(value=[float(v)]))
        for k, v in row.items()})).SerializeToString() for row in rows]
    outputs = model.signatures["serving_default"](examples=tf.constant(examples))
    [predictions] = outputs.values()
    assert predictions.shape == (len(rows), 3)  # one probability per species
    assert all(abs(sum(p) - 1) < 1e-3 for p in predictions.numpy().tolist())


def test_bulk_inferrer_predicts_each_unlabelled_row_as_the_pushed_model_does(first_run):
    import numpy as np
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    root, _ = first_run
    store = Store(root / "metadata.sqlite")
    execution = store.executions("penguin", "BulkInferrer")[0]  # the first run's
    [result] = [a for a in store.outputs(execution.id) if "/inference_result/" in a.uri]
    files = sorted((Path(result.uri)).glob("prediction_logs-*-of-*.gz"))
    logs = [prediction_log_pb2.PredictionLog.FromString(r.numpy()) for r in
            tf.data.TFRecordDataset([str(f) for f in files], compression_type="GZIP")]
    with open(PENGUIN / "data" / "unlabelled.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(logs) == len(rows) == result.custom_properties["predictions"].int_value
    [version] = [p for p in (root / "serving_model").iterdir() if p.name.isdigit()]
    served = tf.saved_model.load(str(version)).signatures["serving_default"]
    for log in logs:
        [request] = log.predict_log.request.inputs.values()
        own = served(examples=tf.constant(list(request.string_val)))["predictions"].numpy()
        got = tf.make_ndarray(log.predict_log.response.outputs["predictions"])
        np.testing.assert_allclose(got, own, rtol=1e-5)
    predicted_rows = {tuple(round(tf.train.Example.FromString(
        log.predict_log.request.inputs["examples"].string_val[0]).features.feature[k]
        .float_list.value[0], 4) for k in rows[0]) for log in logs}
    assert predicted_rows == {tuple(round(float(r[k]), 4) for k in rows[0]) for r in rows}


def test_a_model_below_the_threshold_is_not_blessed_and_the_pusher_is_skipped(first_run):
    root, _ = first_run
    before = _pushed_versions(root)
    result = run_cli("run", PIPELINE, "-p", f"pipeline_root={root}", "-p", "train_steps=7",
                     "-p", "min_accuracy=1.01")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✔ Trainer  finished" in result.stdout  # a new model
    for gated in ("Pusher", "BulkInferrer"):
        assert (f"– {gated}  skipped (Evaluator.outputs['blessing'].custom_property('blessed') "
                "== 1 is false (it is 0))") in result.stdout
    store = Store(root / "metadata.sqlite")
    latest = store.executions("penguin", "Evaluator")[-1]
    [blessing] = [a for a in store.outputs(latest.id) if "/blessing/" in a.uri]
    assert blessing.custom_properties["blessed"].int_value == 0
    assert "1.01" in blessing.custom_properties["reason"].string_value
    pusher = store.executions("penguin", "Pusher")[-1]
    assert "is false" in pusher.custom_properties["skipped"].string_value
    assert store.outputs(pusher.id) == []
    assert _pushed_versions(root) == before, "the served versions are untouched"
