"""`tfpipe compile` to Kubeflow Pipelines v2 YAML: golden files for the example
pipelines, validity as judged by kfp's own loader and the strict PipelineSpec proto,
runtime parameters, placeholders, and no heavy imports.

Regenerate the golden files after an intended change with
``TFPIPE_UPDATE_GOLDENS=1 python -m pytest tests/kubeflow``.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from tfpipe.backends.kubeflow.compile.pipeline import compile_file
from tfpipe.backends.kubeflow.contract import EXECUTOR_INPUT, RUN_ID

from ..conftest import REPO, assert_matches_golden, run_cli
from .kfp_sim import PLACEHOLDER

PIPELINES = ["penguin", "taxi", "taxi_continuous"]


def pipeline_file(name: str) -> str:
    return str(REPO / "pipelines" / name / "pipeline.py")


def strict_spec(text: str) -> pipeline_spec_pb2.PipelineSpec:
    return json_format.ParseDict(yaml.safe_load(text), pipeline_spec_pb2.PipelineSpec(),
                                 ignore_unknown_fields=False)


def container_tasks(spec: dict) -> dict[str, tuple[dict, list[dict]]]:
    """Every node's task, in the root DAG or in a condition group's sub-DAG, with the
    group tasks enclosing it (outermost first)."""
    found = {}

    def walk(dag: dict, groups: list[dict]) -> None:
        for name, task in dag["tasks"].items():
            component = spec["components"][task["componentRef"]["name"]]
            if "dag" in component:
                walk(component["dag"], groups + [task])
            else:
                found[name] = (task, groups)

    walk(spec["root"]["dag"], [])
    return found


@pytest.mark.parametrize("name", PIPELINES)
def test_example_pipeline_yaml_matches_golden(name, tmp_path):
    out = tmp_path / f"{name}.yaml"
    result = run_cli("compile", pipeline_file(name), "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert str(REPO) not in text, "paths of this checkout must map into the image"
    assert_matches_golden(text, f"{name}.kfp.yaml")


@pytest.mark.parametrize("name", PIPELINES)
def test_yaml_loads_with_kfp_and_parses_strictly(name, tmp_path):
    from kfp.components import load_component_from_file

    ir, text = compile_file(pipeline_file(name))
    path = tmp_path / "pipeline.yaml"
    path.write_text(text)
    component = load_component_from_file(str(path))
    assert component.name == ir.name
    spec = strict_spec(text)
    tasks = container_tasks(yaml.safe_load(text))
    assert len(tasks) == len(ir.nodes)
    for node in ir.nodes:
        task, groups = tasks[node.id.lower()]
        assert len(groups) == len(node.conditions)
        upstream = {u.lower() for u in node.upstream}
        assert set(task.get("dependentTasks", [])) <= upstream
        assert upstream <= {t for g in groups + [task] for t in g.get("dependentTasks", [])}
        assert task["cachingOptions"]["enableCache"] == node.enable_cache
        component_spec = spec.components[task["componentRef"]["name"]]
        outputs = component_spec.output_definitions.artifacts
        assert {k: v.artifact_type.schema_title for k, v in outputs.items()} == \
            {k: f"tfx.{t}" for k, t in node.outputs.items()}
        container = spec.deployment_spec["executors"][component_spec.executor_label]["container"]
        assert list(container["command"]) == ["python", "-m", "tfpipe.runners.kubeflow"]


@pytest.mark.parametrize("name", PIPELINES)
def test_every_node_parameter_is_a_kfp_parameter_or_kept_in_the_task_ir(name):
    ir, text = compile_file(pipeline_file(name))
    spec = yaml.safe_load(text)
    tasks = container_tasks(spec)
    for node in ir.nodes:
        task, _ = tasks[node.id.lower()]
        container = spec["deploymentSpec"]["executors"][f"exec-{node.id.lower()}"]["container"]
        args = container["args"]
        task_ir = json.loads(args[args.index("--task-ir") + 1])
        kept = task_ir["nodes"][0]["parameters"]
        passed = set(task.get("inputs", {}).get("parameters", {}))
        assert passed | set(kept) == set(node.parameters)
        assert all(v is None for v in kept.values())
        assert [p for a in args for p in PLACEHOLDER.findall(a)] == [EXECUTOR_INPUT, RUN_ID]


def test_runtime_parameters_become_pipeline_inputs():
    _, text = compile_file(pipeline_file("penguin"), {"train_steps": 50},
                           runtime_params=("data_root", "train_steps", "fail_on_anomalies"))
    spec = strict_spec(text)
    inputs = spec.root.input_definitions.parameters
    assert inputs["data_root"].default_value.string_value == \
        "/project/pipelines/penguin/data/labelled"
    assert inputs["train_steps"].default_value.number_value == 50
    assert inputs["fail_on_anomalies"].default_value.bool_value is False
    tasks = spec.root.dag.tasks
    gen = tasks["csvexamplegen"].inputs.parameters["input_base"]
    assert gen.component_input_parameter == "data_root"
    validator = tasks["examplevalidator"].inputs.parameters["fail_on_anomalies"]
    assert validator.component_input_parameter == "fail_on_anomalies"
    trainer = tasks["trainer"].inputs.parameters
    assert trainer["runtime__train_steps"].component_input_parameter == "train_steps"
    args = list(spec.deployment_spec["executors"]["exec-trainer"]["container"]["args"])
    assert json.loads(args[args.index("--runtime-items") + 1]) == \
        [["train_args", ["num_steps"], "runtime__train_steps"]]


def test_file_names_cannot_inject_kfp_placeholders(tmp_path):
    folder = tmp_path / "odd {{$.inputs.parameters['x']}}"
    folder.mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (folder / "odd_steps.py").write_text(
        "from tfpipe import Input, Output, Parameter, Examples, component\n"
        "@component\n"
        "def Make(examples: Output[Examples], note: Parameter[str]):\n"
        "    open(examples.uri + '/x', 'w').write(note)\n")
    (folder / "pipeline.py").write_text(
        "import tfpipe\nfrom odd_steps import Make\n"
        "pipeline = tfpipe.Pipeline('odd', '/tmp/odd', [Make(note='{{$}} and {{$.x}}')])\n")
    _, text = compile_file(str(folder / "pipeline.py"))
    spec = yaml.safe_load(text)
    args = spec["deploymentSpec"]["executors"]["exec-make"]["container"]["args"]
    assert [p for a in args for p in PLACEHOLDER.findall(a)] == [EXECUTOR_INPUT, RUN_ID]
    task_ir = json.loads(args[args.index("--task-ir") + 1])
    assert "{{$.inputs.parameters['x']}}" in task_ir["nodes"][0]["source_file"]
    constant = spec["root"]["dag"]["tasks"]["make"]["inputs"]["parameters"]["note"]
    assert constant == {"runtimeValue": {"constant": "{{$}} and {{$.x}}"}}  # data, not argv


def test_cli_writes_yaml_by_default_and_ir_with_flag(tmp_path):
    result = run_cli("compile", "pipelines/taxi/pipeline.py", "--image",
                     "gcr.io/my-project/tfpipe:0.1.0")
    assert result.returncode == 0, result.stderr
    assert "image: gcr.io/my-project/tfpipe:0.1.0" in result.stdout
    strict_spec(result.stdout)
    result = run_cli("compile", "--ir", "pipelines/taxi/pipeline.py")
    assert json.loads(result.stdout)["ir_version"] == 1


def test_compile_imports_no_tensorflow_beam_or_kfp_sdk(tmp_path):
    code = ("import sys\nfrom tfpipe.cli import main\n"
            "try:\n    main(['compile', sys.argv[1], '-o', sys.argv[2]])\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'apache_beam', 'kfp', 'tensorflow_data_validation', "
            "'tensorflow_transform', 'ml_metadata'))\n"
            "print(heavy)\n")
    result = subprocess.run([sys.executable, "-c", code, pipeline_file("taxi"),
                             str(tmp_path / "t.yaml")], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_cluster_settings_of_the_pipeline_reach_the_yaml(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "pipeline.py").write_text(
        "import tfpipe\nfrom tfpipe.components import CsvExampleGen\n"
        "pipeline = tfpipe.Pipeline('remote', 'gs://bucket/root', "
        "[CsvExampleGen(input_base='gs://bucket/data')], "
        "metadata='mysql://tfpipe@mysql.kubeflow:3306/tfpipe')\n")
    _, text = compile_file(str(tmp_path / "pipeline.py"))
    spec = strict_spec(text)
    assert spec.default_pipeline_root == "gs://bucket/root"
    args = list(spec.deployment_spec["executors"]["exec-csvexamplegen"]["container"]["args"])
    assert args[args.index("--metadata") + 1] == "mysql://tfpipe@mysql.kubeflow:3306/tfpipe"
    gen = spec.root.dag.tasks["csvexamplegen"].inputs.parameters["input_base"]
    assert gen.runtime_value.constant.string_value == "gs://bucket/data"


TUNED = ["-p", "tune=true", "-p", "infra_validate=true"]


def test_penguin_with_tuner_and_infra_validator_matches_golden_and_parses(tmp_path):
    """The optional nodes of the penguin pipeline (Tuner, InfraValidator) as KFP tasks."""
    out = tmp_path / "penguin_tuned.yaml"
    result = run_cli("compile", pipeline_file("penguin"), *TUNED, "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert_matches_golden(text, "penguin_tuned.kfp.yaml")
    tasks = strict_spec(text).root.dag.tasks
    assert {"tuner", "infravalidator"} <= set(tasks)
    assert "tuner" in tasks["trainer"].dependent_tasks
    # The Pusher is in the blessed-only condition group, which waits for InfraValidator.
    assert "infravalidator" in tasks["condition-1"].dependent_tasks
