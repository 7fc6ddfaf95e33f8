"""Trainer: calls the user's ``run_fn(fn_args)`` with what TFX's ``FnArgs`` carries.

A TFX module file ports unchanged apart from its imports: ``fn_args`` has the same
fields (``train_files``, ``eval_files``, ``train_steps``, ``eval_steps``,
``schema_path``, ``transform_output``/``transform_graph_path``,
``serving_model_dir``, ``model_run_dir``, ``custom_config``, ``data_accessor``...).
``run_fn`` must save a SavedModel in ``fn_args.serving_model_dir``, which is
``<model.uri>/Format-Serving`` as in TFX; ``model_run`` holds the training logs
(TensorBoard) written to ``fn_args.model_run_dir``.
"""
from __future__ import annotations

import json
import os

from ..artifacts.model import read_hyperparameters, serving_model_dir
from ..dsl import (Examples, ExecutionContext, HyperParameters, Input, Model, ModelRun, Output,
                   Parameter, Schema, TransformGraph, component)
from ..errors import UserCodeError
from .fn_args import DataAccessor, FnArgs, common_fn_args, skip_autograph_for_tf_keras
from .module_file import load_user_function

__all__ = ["DataAccessor", "FnArgs", "Trainer"]

RUN_FN = "run_fn"
FN_ARGS_FILE = "fn_args.json"


@component
def Trainer(examples: Input[list[Examples]], model: Output[Model], model_run: Output[ModelRun],
            module_file: Parameter[str], transform_graph: Input[TransformGraph] = None,
            schema: Input[Schema] = None, base_model: Input[Model] = None,
            hyperparameters: Input[HyperParameters] = None, train_args: Parameter[dict] = None,
            eval_args: Parameter[dict] = None, custom_config: Parameter[dict] = None,
            context: ExecutionContext = None):
    """Train a model with ``run_fn(fn_args)`` from ``module_file``. ``train_args`` and
    ``eval_args`` are dicts like ``{"num_steps": 100}`` (optionally ``"splits"``;
    train and eval by default); ``custom_config`` is passed through to ``run_fn``.
    ``examples`` may be a window of spans: the files of every span are read.
    ``base_model`` (e.g. the latest blessed model, from LatestBlessedModelResolver)
    reaches ``run_fn`` as ``fn_args.base_model``, the path of its SavedModel, to warm-start
    from, as in TFX. ``hyperparameters`` (a Tuner's ``best_hyperparameters``) reaches it as
    ``fn_args.hyperparameters``, the dict ``keras_tuner.HyperParameters.from_config``
    reads."""
    import tensorflow_transform  # noqa: F401 - selects Keras 2 (tf_keras) before TF loads it
    import tensorflow as tf

    node = context.node_id
    run_fn = load_user_function(module_file, RUN_FN, node, "run_fn(fn_args)")
    fn_args = common_fn_args(examples, train_args, eval_args, transform_graph, schema,
                             custom_config, node, serving_model_dir=serving_model_dir(model.uri),
                             model_run_dir=model_run.uri)
    fn_args.base_model = serving_model_dir(base_model.uri) if base_model else None
    if hyperparameters is not None:
        fn_args.hyperparameters = read_hyperparameters(hyperparameters, node)
    with open(os.path.join(model_run.uri, FN_ARGS_FILE), "w") as f:
        f.write(fn_args.to_json())
    skip_autograph_for_tf_keras()
    run_fn(fn_args)
    if not tf.saved_model.contains_saved_model(fn_args.serving_model_dir):
        raise UserCodeError(f"run_fn in {module_file} returned without saving a model in "
                            "fn_args.serving_model_dir.", node=node, where=module_file,
                            fix="end run_fn with model.save(fn_args.serving_model_dir, "
                            "save_format='tf', signatures=...) (or "
                            "tfpipe.serving.signatures.export_serving_model)")
    spans = sorted({span for e in examples for span in _spans(e)})
    model.custom_properties["spans"] = json.dumps(spans)
    if base_model is not None:
        model.custom_properties["base_model_id"] = base_model.id


def _spans(examples: Examples) -> list[int]:
    """The spans an Examples artifact holds (several for Transform's output of a window)."""
    return json.loads(examples.custom_properties.get("spans") or "[]") or [examples.span]
