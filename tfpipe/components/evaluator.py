"""Evaluator: TensorFlow Model Analysis of a model on the eval split, and its blessing.

As in TFX: metrics per slice go to ``evaluation`` (load them with
``tfma.load_eval_result(evaluation.uri)``); the model is blessed when every value
threshold holds and, if a baseline model is given, every change threshold against
it. ``blessing`` records custom properties ``blessed`` (1/0), ``reason``,
``current_model`` / ``current_model_id`` (and ``baseline_model`` /
``baseline_model_id``), and TFX's marker file ``BLESSED`` or ``NOT_BLESSED``.
``evaluation`` records the candidate's overall metrics as the JSON custom property
``metrics`` (``{"auc": 0.95, ...}``), which ``tfpipe models`` lists without TFMA.

Without a baseline (the first run, when no blessed model exists yet) change
thresholds are skipped, as TFX's "rubber stamp": value thresholds alone decide.
"""
from __future__ import annotations

import json
import os

from ..dsl import (ExecutionContext, Examples, Input, Model, ModelBlessing, ModelEvaluation,
                   Output, Parameter, component)
from ..errors import ExecutionError, InputDataError
from ..artifacts.examples import split_pattern
from ..artifacts.model import serving_model_path, write_blessing
from ..beam.pipeline import beam_pipeline, warm_up
from ..io.examples import read_examples

CONFIG_EXAMPLE = ('{"model_specs": [{"label_key": "species"}], "metrics_specs": [{"metrics": '
                  '[{"class_name": "SparseCategoricalAccuracy", "threshold": '
                  '{"value_threshold": {"lower_bound": 0.6}}}]}]}')


def parse_eval_config(eval_config: dict, node: str | None = None):
    """``eval_config`` (TFMA EvalConfig in proto-JSON form) as an EvalConfig proto."""
    import tensorflow_model_analysis as tfma
    from google.protobuf import json_format

    if not isinstance(eval_config, dict):
        raise ExecutionError(f"eval_config must be a dict (TFMA EvalConfig as JSON), got "
                             f"{type(eval_config).__name__}.", node=node,
                             fix=f"e.g. eval_config={CONFIG_EXAMPLE}")
    try:
        return json_format.ParseDict(eval_config, tfma.EvalConfig())
    except json_format.ParseError as exc:
        raise ExecutionError(f"eval_config is not a valid TFMA EvalConfig: {exc}", node=node,
                             fix="write it in EvalConfig's proto-JSON form, bounds as plain "
                             f"numbers, e.g. {CONFIG_EXAMPLE}") from exc


def _slice_name(slice_key_proto) -> str:
    from tensorflow_model_analysis.slicer import slicer_lib

    return slicer_lib.stringify_slice_key(slicer_lib.deserialize_slice_key(slice_key_proto))


def _threshold_text(threshold) -> str:
    """e.g. ``value threshold {"lowerBound": 0.8}`` (a failure names the one that failed)."""
    parts = [f"{field.name.replace('_', ' ')} {json.dumps(_to_dict(value), sort_keys=True)}"
             for field, value in threshold.ListFields()]
    return " and ".join(parts) or "its threshold"


def describe_failures(validation) -> list[str]:
    """One line per failed threshold (and per slicing spec that matched no slice)."""
    lines = []
    for per_slice in validation.metric_validations_per_slice:
        where = _slice_name(per_slice.slice_key) if per_slice.HasField("slice_key") \
            else "cross slice"
        for failure in per_slice.failures:
            key = failure.metric_key
            value = failure.metric_value.double_value.value
            what = "change vs baseline" if key.is_diff else "value"
            lines.append(f"slice {where}: {key.name} {what} {value:.4g} fails "
                         f"{_threshold_text(failure.metric_threshold)}")
    for spec in validation.missing_slices:
        lines.append(f"slicing spec {json.dumps(_to_dict(spec), sort_keys=True)} matched no "
                     "examples, so its thresholds could not be checked")
    return lines


def _to_dict(proto) -> dict:
    from google.protobuf import json_format

    return json_format.MessageToDict(proto)


def _shared_models(config, model_path: str, baseline_path: str | None):
    import tensorflow_model_analysis as tfma

    for spec in config.model_specs:
        # Loaded as TF SavedModels, through their signatures, unless the eval_config says
        # otherwise: once tensorflow_transform is imported (it selects Keras 2), TFMA
        # would load each as a Keras model (twice: once to guess its type), three times
        # slower (46 s instead of 15 s for the continuous taxi example with a baseline).
        spec.model_type = spec.model_type or tfma.constants.TF_GENERIC
    models = [tfma.default_eval_shared_model(
        eval_saved_model_path=baseline_path if spec.is_baseline else model_path,
        model_name=spec.name, eval_config=config) for spec in config.model_specs]
    return models[0] if len(models) == 1 else models


def _run_tfma(config, models, data_patterns: list[str], output_path: str, context) -> None:
    import tensorflow_model_analysis as tfma

    with beam_pipeline(context) as p:
        _ = (read_examples(p, "examples", data_patterns,
                           raw_record_column=tfma.ARROW_INPUT_COLUMN)
             | "Evaluate" >> tfma.ExtractEvaluateAndWriteResults(
                 eval_config=config, eval_shared_model=models, output_path=output_path))


