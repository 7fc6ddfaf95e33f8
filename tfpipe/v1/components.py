"""``tfx.components``: tfpipe's components under TFX's names and argument names.

Each function takes the arguments TFX's component takes, converts TFX's protos to the
JSON values tfpipe's component takes (``TrainArgs(num_steps=100)`` becomes
``{"num_steps": 100}``) and returns tfpipe's node, so ``.outputs[...]``,
``.with_id(...)`` and the IR are tfpipe's own. An argument tfpipe does not support is
a DefinitionError that names it and says what to use instead.
"""
from __future__ import annotations

from typing import Any

from .. import components as native
from ..usercode.fn_args import DataAccessor, FnArgs, TunerFnResult
from ..artifacts import ModelBlessing
from ..dsl import Node
from ..dsl.condition import active_predicates
from ..dsl.component import caller_location
from ..errors import DefinitionError
from .executor_spec import GenericExecutor, is_default_for
from .proto import PayloadFormat

__all__ = ["BulkInferrer", "CsvExampleGen", "DataAccessor", "Evaluator", "ExampleValidator", "FnArgs",
           "ImportExampleGen", "ImportSchemaGen", "Importer", "InfraValidator", "Pusher",
           "SchemaGen", "StatisticsGen", "Trainer", "Transform", "Tuner", "TunerFnResult"]


def _refuse(component: str, **given: tuple[Any, str]) -> None:
    """A DefinitionError for the first TFX argument given that tfpipe does not take."""
    for name, (value, instead) in given.items():
        if value not in (None, False, (), []):
            raise DefinitionError(f"{component}({name}=...) is not supported by tfpipe.",
                                  where=caller_location(), fix=instead)


def _set(**values: Any) -> dict:
    """The arguments that were given (tfpipe's nodes turn protos into JSON values)."""
    return {k: v for k, v in values.items() if v is not None}


def _example_gen(make, input_base, input_config, output_config, range_config, custom_config,
                 name: str, **more) -> Node:
    _refuse(name, custom_config=(custom_config, "tfpipe's ExampleGens take no custom_config"))
    return make(**_set(input_base=input_base, input_pattern=input_config, splits=output_config,
                       range_config=range_config, **more))


def CsvExampleGen(input_base: str | None = None, input_config=None, output_config=None,
                  range_config=None, custom_config=None, **unsupported) -> Node:
    _refuse("CsvExampleGen", **{k: (v, "remove it") for k, v in unsupported.items()})
    return _example_gen(native.CsvExampleGen, input_base, input_config, output_config,
                        range_config, custom_config, "CsvExampleGen")


def ImportExampleGen(input_base: str | None = None, input_config=None, output_config=None,
                     range_config=None, custom_config=None, payload_format=None,
                     **unsupported) -> Node:
    """``payload_format``: FORMAT_TF_EXAMPLE (TFRecords of tf.Examples, the default) or
    FORMAT_PARQUET (Parquet files, each row a tf.Example)."""
    _refuse("ImportExampleGen", **{k: (v, "remove it") for k, v in unsupported.items()})
    file_format = _file_format(payload_format)
    return _example_gen(native.ImportExampleGen, input_base, input_config, output_config,
                        range_config, custom_config, "ImportExampleGen",
                        file_format=None if file_format == "tfrecord" else file_format)


_FILE_FORMATS = {None: "tfrecord", PayloadFormat.FORMAT_UNSPECIFIED: "tfrecord",
                 PayloadFormat.FORMAT_TF_EXAMPLE: "tfrecord",
                 PayloadFormat.FORMAT_PARQUET: "parquet"}


