"""Conditions (``tfpipe.If``) compiled to Kubeflow: condition groups with a CEL
``triggerPolicy`` over an output parameter of the upstream task, as kfp compiles
``dsl.If``, run through the KFP simulator (CEL evaluated with cel-python)."""
from __future__ import annotations

import pytest
import yaml
from kfp.pipeline_spec import pipeline_spec_pb2

from tfpipe.backends.kubeflow.compile.pipeline import compile_file
from tfpipe.backends.kubeflow.entrypoint.paths import MOUNT_ROOT_ENV

from ..conftest import REPO
from ..engine.test_conditions import PIPELINE
from .kfp_sim import KfpSimulator
from .test_compile import strict_spec

BLESSED = "pipelinechannel--judge-blessing-blessed"
SCORE = "pipelinechannel--judge-blessing-score"


@pytest.fixture(scope="module")
def compiled() -> str:
    _, text = compile_file(str(PIPELINE), runtime_params=("score", "note"),
                           project_root=str(REPO), image_dir=str(REPO))
    return text


def test_a_condition_is_a_kfp_condition_group_over_an_output_parameter(compiled, tmp_path):
    from kfp.components import load_component_from_file

    (tmp_path / "p.yaml").write_text(compiled)
    assert load_component_from_file(str(tmp_path / "p.yaml")).name == "conditional"
    spec = strict_spec(compiled)
    root = spec.root.dag.tasks
    assert sorted(root) == ["condition-1", "judge", "produce"]
    group = root["condition-1"]
    assert group.trigger_policy.condition == f"inputs.parameter_values['{BLESSED}'] == 1.0"
    assert list(group.dependent_tasks) == ["judge"]
    assert group.inputs.parameters[BLESSED].task_output_parameter.producer_task == "judge"
    assert group.inputs.parameters[BLESSED].task_output_parameter.output_parameter_key == \
        "blessing-blessed"
    assert group.inputs.parameters["note"].component_input_parameter == "note"

    inner = spec.components["comp-condition-1"].dag.tasks
    assert sorted(inner) == ["condition-2", "ship"]
    assert inner["ship"].inputs.artifacts["blessing"].component_input_artifact == \
        "pipelinechannel--judge-blessing"
    assert inner["ship"].inputs.parameters["note"].component_input_parameter == "note"
    assert inner["condition-2"].trigger_policy.condition == \
        f"inputs.parameter_values['{SCORE}'] > 0.8"
    assert list(spec.components["comp-condition-2"].dag.tasks) == ["canary"]

    judge = spec.components["comp-judge"].output_definitions.parameters
    assert {k: v.parameter_type for k, v in judge.items()} == {
        "blessing-blessed": pipeline_spec_pb2.ParameterType.NUMBER_DOUBLE,
        "blessing-score": pipeline_spec_pb2.ParameterType.NUMBER_DOUBLE}
    args = yaml.safe_load(compiled)["deploymentSpec"]["executors"]["exec-judge"]["container"][
        "args"]
    assert "--condition-outputs" in args


@pytest.mark.parametrize("score, ran, skipped", [
    (0.2, ["produce", "judge"], ["condition-1"]),
    (0.6, ["produce", "judge", "ship"], ["condition-2"]),
    (0.9, ["produce", "judge", "canary", "ship"], []),
])
def test_kfp_runs_the_gated_tasks_only_when_the_condition_holds(compiled, tmp_path, score, ran,
                                                                skipped):
    sim = KfpSimulator(yaml.safe_load(compiled), "gs://bucket/root", tmp_path / "kfp",
                       env={MOUNT_ROOT_ENV: str(tmp_path / "mnt")})
    runs = sim.run({"score": score, "note": "from the run"})
    assert [(r.task, r.returncode) for r in runs] == [(t, 0) for t in ran], \
        [r.stderr[-2000:] for r in runs if r.returncode]
    assert sorted(sim.skipped) == skipped
    judged = sim.outputs["judge"]["parameterValues"]
    assert judged == {"blessing-blessed": float(score >= 0.5), "blessing-score": score}
    if "ship" in ran:
        pushed = tmp_path / "mnt/gcs/bucket/root/conditional/3f1e0c2a-run/ship/pushed"
        assert (pushed / "pushed.txt").read_text() == "from the run"


def test_a_task_that_skips_itself_skips_the_tasks_taking_its_outputs(tmp_path):
    """``context.skip`` in a Kubeflow task: it exits 0 with its outputs marked absent and
    the reason, and the task taking them is skipped with that reason, as locally."""
    import tfpipe
    from tfpipe.backends.kubeflow.compile.pipeline import compile_ir
    from tests.engine.components import Count, Gate, Produce

    produce = Produce()
    gate = Gate(examples=produce.outputs["examples"])
    count = Count(examples=gate.outputs["passed"])
    ir = tfpipe.compile_pipeline(tfpipe.Pipeline("gated", "out", [produce, gate, count]))
    text = compile_ir(ir, project_root=str(REPO), image_dir=str(REPO))
    sim = KfpSimulator(yaml.safe_load(text), "gs://bucket/root", tmp_path / "kfp",
                       env={MOUNT_ROOT_ENV: str(tmp_path / "mnt")})
    runs = sim.run()
    assert [(r.task, r.returncode) for r in runs] == [("produce", 0), ("gate", 0), ("count", 0)], \
        [r.stderr[-2000:] for r in runs if r.returncode]
    for task, output in (("gate", "passed"), ("count", "schema")):
        [absent] = sim.outputs[task]["artifacts"][output]["artifacts"]
        assert absent["metadata"] == {"tfpipe_absent": True,
                                      "tfpipe_skipped": "nothing new to pass on"}


def test_condition_groups_are_named_around_a_node_called_condition_1(tmp_path):
    import tfpipe
    from tfpipe.backends.kubeflow.compile.pipeline import compile_ir
    from tests.engine.components import Produce
    from tests.engine.conditional_pipeline import Judge, Ship

    produce = Produce().with_id("condition-1")
    judge = Judge(examples=produce.outputs["examples"])
    with tfpipe.If(judge.outputs["blessing"].property("blessed") == 1):
        ship = Ship(blessing=judge.outputs["blessing"])
    ir = tfpipe.compile_pipeline(tfpipe.Pipeline("named", "out", [produce, judge, ship]))
    spec = strict_spec(compile_ir(ir, project_root=str(REPO), image_dir=str(REPO)))
    assert sorted(spec.root.dag.tasks) == ["condition-1", "condition-2", "judge"]
    assert list(spec.components["comp-condition-2"].dag.tasks) == ["ship"]
