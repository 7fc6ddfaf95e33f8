"""Tuner: searches hyperparameters with the user's ``tuner_fn(fn_args)``, as TFX's Tuner.

``tuner_fn`` gets the same ``FnArgs`` as ``run_fn`` (``fn_args.working_dir`` is a
scratch folder for the tuner's trials, removed afterwards) and returns
``TunerFnResult(tuner, fit_kwargs)``: a KerasTuner tuner and the keyword arguments of
``tuner.search``. The best trial's ``HyperParameters.get_config()`` is written as JSON to
``best_hyperparameters.txt`` in the ``best_hyperparameters`` output (TFX's file); a
Trainer given that output hands the dict to ``run_fn`` as ``fn_args.hyperparameters``.

KerasTuner's own trial loop only accepts Keras 3 models; module files whose models are
``tf_keras`` models (every model embedding a TFT transform layer) mix
``TfKerasTrials`` into their tuner (see ``fn_args.TfKerasTrials``).
"""
from __future__ import annotations

import json

from ..artifacts.model import write_hyperparameters
from ..dsl import (Examples, ExecutionContext, HyperParameters, Input, Output, Parameter, Schema,
                   TransformGraph, component)
from ..errors import ExecutionError, UserCodeError
from ..usercode.fn_args import TfKerasTrials, TunerFnResult, common_fn_args, skip_autograph_for_tf_keras
from ..usercode.module_file import def_line, load_user_function

__all__ = ["TfKerasTrials", "Tuner", "TunerFnResult"]

TUNER_FN = "tuner_fn"


def _check_tune_args(tune_args: dict | None, node: str) -> None:
    """TFX's TuneArgs: only ``num_parallel_trials``, and trials run one at a time here."""
    args = dict(tune_args or {})
    unknown = sorted(set(args) - {"num_parallel_trials"})
    if unknown or args.get("num_parallel_trials", 1) != 1:
        raise ExecutionError(f"tune_args {args} cannot be honoured: tfpipe runs a Tuner's "
                             "trials one after another, in the Tuner's own process.",
                             node=node, fix="drop tune_args or set tune_args="
                             "{'num_parallel_trials': 1}")


def _checked_result(result, tuner_fn, node: str) -> tuple:
    """(tuner, fit_kwargs) from what ``tuner_fn`` returned, or a UserCodeError at its
    ``def`` line saying what it must return."""
    tuner, fit_kwargs = result if isinstance(result, tuple) and len(result) == 2 else (None, None)
    if not (callable(getattr(tuner, "search", None)) and isinstance(fit_kwargs, dict)
            and hasattr(tuner, "oracle")):
        raise UserCodeError(f"tuner_fn returned a {type(result).__name__}, but it must "
                            "return TunerFnResult(tuner=<a KerasTuner tuner>, "
                            "fit_kwargs=<a dict of tuner.search arguments>).", node=node,
                            where=def_line(tuner_fn),
                            fix="end tuner_fn with `return TunerFnResult(tuner=tuner, "
                            "fit_kwargs={'x': train_dataset, 'validation_data': ...})` "
                            "(from tfpipe.components.tuner import TunerFnResult)")
    return tuner, fit_kwargs


def _trial_results(oracle) -> str:
    """Each trial's id, status, hyperparameter values and score, as JSON (for MLMD)."""
    return json.dumps([{"trial_id": t.trial_id, "status": str(t.status),
                        "hyperparameters": t.hyperparameters.values,
                        "score": None if t.score is None else float(t.score)}
                       for t in oracle.trials.values()], sort_keys=True)


@component
def Tuner(examples: Input[list[Examples]], best_hyperparameters: Output[HyperParameters],
          module_file: Parameter[str], transform_graph: Input[TransformGraph] = None,
          schema: Input[Schema] = None, train_args: Parameter[dict] = None,
          eval_args: Parameter[dict] = None, tune_args: Parameter[dict] = None,
          custom_config: Parameter[dict] = None, context: ExecutionContext = None):
    """Search hyperparameters with ``tuner_fn(fn_args)`` from ``module_file`` and write
    the best ones to ``best_hyperparameters``. ``train_args``/``eval_args`` are the
    Trainer's (``{"num_steps": 20}``, per trial); ``tune_args`` is TFX's TuneArgs
    (``num_parallel_trials`` must be 1 locally); ``custom_config`` reaches ``tuner_fn``."""
    import tensorflow_transform  # noqa: F401 - selects Keras 2 (tf_keras) before TF loads it

    node = context.node_id
    tuner_fn = load_user_function(module_file, TUNER_FN, node, "tuner_fn(fn_args)")
    _check_tune_args(tune_args, node)
    fn_args = common_fn_args(examples, train_args, eval_args, transform_graph, schema,
                             custom_config, node, model_run_dir=context.make_tmp_dir())
    skip_autograph_for_tf_keras()
    tuner, fit_kwargs = _checked_result(tuner_fn(fn_args), tuner_fn, node)
    tuner.search(**fit_kwargs)
    best = tuner.oracle.get_best_trials(1)
    if not best:
        raise UserCodeError("the tuner finished without one successful trial.", node=node,
                            where=def_line(tuner_fn), fix="look at the trials' errors above; "
                            "raise max_trials or fix the model-building function")
    write_hyperparameters(best_hyperparameters, best[0].hyperparameters.get_config())
    best_hyperparameters.custom_properties.update(
        values=json.dumps(best[0].hyperparameters.values, sort_keys=True),
        trials=len(tuner.oracle.trials), trial_results=_trial_results(tuner.oracle))
    if best[0].score is not None:
        best_hyperparameters.custom_properties["best_score"] = float(best[0].score)