def _file_format(payload_format) -> str:
    if payload_format not in _FILE_FORMATS:
        raise DefinitionError(
            f"ImportExampleGen(payload_format={PayloadFormat.Name(payload_format)}) is not "
            "supported by tfpipe: it imports tf.Examples (TFRecord) and Parquet rows.",
            where=caller_location(),
            fix="convert the records to tf.Examples and use "
                "payload_format=tfx.proto.FORMAT_TF_EXAMPLE (or leave it out), or "
                "FORMAT_PARQUET for Parquet files")
    return _FILE_FORMATS[payload_format]


def StatisticsGen(examples=None, schema=None, stats_options=None, exclude_splits=None) -> Node:
    _refuse("StatisticsGen",
            stats_options=(stats_options, "leave stats_options out: tfpipe uses TFDV's defaults"),
            exclude_splits=(exclude_splits, "leave exclude_splits out: every split is described"))
    return native.StatisticsGen(**_set(examples=examples, schema=schema))


def SchemaGen(statistics=None, infer_feature_shape: bool = True, exclude_splits=None) -> Node:
    _refuse("SchemaGen", exclude_splits=(exclude_splits, "leave exclude_splits out"))
    return native.SchemaGen(statistics=statistics, infer_feature_shape=infer_feature_shape)


def ImportSchemaGen(schema_file: str) -> Node:
    return native.ImportSchemaGen(schema_file=schema_file)


def ExampleValidator(statistics=None, schema=None, exclude_splits=None,
                     custom_validation_config=None) -> Node:
    _refuse("ExampleValidator",
            exclude_splits=(exclude_splits, "leave exclude_splits out"),
            custom_validation_config=(custom_validation_config,
                                      "express the checks in the schema instead"))
    return native.ExampleValidator(statistics=statistics, schema=schema)


def Transform(examples=None, schema=None, module_file: str | None = None,
              preprocessing_fn: str | None = None, splits_config=None, analyzer_cache=None,
              materialize: bool = True, disable_analyzer_cache: bool = False,
              force_tf_compat_v1: bool = False, custom_config=None,
              disable_statistics: bool = False, stats_options_updater_fn=None) -> Node:
    _refuse("Transform",
            preprocessing_fn=(preprocessing_fn, "give module_file, the file that defines "
                                                "preprocessing_fn"),
            splits_config=(splits_config, "use tfpipe's Transform(analyze_splits=['train'])"),
            force_tf_compat_v1=(force_tf_compat_v1, "leave it out: tfpipe runs TFT in TF2 mode"),
            custom_config=(custom_config, "leave it out"),
            stats_options_updater_fn=(stats_options_updater_fn, "leave it out"))
    if not materialize:
        _refuse("Transform", materialize=(True, "leave materialize out: tfpipe always writes "
                                                "transformed_examples"))
    return native.Transform(examples=examples, schema=schema, module_file=module_file,
                            **_set(disable_analyzer_cache=disable_analyzer_cache or None,
                                   analyzer_cache=analyzer_cache))


def Trainer(examples=None, transformed_examples=None, transform_graph=None, schema=None,
            base_model=None, hyperparameters=None, module_file: str | None = None,
            run_fn: str | None = None, trainer_fn: str | None = None, train_args=None,
            eval_args=None, custom_config: dict | None = None,
            custom_executor_spec=None) -> Node:
    if is_default_for(custom_executor_spec, GenericExecutor):
        custom_executor_spec = None  # TFX's generic Trainer is tfpipe's Trainer
    _refuse("Trainer",
            run_fn=(run_fn, "give module_file, the file that defines run_fn"),
            trainer_fn=(trainer_fn, "write a run_fn(fn_args) (the generic Trainer's contract)"),
            custom_executor_spec=(custom_executor_spec, "leave it out: tfpipe's Trainer is the "
                                                        "generic Trainer (run_fn)"))
    if examples is not None and transformed_examples is not None:
        raise DefinitionError("Trainer takes examples or transformed_examples, not both.",
                              where=caller_location(), fix="give examples only")
    args = _set(examples=examples if examples is not None else transformed_examples,
                transform_graph=transform_graph, schema=schema, base_model=base_model,
                hyperparameters=hyperparameters, train_args=train_args, eval_args=eval_args,
                custom_config=custom_config)
    return native.Trainer(module_file=module_file, **args)


