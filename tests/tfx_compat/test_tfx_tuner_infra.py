"""TFX's Tuner and InfraValidator through tfpipe's ``tfx`` API: a pipeline file written
as TFX's penguin example writes them (protos included) compiles to tfpipe's nodes."""
from __future__ import annotations

import json
import textwrap

from ..conftest import PENGUIN, run_cli

PIPELINE = """
from tfx import v1 as tfx
from tfx.components.tuner.component import TunerFnResult

assert TunerFnResult is tfx.components.TunerFnResult


def create_pipeline():
    example_gen = tfx.components.CsvExampleGen(input_base={data!r})
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs['examples'])
    schema_gen = tfx.components.SchemaGen(statistics=statistics_gen.outputs['statistics'])
    tuner = tfx.components.Tuner(
        module_file={module!r}, examples=example_gen.outputs['examples'],
        schema=schema_gen.outputs['schema'],
        train_args=tfx.proto.TrainArgs(num_steps=20), eval_args=tfx.proto.EvalArgs(num_steps=5),
        tune_args=tfx.proto.TuneArgs(num_parallel_trials=1))
    trainer = tfx.components.Trainer(
        module_file={module!r}, examples=example_gen.outputs['examples'],
        schema=schema_gen.outputs['schema'],
        hyperparameters=tuner.outputs['best_hyperparameters'],
        train_args=tfx.proto.TrainArgs(num_steps=100), eval_args=tfx.proto.EvalArgs(num_steps=5))
    infra_validator = tfx.components.InfraValidator(
        model=trainer.outputs['model'], examples=example_gen.outputs['examples'],
        serving_spec=tfx.proto.ServingSpec(
            tensorflow_serving=tfx.proto.TensorFlowServing(tags=['latest']),
            local_docker=tfx.proto.LocalDockerConfig()),
        request_spec=tfx.proto.RequestSpec(
            tensorflow_serving=tfx.proto.TensorFlowServingRequestSpec(
                signature_names=['serving_default']), num_examples=3),
        validation_spec=tfx.proto.ValidationSpec(max_loading_time_seconds=60))
    return tfx.dsl.Pipeline(pipeline_name='tfx-tuner-infra', pipeline_root={root!r},
                            components=[example_gen, statistics_gen, schema_gen, tuner,
                                        trainer, infra_validator])
"""


def test_tfx_tuner_and_infra_validator_compile_to_tfpipes_nodes(tmp_path):
    path = tmp_path / "pipeline.py"
    module = str(PENGUIN / "penguin_utils.py")
    path.write_text(textwrap.dedent(PIPELINE).format(
        data=str(PENGUIN / "data" / "labelled"), module=module, root=str(tmp_path / "root")))
    result = run_cli("compile", "--ir", str(path), "-o", str(tmp_path / "ir.json"))
    assert result.returncode == 0, result.stderr
    nodes = {n["id"]: n for n in json.loads((tmp_path / "ir.json").read_text())["nodes"]}
    assert nodes["Tuner"]["component"] == "Tuner"
    assert nodes["Tuner"]["parameters"]["tune_args"] == {"num_parallel_trials": 1}
    assert nodes["Tuner"]["parameters"]["train_args"] == {"num_steps": 20}
    assert nodes["Trainer"]["inputs"]["hyperparameters"]["producer"] == "Tuner"
    validator = nodes["InfraValidator"]
    assert validator["parameters"]["request_spec"] == {"signature_name": "serving_default",
                                                       "num_examples": 3}
    assert validator["parameters"]["validation_spec"] == {"max_loading_time_seconds": 60}
    assert validator["inputs"]["model"]["producer"] == "Trainer"
