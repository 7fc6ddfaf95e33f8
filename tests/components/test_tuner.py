"""Tuner: a real KerasTuner search with the penguin module file, and a Trainer that
trains the model the best hyperparameters describe."""
from __future__ import annotations

import json
import os

import pytest

import tfpipe
from tfpipe.components import Trainer, Tuner

from .penguin_pipeline import MODULE_FILE, data_nodes

NAME = "tuner-test"
TRIALS = 2


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """Transform -> Tuner (2 trials of 5 steps) -> Trainer with the best hyperparameters."""
    nodes = data_nodes()
    transform, schema_gen = nodes[-1], nodes[2]
    training = dict(examples=transform.outputs["transformed_examples"],
                    transform_graph=transform.outputs["transform_graph"],
                    schema=schema_gen.outputs["schema"], module_file=MODULE_FILE,
                    train_args={"num_steps": 5}, eval_args={"num_steps": 2})
    tuner = Tuner(**training, custom_config={"max_trials": TRIALS})
    trainer = Trainer(**training, hyperparameters=tuner.outputs["best_hyperparameters"])
    root = tmp_path_factory.mktemp("tuner")
    result = tfpipe.run_pipeline(tfpipe.Pipeline(NAME, str(root), [*nodes, tuner, trainer]),
                                 quiet=True)
    return result.results["Tuner"].outputs, result.results["Trainer"].outputs, root


@pytest.mark.slow
def test_best_hyperparameters_hold_a_point_of_the_search_space(tuned):
    import keras_tuner

    from tfpipe.dsl.loader import load_module_from_file

    search_space = load_module_from_file(MODULE_FILE).search_space
    best = tuned[0]["best_hyperparameters"]
    with open(os.path.join(best.uri, "best_hyperparameters.txt")) as f:
        config = json.load(f)
    space = search_space().get_config()
    assert config["space"] == space["space"], "TFX's file: get_config() of the search space"
    values = keras_tuner.HyperParameters.from_config(config).values
    assert set(values) == {"learning_rate", "num_layers", "units"}
    assert values["learning_rate"] in (0.01, 0.03)
    assert values["num_layers"] in (1, 2) and values["units"] in (4, 8)
    assert json.loads(best.custom_properties["values"]) == values
    assert best.custom_properties["trials"] == TRIALS
    assert 0 <= best.custom_properties["best_score"] <= 1  # eval accuracy of the best trial


@pytest.mark.slow
def test_the_trainer_trains_the_model_the_best_hyperparameters_describe(tuned):
    import tensorflow as tf

    best, model_run = tuned[0]["best_hyperparameters"], tuned[1]["model_run"]
    with open(os.path.join(best.uri, "best_hyperparameters.txt")) as f:
        config = json.load(f)
    with open(os.path.join(model_run.uri, "fn_args.json")) as f:
        assert json.load(f)["hyperparameters"] == config, "run_fn got the Tuner's dict"
    values = config["values"]
    served = tf.saved_model.load(os.path.join(tuned[1]["model"].uri, "Format-Serving"))
    kernels = [v.shape.as_list() for v in served.variables if v.name.endswith("kernel:0")]
    hidden = [shape[1] for shape in kernels if shape[1] != 3]  # not the 3-class output
    assert hidden == [values["units"]] * values["num_layers"]


@pytest.mark.slow
def test_the_report_lists_the_chosen_values(tuned):
    from ..conftest import run_cli

    best, root = tuned[0]["best_hyperparameters"], tuned[2]
    result = run_cli("report", "--metadata", str(root / "metadata.sqlite"), "-o", "-")
    assert result.returncode == 0, result.stderr
    html = result.stdout[result.stdout.index('<section id="hyperparameters"'):]
    html = html[:html.index("</section>")]
    assert f"<th>trials</th><td>{TRIALS}</td>" in html
    for name, value in json.loads(best.custom_properties["values"]).items():
        assert f"<td>{name}</td><td>{value}</td>" in html


def test_the_tuner_is_a_tfx_component_with_one_output():
    spec = Tuner.spec
    assert spec.outputs["best_hyperparameters"] is tfpipe.HyperParameters
    assert {"examples", "transform_graph", "schema"} <= set(spec.inputs)
    assert {"module_file", "train_args", "eval_args", "tune_args",
            "custom_config"} <= set(spec.parameters)
    assert Trainer.spec.inputs["hyperparameters"].optional