def Tuner(examples=None, schema=None, transform_graph=None, base_model=None,
          module_file: str | None = None, tuner_fn: str | None = None, train_args=None,
          eval_args=None, tune_args=None, custom_config: dict | None = None) -> Node:
    _refuse("Tuner",
            tuner_fn=(tuner_fn, "give module_file, the file that defines tuner_fn"),
            base_model=(base_model, "leave it out: tfpipe's Tuner starts each trial afresh"))
    return native.Tuner(module_file=module_file, **_set(
        examples=examples, schema=schema, transform_graph=transform_graph,
        train_args=train_args, eval_args=eval_args, tune_args=tune_args,
        custom_config=custom_config))


def InfraValidator(model=None, serving_spec=None, examples=None, request_spec=None,
                   validation_spec=None) -> Node:
    """``serving_spec`` (TFX's server binary and platform) is not used: tfpipe serves the
    model with its own TensorFlow process (docs/evaluation-and-push.md)."""
    return native.InfraValidator(model=model, **_set(
        examples=examples, request_spec=request_spec, validation_spec=validation_spec))


def BulkInferrer(examples=None, model=None, model_blessing=None, data_spec=None,
                 model_spec=None, output_example_spec=None) -> Node:
    """TFX's protos (``bulk_inferrer_pb2.DataSpec`` ...) may be given as dicts."""
    return native.BulkInferrer(**_set(examples=examples, model=model,
                                      model_blessing=model_blessing, data_spec=data_spec,
                                      model_spec=model_spec,
                                      output_example_spec=output_example_spec))


def Evaluator(examples=None, model=None, baseline_model=None, feature_slicing_spec=None,
              fairness_indicator_thresholds=None, example_splits=None, eval_config=None,
              schema=None, module_file=None, module_path=None) -> Node:
    _refuse("Evaluator",
            feature_slicing_spec=(feature_slicing_spec, "give slicing_specs in eval_config"),
            fairness_indicator_thresholds=(fairness_indicator_thresholds,
                                           "add FairnessIndicators metrics in eval_config"),
            module_file=(module_file, "tfpipe's Evaluator takes no custom extractors"),
            module_path=(module_path, "tfpipe's Evaluator takes no custom extractors"))
    return native.Evaluator(**_set(examples=examples, model=model, baseline_model=baseline_model,
                                   example_splits=example_splits, eval_config=eval_config))


def _cond_blessing():
    """The ModelBlessing channel an enclosing ``Cond`` tests (TFX's Pusher guarded by
    ``with Cond(blessing.future()[0].custom_property('blessed') == 1)``), or None."""
    found = [p.channel for p in active_predicates() if p.channel.type is ModelBlessing]
    return found[-1] if found else None


def Pusher(model=None, model_blessing=None, infra_blessing=None, push_destination=None,
           custom_config=None, custom_executor_spec=None) -> Node:
    _refuse("Pusher", custom_config=(custom_config, "leave it out"),
            custom_executor_spec=(custom_executor_spec, "tfpipe's Pusher copies to a folder: "
                                                        "give push_destination"))
    if model_blessing is None:
        model_blessing = _cond_blessing()
    return native.Pusher(**_set(model=model, model_blessing=model_blessing,
                                infra_blessing=infra_blessing,
                                push_destination=push_destination))


def Importer(source_uri: str, artifact_type, reimport: bool = False, properties=None,
             custom_properties=None, output_key: str | None = None) -> Node:
    _refuse("Importer", output_key=(output_key, "leave it out: the output is 'result'"))
    return native.Importer(source_uri=source_uri, artifact_type=artifact_type,
                           reimport=reimport, properties=properties,
                           custom_properties=custom_properties)
