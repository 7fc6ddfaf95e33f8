"""End to end from the command line: `tfpipe run pipelines/penguin/pipeline.py -p
tune=true -p infra_validate=true` tunes, trains with the best hyperparameters, checks
that the model serves, and pushes it; each artifact checked in MLMD and on disk."""
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
                     "-p", "max_trials=2", "-p", "train_steps=50", "-p", "infra_validate=true")
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
