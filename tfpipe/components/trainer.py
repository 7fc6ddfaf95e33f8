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

import dataclasses
import difflib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from ..dsl import (Examples, ExecutionContext, Input, Model, ModelRun, Output, Parameter, Schema,
                   TransformGraph, component)
from ..errors import ExecutionError, InputDataError, UserCodeError
from ..artifacts.examples import split_pattern
from ..artifacts.model import serving_model_dir
from ..artifacts.schema import schema_path
from .module_file import load_user_function

RUN_FN = "run_fn"
FN_ARGS_FILE = "fn_args.json"
_STEP_ARGS = {"num_steps", "splits"}


class DataAccessor:
    """Reads Examples artifacts' files, as TFX's ``fn_args.data_accessor`` does.

    ``tf_dataset_factory(file_pattern, options, schema)`` gives a ``tf.data.Dataset``
    of feature dicts (or ``(features, label)`` when ``options.label_key`` is set), with
    ``options`` a ``tfx_bsl.public.tfxio.TensorFlowDatasetOptions`` and ``schema`` a
    tensorflow_metadata Schema, typically
    ``tft.TFTransformOutput(fn_args.transform_output).transformed_metadata.schema``.
    """

    @staticmethod
    def _tfxio(file_pattern, schema):
        from tfx_bsl.public import tfxio

        patterns = [file_pattern] if isinstance(file_pattern, str) else list(file_pattern)
        return tfxio.TFExampleRecord(file_pattern=patterns, schema=schema,
                                     telemetry_descriptors=["tfpipe", "Trainer"])

    def tf_dataset_factory(self, file_pattern, options, schema=None):
        return self._tfxio(file_pattern, schema).TensorFlowDataset(options)

    def record_batch_factory(self, file_pattern, options, schema=None):
        """Arrow RecordBatches; ``options`` is a ``tfxio.RecordBatchesOptions``."""
        return self._tfxio(file_pattern, schema).RecordBatches(options)


@dataclass
class FnArgs:
    """What ``run_fn`` gets; the fields and their meaning are TFX's."""

    train_files: list[str]
    eval_files: list[str]
    train_steps: int | None
    eval_steps: int | None
    serving_model_dir: str
    model_run_dir: str
    schema_path: str | None = None
    transform_graph_path: str | None = None
    custom_config: dict[str, Any] = field(default_factory=dict)
    data_accessor: DataAccessor = field(default_factory=DataAccessor)
    hyperparameters: dict[str, Any] | None = None
    base_model: str | None = None

    # TFX's aliases.
    @property
    def transform_output(self) -> str | None:
        return self.transform_graph_path

    @property
    def schema_file(self) -> str | None:
        return self.schema_path

    @property
    def working_dir(self) -> str:
        return self.model_run_dir

    @property
    def eval_model_dir(self) -> str:
        return self.serving_model_dir

    def to_json(self) -> str:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name != "data_accessor"}
        return json.dumps(data, indent=2, sort_keys=True, default=str)


def _skip_autograph_for_tf_keras() -> None:
    """Treat ``tf_keras`` as TensorFlow treats ``keras``: not converted by AutoGraph.

    TF 2.16's AutoGraph skips the modules named ``tensorflow`` and ``keras`` but not
    ``tf_keras`` (Keras 2 under its new name), so the first ``fit`` converts hundreds
    of Keras internals: 20-40 s on 2 CPUs for any model, about 1 s with this rule.
    Keras is written to run unconverted; user code (custom layers) is still converted.
    """
    try:
        from tensorflow.python.autograph.core import config
    except ImportError:  # a TensorFlow without this internal module: nothing to do
        return
    if not any(isinstance(r, config.DoNotConvert) and r.matches("tf_keras")
               for r in config.CONVERSION_RULES):
        config.CONVERSION_RULES = (*config.CONVERSION_RULES, config.DoNotConvert("tf_keras"))