def tfma_error(exc: Exception, config, node: str) -> ExecutionError:
    """TFMA's failure (raised deep inside Beam) as one message about the eval_config."""
    text = str(exc).split(" [while running")[0]
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    labels = sorted({spec.label_key for spec in config.model_specs if spec.label_key})
    if "'labels': None" in text:
        keys = ", ".join(map(repr, labels)) or "(unset)"
        first = (f"no label found: label_key {keys} is not a feature of the examples (nor "
                 "of the preprocessing_function_names outputs)")
    return ExecutionError(f"TensorFlow Model Analysis failed: {first}", node=node,
                          fix="check eval_config against the model and the data: label_key "
                          "names a feature, prediction_key an output of the serving signature, "
                          "metrics suit the model's outputs; --verbose shows TFMA's traceback")


def overall_metrics(output_path: str, config) -> dict[str, float]:
    """The candidate model's scalar metrics on the whole eval set (no slice, no sub-key,
    not a change against the baseline), by name, from TFMA's output."""
    import tensorflow_model_analysis as tfma

    baselines = {spec.name for spec in config.model_specs if spec.is_baseline}
    found: dict[str, float] = {}
    for per_slice in tfma.load_metrics(output_path):
        if per_slice.slice_key.single_slice_keys:
            continue
        for pair in per_slice.metric_keys_and_values:
            key, value = pair.key, pair.value
            if key.is_diff or key.model_name in baselines or key.HasField("sub_key"):
                continue
            name = "/".join(p for p in (key.output_name, key.name) if p)
            if value.HasField("double_value"):
                found.setdefault(name, value.double_value.value)
            elif value.HasField("bounded_value"):
                found.setdefault(name, value.bounded_value.value.value)
    return found


def _eval_data(examples: Examples, splits: list, node: str) -> list[str]:
    """The file patterns of the splits to evaluate, checked to exist."""
    known = examples.split_names
    missing = [s for s in splits if (known and s not in known)
               or not os.path.isdir(examples.split_uri(s))]
    if not splits or missing:
        raise InputDataError(f"examples {examples.uri} have no split(s) {missing or splits} "
                             f"(they have {known or 'none'}).", node=node,
                             fix=f"set example_splits to some of {known}")
    return [split_pattern(examples.uri, s) for s in splits]


@component
def Evaluator(examples: Input[Examples], model: Input[Model],
              evaluation: Output[ModelEvaluation], blessing: Output[ModelBlessing],
              eval_config: Parameter[dict], baseline_model: Input[Model] = None,
              example_splits: Parameter[list] = ("eval",), context: ExecutionContext = None):
    """Evaluate ``model`` on ``example_splits`` of ``examples`` with TensorFlow Model
    Analysis as ``eval_config`` (TFMA EvalConfig as a JSON dict) says: metrics, slices,
    value thresholds, and change thresholds against ``baseline_model`` if given; bless
    it if every threshold holds."""
    warm_up(context, "tensorflow_model_analysis")  # multi_processing: zygote imports
    node = context.node_id
    config = parse_eval_config(eval_config, node)
    splits = [example_splits] if isinstance(example_splits, str) else list(example_splits)
    data = _eval_data(examples, splits, node)
    run_evaluation(config, data, model, baseline_model, evaluation, blessing, node, context)


def run_evaluation(config, data_patterns: list[str], model: Model, baseline: Model | None,
                   evaluation: ModelEvaluation, blessing: ModelBlessing, node: str,
                   context: ExecutionContext) -> None:
    """Run TFMA, write the evaluation and the blessing."""
    import tensorflow_model_analysis as tfma
    from tensorflow_model_analysis.utils import config_util

    config = config_util.update_eval_config_with_defaults(
        config, has_baseline=baseline is not None, rubber_stamp=baseline is None)
    models = _shared_models(config, serving_model_path(model, node),
                            serving_model_path(baseline, node) if baseline else None)
    try:
        _run_tfma(config, models, data_patterns, evaluation.uri, context)
    except Exception as exc:  # noqa: BLE001 - TFMA's errors come wrapped by Beam
        raise tfma_error(exc, config, node) from exc
    validation = tfma.load_validation_result(evaluation.uri)
    failures = describe_failures(validation)
    blessed = validation.validation_ok and not failures
    if blessed:
        reason = ("all thresholds hold" + (" against the baseline" if baseline else
                                           " (no baseline: change thresholds skipped)"))
    else:
        reason = "not blessed: " + ("; ".join(failures) or "TFMA validation failed")
    write_blessing(blessing, blessed, reason, model, baseline)
    evaluation.custom_properties["blessed"] = int(blessed)
    evaluation.custom_properties["metrics"] = json.dumps(overall_metrics(evaluation.uri, config),
                                                         sort_keys=True)
    if not blessed:
        context.warn(f"model {model.uri} is not blessed:\n" + "\n".join(failures))
