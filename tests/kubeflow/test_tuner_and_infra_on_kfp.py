"""The penguin pipeline with its Tuner and InfraValidator, compiled to KFP YAML and run
task by task through the real entrypoint (as test_penguin_on_kfp does for the default
pipeline): the new artifact types are typed in the YAML and their files are written."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from tfpipe.backends.kubeflow.compile.pipeline import compile_file
from tfpipe.backends.kubeflow.entrypoint.artifacts import from_runtime

from ..conftest import PENGUIN, REPO
from .kfp_sim import KfpSimulator

PIPELINE = str(PENGUIN / "pipeline.py")
ARGS = {"tune": True, "max_trials": 2, "infra_validate": True, "train_steps": 3,
        "eval_steps": 2, "min_accuracy": 0.0, "data_root": str(PENGUIN / "data" / "labelled")}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kfp-tune")
    ir, text = compile_file(PIPELINE, {**ARGS, "serving_model_dir": str(tmp / "serving")},
                            image_dir=str(REPO))
    return tmp, ir, yaml.safe_load(text)


def test_the_yaml_types_the_new_artifacts_as_tfx_does(compiled):
    _, _, spec = compiled
    components = spec["components"]
    tuner_out = components["comp-tuner"]["outputDefinitions"]["artifacts"]
    assert tuner_out["best_hyperparameters"]["artifactType"]["schemaTitle"] == \
        "tfx.HyperParameters"
    trainer_in = components["comp-trainer"]["inputDefinitions"]["artifacts"]
    assert trainer_in["hyperparameters"]["artifactType"]["schemaTitle"] == "tfx.HyperParameters"
    validator_out = components["comp-infravalidator"]["outputDefinitions"]["artifacts"]
    assert validator_out["blessing"]["artifactType"]["schemaTitle"] == "tfx.InfraBlessing"
    pusher_in = components["comp-pusher"]["inputDefinitions"]["artifacts"]
    assert pusher_in["infra_blessing"]["artifactType"]["schemaTitle"] == "tfx.InfraBlessing"
    # The Pusher sits in the blessed-only condition group, which brings the InfraBlessing in.
    group = spec["root"]["dag"]["tasks"]["condition-1"]
    assert group["inputs"]["artifacts"]["pipelinechannel--infravalidator-blessing"][
        "taskOutputArtifact"] == {"outputArtifactKey": "blessing", "producerTask": "infravalidator"}
    pusher = components["comp-condition-1"]["dag"]["tasks"]["pusher"]
    assert pusher["inputs"]["artifacts"]["infra_blessing"] == \
        {"componentInputArtifact": "pipelinechannel--infravalidator-blessing"}


@pytest.mark.slow
def test_tuner_infra_validator_and_pusher_run_in_kfp_tasks(compiled):
    tmp, ir, spec = compiled
    sim = KfpSimulator(spec, str(tmp / "root"), tmp / "kfp", parallel=2)
    runs = sim.run({})
    assert [(r.task, r.stderr[-2000:]) for r in runs if r.returncode != 0] == []
    assert len(runs) == len(ir.nodes)

    def output(task, name, type_name):
        [artifact] = sim.outputs[task]["artifacts"][name]["artifacts"]
        return from_runtime(artifact, type_name)

    best = output("tuner", "best_hyperparameters", "HyperParameters")
    with open(os.path.join(best.uri, "best_hyperparameters.txt")) as f:
        values = json.load(f)["values"]
    assert set(values) == {"learning_rate", "num_layers", "units"}
    assert json.loads(best.custom_properties["values"]) == values
    infra = output("infravalidator", "blessing", "InfraBlessing")
    assert (Path(infra.uri) / "INFRA_BLESSED").exists(), infra.custom_properties
    assert infra.custom_properties["latency_p99_ms"] > 0
    pushed = output("pusher", "pushed_model", "PushedModel")
    assert pushed.custom_properties["pushed"] == 1
    assert os.listdir(tmp / "serving")