def _step_args(args: dict | None, name: str, default_split: str, examples: list[Examples],
               node: str) -> tuple[int | None, list[str]]:
    """(num_steps, splits) from train_args / eval_args, validated."""
    args = dict(args or {})
    for key in args:
        if key not in _STEP_ARGS:
            close = difflib.get_close_matches(key, sorted(_STEP_ARGS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ExecutionError(f"{name} has no setting {key!r}.{hint}", node=node,
                                 fix=f"{name} takes num_steps and splits, e.g. "
                                 f"{name}={{'num_steps': 100}}")
    steps = args.get("num_steps")
    if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool)
                              or steps < 1):
        raise ExecutionError(f"{name}['num_steps'] must be a positive integer or None, got "
                             f"{steps!r}.", node=node, fix=f"e.g. {name}={{'num_steps': 100}}")
    splits = args.get("splits") or [default_split]
    splits = [splits] if isinstance(splits, str) else list(splits)
    have = examples[-1].split_names if examples else []
    unknown = [s for s in splits if any(s not in e.split_names for e in examples)]
    if unknown:
        raise InputDataError(f"{name} reads split(s) {unknown}, but the examples have "
                             f"{have}.", node=node,
                             fix=f"set {name}['splits'] to some of {have}")
    return steps, splits


@component
def Trainer(examples: Input[list[Examples]], model: Output[Model], model_run: Output[ModelRun],
            module_file: Parameter[str], transform_graph: Input[TransformGraph] = None,
            schema: Input[Schema] = None, base_model: Input[Model] = None,
            train_args: Parameter[dict] = None, eval_args: Parameter[dict] = None,
            custom_config: Parameter[dict] = None, context: ExecutionContext = None):
    """Train a model with ``run_fn(fn_args)`` from ``module_file``. ``train_args`` and
    ``eval_args`` are dicts like ``{"num_steps": 100}`` (optionally ``"splits"``;
    train and eval by default); ``custom_config`` is passed through to ``run_fn``.
    ``examples`` may be a window of spans: the files of every span are read.
    ``base_model`` (e.g. the latest blessed model, from LatestBlessedModelResolver)
    reaches ``run_fn`` as ``fn_args.base_model``, the path of its SavedModel, to warm-start
    from, as in TFX."""
    import tensorflow_transform  # noqa: F401 - selects Keras 2 (tf_keras) before TF loads it
    import tensorflow as tf


    node = context.node_id
    run_fn = load_user_function(module_file, RUN_FN, node, "run_fn(fn_args)")
    train_steps, train_splits = _step_args(train_args, "train_args", "train", examples, node)
    eval_steps, eval_splits = _step_args(eval_args, "eval_args", "eval", examples, node)
    fn_args = FnArgs(
        train_files=[split_pattern(e.uri, s) for e in examples for s in train_splits],
        eval_files=[split_pattern(e.uri, s) for e in examples for s in eval_splits],
        train_steps=train_steps, eval_steps=eval_steps,
        serving_model_dir=serving_model_dir(model.uri),
        model_run_dir=model_run.uri,
        schema_path=schema_path(schema.uri) if schema else None,
        transform_graph_path=transform_graph.uri if transform_graph else None,
        custom_config=dict(custom_config or {}),
        base_model=serving_model_dir(base_model.uri) if base_model else None)
    with open(os.path.join(model_run.uri, FN_ARGS_FILE), "w") as f:
        f.write(fn_args.to_json())
    _skip_autograph_for_tf_keras()
    run_fn(fn_args)
    if not tf.saved_model.contains_saved_model(fn_args.serving_model_dir):
        raise UserCodeError(f"run_fn in {module_file} returned without saving a model in "
                            "fn_args.serving_model_dir.", node=node, where=module_file,
                            fix="end run_fn with model.save(fn_args.serving_model_dir, "
                            "save_format='tf', signatures=...) (or "
                            "tfpipe.components.serving.export_serving_model)")
    spans = sorted({span for e in examples for span in _spans(e)})
    model.custom_properties["spans"] = json.dumps(spans)
    if base_model is not None:
        model.custom_properties["base_model_id"] = base_model.id


def _spans(examples: Examples) -> list[int]:
    """The spans an Examples artifact holds (several for Transform's output of a window)."""
    return json.loads(examples.custom_properties.get("spans") or "[]") or [examples.span]
