"""Evaluator: TFMA metrics per slice, value and change thresholds, the blessing."""
from __future__ import annotations

import os

import pytest

import tfpipe
from tfpipe.components import Evaluator
from tfpipe.errors import InputDataError

from .evaluation_helpers import NotAModel, PenguinExamples, PenguinModel

ACCURACY = "sparse_categorical_accuracy"
QUIET = True
SLICES = [{}, {"feature_keys": ["species"]}]


def eval_config(value: float | None = None, change: bool = False) -> dict:
    """Accuracy and example count, overall and per species, with optional thresholds."""
    threshold = {}
    if value is not None:
        threshold["value_threshold"] = {"lower_bound": value}
    if change:  # accuracy may not drop below the baseline's
        threshold["change_threshold"] = {"direction": "HIGHER_IS_BETTER", "absolute": -1e-10}
    accuracy = {"class_name": "SparseCategoricalAccuracy"}
    if threshold:
        accuracy["threshold"] = threshold
    return {"model_specs": [{"label_key": "species",
                             "preprocessing_function_names": ["transform_features"]}],
            "slicing_specs": SLICES,
            "metrics_specs": [{"metrics": [accuracy, {"class_name": "ExampleCount"}]}]}


# a binary classifier whose label comes from the model's transform_features signature,
# as taxi's big_tipper: the README's example
BINARY_CONFIG = {
    "model_specs": [{"label_key": "is_adelie",
                     "preprocessing_function_names": ["transform_features"]}],
    "slicing_specs": [{}],
    "metrics_specs": [{"metrics": [
        {"class_name": "ExampleCount"},
        {"class_name": "AUC"},
        {"class_name": "BinaryAccuracy",
         "threshold": {"value_threshold": {"lower_bound": 0.9},
                       "change_threshold": {"direction": "HIGHER_IS_BETTER",
                                            "absolute": -1e-10}}}]}],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One pipeline: four evaluations of a trained and an untrained 3-class model, one of
    a binary model."""
    root = tmp_path_factory.mktemp("evaluator")
    examples = PenguinExamples()
    trained = PenguinModel(steps=100).with_id("trained")
    untrained = PenguinModel(steps=0).with_id("untrained")
    binary = PenguinModel(steps=100, binary=True).with_id("binary_model")
    ex = examples.outputs["examples"]
    nodes = [
        # a value threshold and a change threshold, but no baseline: the first model
        Evaluator(examples=ex, model=trained.outputs["model"],
                  eval_config=eval_config(value=0.8, change=True)).with_id("first_model"),
        Evaluator(examples=ex, model=untrained.outputs["model"],
                  eval_config=eval_config(value=0.8)).with_id("too_weak"),
        Evaluator(examples=ex, model=trained.outputs["model"],
                  baseline_model=untrained.outputs["model"],
                  eval_config=eval_config(change=True)).with_id("better_than_baseline"),
        Evaluator(examples=ex, model=untrained.outputs["model"],
                  baseline_model=trained.outputs["model"],
                  eval_config=eval_config(change=True)).with_id("worse_than_baseline"),
        Evaluator(examples=ex, model=binary.outputs["model"],
                  eval_config=BINARY_CONFIG).with_id("binary"),
    ]
    pipeline = tfpipe.Pipeline(name="evaluator-test", pipeline_root=str(root),
                               components=[examples, trained, untrained, binary, *nodes])
    return tfpipe.run_pipeline(pipeline, quiet=QUIET)


def outputs(run, node_id: str):
    result = run.results[node_id]
    assert result.status == "ran"
    return result.outputs["evaluation"], result.outputs["blessing"]


def test_evaluation_loads_with_tfma_and_holds_metrics_per_slice(run):
    import tensorflow_model_analysis as tfma

    evaluation, _ = outputs(run, "first_model")
    result = tfma.load_eval_result(evaluation.uri)
    by_slice = {key: metrics[""][""] for key, metrics in result.slicing_metrics}
    assert set(by_slice) == {(), (("species", 0),), (("species", 1),), (("species", 2),)}
    assert by_slice[()]["example_count"]["doubleValue"] == 334
    assert sum(by_slice[((("species", i),))]["example_count"]["doubleValue"]
               for i in range(3)) == 334
    assert by_slice[()][ACCURACY]["doubleValue"] >= 0.8


def test_a_model_passing_its_thresholds_is_blessed_without_a_baseline(run):
    _, blessing = outputs(run, "first_model")
    assert blessing.custom_properties["blessed"] == 1
    assert os.listdir(blessing.uri) == ["BLESSED"]
    assert "change thresholds skipped" in blessing.custom_properties["reason"]
    trained = run.results["trained"].outputs["model"]
    assert blessing.custom_properties["current_model_id"] == trained.id
    assert "baseline_model_id" not in blessing.custom_properties


def test_a_model_failing_a_value_threshold_is_not_blessed_with_the_reason(run):
    _, blessing = outputs(run, "too_weak")
    assert blessing.custom_properties["blessed"] == 0
    assert os.listdir(blessing.uri) == ["NOT_BLESSED"]
    reason = blessing.custom_properties["reason"]
    assert f"slice Overall: {ACCURACY} value" in reason
    assert 'value threshold {"lowerBound": 0.8}' in reason
    with open(os.path.join(blessing.uri, "NOT_BLESSED")) as f:
        assert f.read().strip() == reason


def test_change_thresholds_compare_the_candidate_with_the_baseline(run):
    import tensorflow_model_analysis as tfma

    _, better = outputs(run, "better_than_baseline")
    evaluation, worse = outputs(run, "worse_than_baseline")
    assert better.custom_properties["blessed"] == 1
    assert worse.custom_properties["blessed"] == 0
    assert f"slice Overall: {ACCURACY} change vs baseline -" in worse.custom_properties["reason"]
    assert "change threshold" in worse.custom_properties["reason"]
    baseline = run.results["trained"].outputs["model"]
    assert worse.custom_properties["baseline_model_id"] == baseline.id
    # both models' metrics are in the evaluation, and the difference
    candidate, base = (dict(tfma.load_eval_result(evaluation.uri, model_name=name)
                            .slicing_metrics)[()][""][""] for name in ("candidate", "baseline"))
    assert candidate[f"{ACCURACY}_diff"]["doubleValue"] == pytest.approx(
        candidate[ACCURACY]["doubleValue"] - base[ACCURACY]["doubleValue"])
    assert candidate[f"{ACCURACY}_diff"]["doubleValue"] < 0


def test_a_binary_model_with_a_transformed_label_is_evaluated_and_blessed(run):
    import tensorflow_model_analysis as tfma

    evaluation, blessing = outputs(run, "binary")
    overall = dict(tfma.load_eval_result(evaluation.uri).slicing_metrics)[()][""][""]
    assert overall["binary_accuracy"]["doubleValue"] >= 0.9
    assert overall["auc"]["doubleValue"] >= 0.9
    assert blessing.custom_properties["blessed"] == 1


@pytest.fixture(scope="module")
def evaluate_badly(tmp_path_factory):
    """Run an Evaluator that must fail; its error. Examples and model come from the cache."""
    root = tmp_path_factory.mktemp("evaluator-errors")

    def evaluate(config: dict, model=None) -> tfpipe.ExecutionError:
        examples = PenguinExamples()
        model = model or PenguinModel(steps=0)
        evaluator = Evaluator(examples=examples.outputs["examples"],
                              model=model.outputs["model"], eval_config=config)
        pipeline = tfpipe.Pipeline(name="evaluator-errors", pipeline_root=str(root),
                                   components=[examples, model, evaluator])
        with pytest.raises(tfpipe.ExecutionError) as error:
            tfpipe.run_pipeline(pipeline, quiet=True)
        return error.value
    return evaluate


def test_a_bad_eval_config_names_the_node_and_the_fix(evaluate_badly):
    config = eval_config(value=0.8)
    config["metrics_specs"][0]["metrics"][0]["threshold"]["value_threshold"] = {
        "lower_bound": {"value": 0.8}}  # a wrapper type is a plain number in proto-JSON
    text = str(evaluate_badly(config))
    assert text.startswith("[Evaluator] eval_config is not a valid TFMA EvalConfig")
    assert "lower_bound" in text and "fix: write it in EvalConfig's proto-JSON form" in text


def test_a_label_key_that_is_no_feature_is_named(evaluate_badly):
    config = eval_config(value=0.8)
    config["model_specs"][0]["label_key"] = "specie"
    text = str(evaluate_badly(config))
    assert text.startswith("[Evaluator] TensorFlow Model Analysis failed: no label found: "
                           "label_key 'specie' is not a feature of the examples")
    assert "fix: check eval_config" in text


def test_a_model_without_a_saved_model_is_bad_input(evaluate_badly):
    error = evaluate_badly(eval_config(value=0.8), model=NotAModel())
    assert isinstance(error, InputDataError)
    assert "holds no SavedModel in Format-Serving/" in str(error)


def test_declaring_the_components_imports_no_tensorflow_tfma_beam_or_mlmd():
    import subprocess
    import sys

    code = ("import sys; from tfpipe.components import Evaluator, LatestBlessedModelResolver, "
            "Pusher; print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', "
            "'tensorflow_model_analysis', 'apache_beam', 'ml_metadata'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
