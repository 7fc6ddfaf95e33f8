"""Trainer: run_fn from a module file, through the local runner, on the penguin data."""
from __future__ import annotations

import glob
import json
import os
import textwrap

import pytest

import tfpipe
from tfpipe.components import Trainer
from tfpipe.errors import ExecutionError, UserCodeError

from .penguin_pipeline import (FEATURES, LABEL, LABELLED, MODULE_FILE, REPO, UNLABELLED_CSV,
                               csv_rows, data_nodes, serialized_examples)

NAME = "trainer-test"


def run(root, module_file=MODULE_FILE, **trainer_args):
    nodes = data_nodes()
    transform = nodes[-1]
    trainer_args.setdefault("train_args", {"num_steps": 5})
    trainer_args.setdefault("eval_args", {"num_steps": 2})
    trainer = Trainer(examples=transform.outputs["transformed_examples"],
                      transform_graph=transform.outputs["transform_graph"],
                      schema=nodes[2].outputs["schema"], module_file=module_file,
                      **trainer_args)
    result = tfpipe.run_pipeline(tfpipe.Pipeline(NAME, root, [*nodes, trainer]), quiet=True)
    return result.results["Trainer"].outputs


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("trainer")


@pytest.fixture(scope="module")
def trained(root):
    return run(root)


@pytest.fixture(scope="module")
def served(trained):
    import tensorflow as tf

    return tf.saved_model.load(os.path.join(trained["model"].uri, "Format-Serving"))


def test_serving_default_predicts_from_raw_csv_rows(served):
    import numpy as np
    import tensorflow as tf

    serve = served.signatures["serving_default"]
    assert serve.structured_input_signature == (
        (), {"examples": tf.TensorSpec([None], tf.string, name="examples")})
    rows = csv_rows(UNLABELLED_CSV)  # no species column: serving needs no label
    predictions = serve(examples=tf.constant(serialized_examples(rows)))["predictions"].numpy()
    assert predictions.shape == (len(rows), 3)
    assert np.allclose(predictions.sum(axis=1), 1, atol=1e-5)


def test_transform_features_gives_the_transformed_label_and_features(served):
    import tensorflow as tf

    rows = csv_rows(os.path.join(LABELLED, "labelled.csv"))[:8]
    features = served.signatures["transform_features"](
        examples=tf.constant(serialized_examples(rows)))
    assert set(features) == set(FEATURES) | {LABEL}
    assert features[LABEL].numpy().ravel().tolist() == [int(r[LABEL]) for r in rows]
    raw = [float(r[FEATURES[0]]) for r in rows]  # z-scores keep the order of the raw values
    scored = features[FEATURES[0]].numpy().ravel().tolist()
    assert sorted(range(8), key=raw.__getitem__) == sorted(range(8), key=scored.__getitem__)


def test_model_run_holds_tensorboard_logs_and_the_fn_args(trained):
    run_dir = trained["model_run"].uri
    assert glob.glob(os.path.join(run_dir, "**", "events.out.tfevents.*"), recursive=True)
    with open(os.path.join(run_dir, "fn_args.json")) as f:
        recorded = json.load(f)
    assert recorded["train_steps"] == 5 and recorded["eval_steps"] == 2
    assert recorded["serving_model_dir"] == os.path.join(trained["model"].uri, "Format-Serving")


RECORDING_MODULE = """
import json

import tensorflow_transform as tft
from tfx_bsl.public import tfxio


def run_fn(fn_args):
    graph = tft.TFTransformOutput(fn_args.transform_output)
    dataset = fn_args.data_accessor.tf_dataset_factory(
        fn_args.train_files, tfxio.TensorFlowDatasetOptions(batch_size=4, label_key="species"),
        graph.transformed_metadata.schema)
    features, label = next(iter(dataset))
    seen = {name: getattr(fn_args, name) for name in (
        "train_files", "eval_files", "train_steps", "eval_steps", "schema_path",
        "transform_graph_path", "serving_model_dir", "model_run_dir", "custom_config")}
    seen.update(features=sorted(features), label_shape=label.shape.as_list())
    with open(fn_args.custom_config["report"], "w") as f:
        json.dump(seen, f)
"""


def test_run_fn_gets_tfx_fn_args_and_must_save_a_model(root, trained, tmp_path):
    module = tmp_path / "recording_module.py"
    module.write_text(RECORDING_MODULE)
    report = tmp_path / "seen.json"
    with pytest.raises(UserCodeError) as caught:
        run(root, str(module), train_args={"num_steps": 3, "splits": ["train", "eval"]},
            eval_args=None, custom_config={"report": str(report)})
    assert "returned without saving a model in fn_args.serving_model_dir" in str(caught.value)
    seen = json.loads(report.read_text())
    transformed = glob.glob(os.path.join(str(root), "Transform", "transformed_examples", "*"))
    assert [os.path.dirname(os.path.dirname(p)) for p in seen["train_files"]] == transformed * 2
    assert [os.path.basename(os.path.dirname(p)) for p in seen["train_files"]] == [
        "Split-train", "Split-eval"]
    assert [os.path.basename(os.path.dirname(p)) for p in seen["eval_files"]] == ["Split-eval"]
    assert (seen["train_steps"], seen["eval_steps"]) == (3, None)
    assert seen["schema_path"].endswith("schema.pbtxt")
    assert os.path.isdir(os.path.join(seen["transform_graph_path"], "transform_fn"))
    assert seen["serving_model_dir"].endswith("Format-Serving")
    assert seen["custom_config"] == {"report": str(report)}
    assert seen["features"] == sorted(FEATURES) and seen["label_shape"] == [4, 1]


def test_a_module_file_without_run_fn_says_what_to_define(root, trained, tmp_path):
    module = tmp_path / "no_run_fn.py"
    module.write_text(textwrap.dedent("""
        def trainer_fn(fn_args):
            pass
    """))
    with pytest.raises(UserCodeError) as caught:
        run(root, str(module))
    assert caught.value.node == "Trainer"
    assert f"run_fn is not defined in module_file {module}" in str(caught.value)
    assert "define `def run_fn(fn_args):`" in caught.value.fix


def test_unknown_train_args_are_refused_with_a_suggestion(root, trained):
    with pytest.raises(ExecutionError, match="train_args has no setting 'num_step'. "
                                             "Did you mean 'num_steps'?"):
        run(root, train_args={"num_step": 5})


@pytest.mark.parametrize("name", ["penguin", "taxi"])
def test_the_example_pipelines_take_training_steps_from_the_command_line(name):
    from tfpipe.dsl.loader import load_pipeline

    path = os.path.join(REPO, "pipelines", name, "pipeline.py")
    ir = tfpipe.compile_pipeline(load_pipeline(path, {"train_steps": 500, "eval_steps": 7}))
    trainer = ir.node("Trainer")
    assert trainer.parameters["train_args"] == {"num_steps": 500}
    assert trainer.parameters["eval_args"] == {"num_steps": 7}
    assert trainer.parameters["module_file"].startswith(os.path.join(REPO, "pipelines", name))
