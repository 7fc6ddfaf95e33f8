"""End to end from the command line: `tfpipe run pipelines/penguin/pipeline.py -p
tune=true` (InfraValidator comes with it) tunes, trains with the best hyperparameters, checks
that the model serves, pushes it and predicts the unlabelled rows with it; each
artifact checked in MLMD and on disk."""
from __future__ import annotations

import json
import os

import pytest

from .conftest import PENGUIN, Store, run_cli

PIPELINE = str(PENGUIN / "pipeline.py")


@pytest.fixture(scope="module")
def tuned_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("penguin-tuned")
    result = run_cli("run", PIPELINE, "-p", f"pipeline_root={root}", "-p", "tune=true",
                     "-p", "max_trials=2", "-p", "train_steps=50")
    assert result.returncode == 0, result.stdout + result.stderr
    return Store(root / "metadata.sqlite"), result


def _output(store: Store, node: str):
    [execution] = store.executions("penguin", node)
    assert store.state(execution) == "COMPLETE"
    [artifact] = store.outputs(execution.id)
    return artifact


@pytest.mark.slow
def test_the_tuner_s_best_hyperparameters_reach_the_trainer(tuned_run):
    store, result = tuned_run
    assert "✔ Tuner  finished in " in result.stdout
    best = _output(store, "Tuner")
    with open(os.path.join(best.uri, "best_hyperparameters.txt")) as f:
        config = json.load(f)
    assert set(config["values"]) == {"learning_rate", "num_layers", "units"}
    [run] = [a for a in store.outputs(store.executions("penguin", "Trainer")[0].id)
             if store.store.get_artifact_types_by_id([a.type_id])[0].name == "ModelRun"]
    with open(os.path.join(run.uri, "fn_args.json")) as f:
        assert json.load(f)["hyperparameters"] == config
    # every trial is readable in MLMD: its hyperparameters and score; the best is the best
    trials = json.loads(best.custom_properties["trial_results"].string_value)
    assert len(trials) == best.custom_properties["trials"].int_value == 2
    assert all(set(t["hyperparameters"]) == set(config["values"]) for t in trials)
    scored = [t for t in trials if t["score"] is not None]
    assert max(t["score"] for t in scored) == pytest.approx(
        best.custom_properties["best_score"].double_value, rel=1e-6)  # float32 scores


@pytest.mark.slow
def test_the_model_is_infra_blessed_with_figures_and_pushed(tuned_run):
    store, _ = tuned_run
    infra = _output(store, "InfraValidator")
    assert os.path.exists(os.path.join(infra.uri, "INFRA_BLESSED"))
    props = infra.custom_properties
    assert props["blessed"].int_value == 1 and props["requests"].int_value == 10
    assert 0 < props["latency_p50_ms"].double_value <= props["latency_p99_ms"].double_value
    pushed = _output(store, "Pusher")
    assert pushed.custom_properties["pushed"].int_value == 1
    with open(os.path.join(pushed.uri, "push.json")) as f:
        assert json.load(f)["infra_blessing_id"] == infra.id


@pytest.mark.slow
def test_the_pushed_model_bulk_infers_each_unlabelled_row(tuned_run):
    """The same run predicts the unlabelled rows with the blessed model: one prediction
    log per row, each the pushed model's own answer for that row."""
    import numpy as np
    import tensorflow as tf

    from .components.evaluation_helpers import FEATURES
    from .components.penguin_pipeline import csv_rows, serialized_examples
    from .components.test_bulk_inferrer import prediction_logs

    store, result = tuned_run
    assert "✔ BulkInferrer  finished in " in result.stdout
    [execution] = store.executions("penguin", "BulkInferrer")
    [inference] = [a for a in store.outputs(execution.id) if "/inference_result/" in a.uri]
    rows = csv_rows(str(PENGUIN / "data" / "unlabelled.csv"))
    logs = prediction_logs(inference.uri)
    assert len(logs) == len(rows) == 10
    with open(os.path.join(_output(store, "Pusher").uri, "push.json")) as f:
        pushed = tf.saved_model.load(json.load(f)["path"])
    expected = pushed.signatures["serving_default"](
        examples=tf.constant(serialized_examples(rows)))["predictions"].numpy()
    by_row = {tuple(round(float(r[k]), 5) for k in FEATURES): p for r, p in zip(rows, expected)}
    for log in logs:
        [request] = log.predict_log.request.inputs.values()
        example = tf.train.Example.FromString(request.string_val[0])
        key = tuple(round(example.features.feature[k].float_list.value[0], 5) for k in FEATURES)
        np.testing.assert_allclose(
            tf.make_ndarray(log.predict_log.response.outputs["predictions"])[0], by_row[key],
            rtol=1e-5)
