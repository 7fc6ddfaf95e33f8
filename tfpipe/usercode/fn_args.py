"""The module-file contract of Trainer and Tuner, as TFX's: ``FnArgs`` (what ``run_fn``
and ``tuner_fn`` get), its ``DataAccessor``, ``TunerFnResult`` (what ``tuner_fn``
returns), and the ``train_args``/``eval_args`` both components take.

A TFX module file imports these from ``tfx.components.trainer.fn_args_utils`` and
``tfx.components.tuner.component``; here they are ``tfpipe.usercode.fn_args.FnArgs``
and ``TunerFnResult`` (also importable from ``tfpipe.components.trainer`` and
``tfpipe.components.tuner``, and by their old path ``tfpipe.components.fn_args``).
"""
from __future__ import annotations

import dataclasses
import difflib
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..artifacts.examples import split_pattern
from ..artifacts.schema import schema_path
from ..dsl import Examples, Schema, TransformGraph
from ..errors import ExecutionError, InputDataError

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
    """What ``run_fn`` and ``tuner_fn`` get; the fields and their meaning are TFX's.
    ``hyperparameters`` is the Tuner's best ``HyperParameters.get_config()`` dict when
    the Trainer is given one (``keras_tuner.HyperParameters.from_config`` reads it)."""

    train_files: list[str]
    eval_files: list[str]
    train_steps: int | None
    eval_steps: int | None
    serving_model_dir: str | None = None
    model_run_dir: str | None = None
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


def skip_autograph_for_tf_keras() -> None:
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


def step_args(args: dict | None, name: str, default_split: str, examples: list[Examples],
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


class TunerFnResult(NamedTuple):
    """What ``tuner_fn`` returns, as in TFX: a KerasTuner tuner (any
    ``keras_tuner`` ``BaseTuner``) and the keyword arguments of ``tuner.search``."""

    tuner: Any
    fit_kwargs: dict[str, Any]


def common_fn_args(examples: list[Examples], train_args: dict | None, eval_args: dict | None,
                   transform_graph: TransformGraph | None, schema: Schema | None,
                   custom_config: dict | None, node: str, **paths: str | None) -> FnArgs:
    """The FnArgs both Trainer and Tuner give the module file (TFX's
    ``get_common_fn_args``); ``paths`` are the component's own folders
    (``serving_model_dir``, ``model_run_dir``)."""
    train_steps, train_splits = step_args(train_args, "train_args", "train", examples, node)
    eval_steps, eval_splits = step_args(eval_args, "eval_args", "eval", examples, node)
    return FnArgs(
        train_files=[split_pattern(e.uri, s) for e in examples for s in train_splits],
        eval_files=[split_pattern(e.uri, s) for e in examples for s in eval_splits],
        train_steps=train_steps, eval_steps=eval_steps,
        schema_path=schema_path(schema.uri) if schema else None,
        transform_graph_path=transform_graph.uri if transform_graph else None,
        custom_config=dict(custom_config or {}), **paths)


class TfKerasTrials:
    """Mix into a KerasTuner tuner so that its trials build and fit ``tf_keras`` models:
    ``class Search(TfKerasTrials, keras_tuner.RandomSearch): pass``.

    KerasTuner 1.4 imports ``keras`` itself, which is Keras 3 here (``TF_USE_LEGACY_KERAS``
    only changes what ``tf.keras`` means), so its own trial loop rejects a ``tf_keras``
    model ("Expected the model-building function ... to return a valid Keras Model
    instance"). This ``run_trial`` builds the trial's model with the tuner's hypermodel,
    fits it with ``tuner.search``'s arguments and reports the last epoch's metrics to the
    oracle, which chooses the next values and the best trial as usual.
    """

    def run_trial(self, trial, *fit_args, **fit_kwargs):
        model = self.hypermodel.build(trial.hyperparameters)
        history = model.fit(*fit_args, **fit_kwargs)
        return {name: float(values[-1]) for name, values in history.history.items()}
