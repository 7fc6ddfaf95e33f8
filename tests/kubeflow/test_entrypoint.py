"""The container entrypoint on small pipelines (no TensorFlow, so each task starts in
about a second): artifacts and their metadata between tasks, the resolver with and
without a tfpipe MLMD store, failures, and URI mapping."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from tfpipe import Parameter
from tfpipe.backends.kubeflow.compile.pipeline import compile_file
from tfpipe.backends.kubeflow.compile.paths import map_project_paths, to_image_path
from tfpipe.backends.kubeflow.entrypoint.paths import MOUNT_ROOT_ENV, local_path

from ..conftest import Store
from .kfp_sim import KfpSimulator

STEPS = """\
from tfpipe import (Examples, Input, Model, ModelBlessing, Output, Parameter, Schema,
                    component)


@component
def Make(examples: Output[Examples], rows: Parameter[int], scale: Parameter[float] = 1.0,
         options: Parameter[dict] = None):
    assert isinstance(rows, int) and isinstance(scale, float), (rows, scale)
    assert options is None or options["splits"] == {"train": 2, "eval": 1}
    open(examples.uri + "/data.txt", "w").write(str(rows * scale))
    examples.split_names = ["train", "eval"]
    examples.properties["span"] = 3


@component
def Bless(examples: Input[Examples], model: Output[Model], blessing: Output[ModelBlessing]):
    assert examples.split_names == ["train", "eval"] and examples.span == 3
    open(model.uri + "/model.txt", "w").write("model from " + open(examples.uri + "/data.txt").read())
    open(blessing.uri + "/BLESSED", "w").write("")
    blessing.custom_properties.update(blessed=1, current_model_id=model.id)


@component
def Report(schema: Output[Schema], baseline: Input[Model] = None):
    text = open(baseline.uri + "/model.txt").read() if baseline else "no baseline"
    open(schema.uri + "/report.txt", "w").write(text)


@component
def Fail(examples: Input[Examples], schema: Output[Schema]):
    raise ValueError("the data is not what Fail expected")
"""

PIPELINE = """\
import tfpipe
from tfpipe.components import LatestBlessedModelResolver
from steps import Bless, Fail, Make, Report


def create_pipeline(rows: int = 4, fail: bool = False):
    make = Make(rows=rows, scale=2, options={"splits": {"train": 2, "eval": 1}})
    bless = Bless(examples=make.outputs["examples"])
    resolver = LatestBlessedModelResolver()
    report = Report(baseline=resolver.outputs["model"])
    extra = [Fail(examples=make.outputs["examples"])] if fail else []
    return tfpipe.Pipeline("small", "out", [make, bless, resolver, report] + extra)
"""


WINDOW_STEPS = STEPS + """

@component
def Spans(examples: Input[list[Examples]], schema: Output[Schema]):
    open(schema.uri + "/spans.txt", "w").write(" ".join(
        f"{e.span}:{open(e.uri + '/data.txt').read()}" for e in examples))
"""

WINDOW_PIPELINE = """\
import tfpipe
from tfpipe.components import RollingWindowResolver
from steps import Make, Spans


def create_pipeline(rows: int = 4):
    make = Make(rows=rows)
    window = RollingWindowResolver(examples=make.outputs["examples"], window=2)
    return tfpipe.Pipeline("windowed", "out", [make, window,
                                               Spans(examples=window.outputs["examples"])])
"""


def _project(tmp_path: Path, monkeypatch, steps: str, pipeline: str) -> Path:
    monkeypatch.delitem(sys.modules, "steps", raising=False)  # each test's own steps.py
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "steps.py").write_text(steps)
    (tmp_path / "project" / "pipeline.py").write_text(pipeline)
    return tmp_path / "project"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    return _project(tmp_path, monkeypatch, STEPS, PIPELINE)


def simulate(project: Path, tmp_path: Path, env=None, args=None, run_params=None,
             run_id="run-1", runtime_params=("rows",)):
    _, text = compile_file(str(project / "pipeline.py"), args, runtime_params=runtime_params,
                           project_root=str(project), image_dir=str(project))
    sim = KfpSimulator(yaml.safe_load(text), "gs://bucket/root", tmp_path / f"kfp-{run_id}",
                       env={MOUNT_ROOT_ENV: str(tmp_path / "mnt"), **(env or {})},
                       run_id=run_id)
    return sim, sim.run(run_params)


def test_tasks_pass_artifacts_metadata_and_parameters(project, tmp_path):
    sim, runs = simulate(project, tmp_path, run_params={"rows": 5})
    assert [(r.task, r.returncode) for r in runs] == [
        ("latestblessedmodelresolver", 0), ("make", 0), ("bless", 0), ("report", 0)], \
        [r.stderr[-2000:] for r in runs if r.returncode]
    by_task = {r.task: r for r in runs}
    make_meta = by_task["make"].executor_output["artifacts"]["examples"]["artifacts"][0]
    assert make_meta["uri"] == "gs://bucket/root/small/run-1/make/examples"
    assert make_meta["metadata"]["split_names"] == '["train", "eval"]'
    assert (tmp_path / "mnt/gcs/bucket/root/small/run-1/make/examples/data.txt").read_text() \
        == "10.0"  # rows from the run's parameter, scale coerced to float
    # No tfpipe MLMD store: the resolver finds nothing and says so to its consumer.
    resolved = by_task["latestblessedmodelresolver"].executor_output["artifacts"]["model"]
    assert resolved["artifacts"][0]["metadata"] == {"tfpipe_absent": True}
    resolved_dir = tmp_path / "mnt/gcs/bucket/root/small/run-1/latestblessedmodelresolver/model"
    assert resolved_dir.is_dir() and not any(resolved_dir.iterdir())  # KFP uploads it
    report = tmp_path / "mnt/gcs/bucket/root/small/run-1/report/schema/report.txt"
    assert report.read_text() == "no baseline"


def test_with_a_metadata_store_tasks_are_recorded_and_the_resolver_finds_models(
        project, tmp_path):
    store_path = tmp_path / "mlmd.sqlite"
    env = {"TFPIPE_METADATA": str(store_path)}
    _, first = simulate(project, tmp_path, env=env, run_id="run-1")
    assert all(r.returncode == 0 for r in first), [r.stderr[-2000:] for r in first]
    _, second = simulate(project, tmp_path, env=env, run_id="run-2")
    assert all(r.returncode == 0 for r in second), [r.stderr[-2000:] for r in second]
    report = tmp_path / "mnt/gcs/bucket/root/small/run-2/report/schema/report.txt"
    assert report.read_text() == "model from 8.0"  # the model blessed in run-1
    store = Store(store_path)
    for node in ("Make", "Bless", "LatestBlessedModelResolver", "Report"):
        assert [store.state(e) for e in store.executions("small", node)] == \
            ["COMPLETE", "COMPLETE"], node
    blessed_model = store.outputs(store.executions("small", "Bless")[0].id)
    model_uri = {a.uri for a in blessed_model if a.uri.endswith("/model")}
    assert model_uri == {str(tmp_path / "mnt/gcs/bucket/root/small/run-1/bless/model")}
    second_report = store.executions("small", "Report")[1]
    inputs = store.outputs(second_report.id, kinds=("INPUT",))
    assert [a.uri for a in inputs] == list(model_uri)  # lineage: the same MLMD artifact


def test_a_rolling_window_travels_between_tasks_as_a_list(tmp_path, monkeypatch):
    project = _project(tmp_path, monkeypatch, WINDOW_STEPS.replace(
        'examples.properties["span"] = 3', 'examples.properties["span"] = rows'),
        WINDOW_PIPELINE)
    env = {"TFPIPE_METADATA": str(tmp_path / "mlmd.sqlite")}
    for run, rows in (("run-1", 1), ("run-2", 2)):
        _, runs = simulate(project, tmp_path, env=env, run_id=run, run_params={"rows": rows})
        assert all(r.returncode == 0 for r in runs), [r.stderr[-2000:] for r in runs]
    window = {r.task: r for r in runs}["rollingwindowresolver"]
    assert len(window.executor_output["artifacts"]["examples"]["artifacts"]) == 2
    spans = tmp_path / "mnt/gcs/bucket/root/windowed/run-2/spans/schema/spans.txt"
    assert spans.read_text() == "1:1.0 2:2.0"  # span 1 from run-1's files, span 2 from run-2


def test_a_failing_node_exits_non_zero_with_the_error_and_writes_no_output(project, tmp_path):
    sim, runs = simulate(project, tmp_path, args={"fail": True})
    failed = runs[-1]
    assert failed.task == "fail" and failed.returncode == 3
    assert "Error (error in user code): [Fail] Fail failed in user code: ValueError: the data " \
           "is not what Fail expected" in failed.stderr
    assert not Path(failed.executor_input["outputs"]["outputFile"]).exists()
    left = tmp_path / "mnt/gcs/bucket/root/small/run-1/fail"
    assert not [p for p in left.rglob("*") if p.is_file()]  # no half-written output


@pytest.mark.parametrize("uri,local", [
    ("gs://bucket/a/b", "/gcs/bucket/a/b"), ("s3://bucket/x", "/s3/bucket/x"),
    ("minio://mlpipeline/v2/artifacts", "/minio/mlpipeline/v2/artifacts"),
    ("file:///data/x", "/data/x"), ("/already/local", "/already/local")])
def test_uris_map_to_the_launchers_mounts(uri, local, monkeypatch):
    monkeypatch.delenv(MOUNT_ROOT_ENV, raising=False)
    assert local_path(uri) == local


def test_unknown_uri_schemes_are_a_clear_error():
    from tfpipe.errors import ExecutionError

    with pytest.raises(ExecutionError, match=r"cannot access hdfs://n/x.*maps only gs://"):
        local_path("hdfs://n/x")


def test_project_paths_map_into_the_image():
    assert to_image_path("/home/me/proj/pipelines/p/data", "/home/me/proj") == \
        "/project/pipelines/p/data"
    assert to_image_path("/home/me/project2/data", "/home/me/proj") == "/home/me/project2/data"
    assert map_project_paths({"files": ["/home/me/proj/a", "gs://b/c"], "n": 1},
                             "/home/me/proj") == {"files": ["/project/a", "gs://b/c"], "n": 1}


def test_task_parameters_get_declared_types_runtime_items_and_mounted_paths(monkeypatch):
    from tfpipe.compiler.ir import NodeIR
    from tfpipe.backends.kubeflow.entrypoint.run import task_parameters

    monkeypatch.delenv(MOUNT_ROOT_ENV, raising=False)

    def executor(steps: Parameter[int], rate: Parameter[float], cfg: Parameter[dict],
                 path: Parameter[str], note: Parameter[str] = None):
        """An executor signature (never called)."""

    node = NodeIR(id="n", component="C", executor="m:executor", parameters={"note": None},
                  content_parameters=("path",))
    values = {"steps": 5.0, "rate": 1, "cfg": {"n": 4.0, "t": {"lower": 0.6}},
              "path": "gs://b/data", "runtime__m": 1}  # as KFP hands them over
    params = task_parameters(node, executor, values, [["cfg", ["t", "lower"], "runtime__m"]])
    assert params == {"steps": 5, "rate": 1.0, "cfg": {"t": {"lower": 1.0}, "n": 4},
                      "path": "/gcs/b/data", "note": None}
    assert type(params["steps"]) is int and type(params["rate"]) is float
    assert type(params["cfg"]["t"]["lower"]) is float  # the compile-time value was a float


def test_an_output_uri_climbing_out_of_the_root_is_refused_before_anything_is_written():
    from tfpipe.compiler.ir import NodeIR
    from tfpipe.errors import ExecutionError
    from tfpipe.backends.kubeflow.entrypoint.run import _declared_outputs

    node = NodeIR("gen", "CsvExampleGen", "tfpipe.components:CsvExampleGen",
                  outputs={"examples": "Examples"})
    executor_input = {"outputs": {"artifacts": {"examples": {"artifacts": [
        {"uri": "gs://bucket/root/p/run-1/gen/../../../../escape/examples"}]}}}}
    with pytest.raises(ExecutionError, match="output 'examples' would be written to "
                                             "'gs://bucket/root/p/run-1/gen/../../../../escape"):
        _declared_outputs(node, executor_input)


IMPORT_PIPELINE = """\
import os
import tfpipe
from tfpipe.components import Importer
from steps import Report

HERE = os.path.dirname(os.path.abspath(__file__))


def create_pipeline(rows: int = 4):
    model = Importer(source_uri=os.path.join(HERE, "trained"), artifact_type=tfpipe.Model)
    return tfpipe.Pipeline("imported", "out", [model, Report(baseline=model.outputs["result"])])
"""


def test_an_imported_artifact_travels_to_the_next_task(tmp_path, monkeypatch):
    """The Importer's result is the project folder as it is in the image, handed on."""
    project = _project(tmp_path, monkeypatch, STEPS, IMPORT_PIPELINE)
    (project / "trained").mkdir()
    (project / "trained" / "model.txt").write_text("trained elsewhere")
    _, runs = simulate(project, tmp_path, env={"TFPIPE_METADATA": str(tmp_path / "m.sqlite")},
                       runtime_params=())
    assert all(r.returncode == 0 for r in runs), [r.stderr[-2000:] for r in runs]
    [imported] = {r.task: r for r in runs}["importer"].executor_output["artifacts"]["result"][
        "artifacts"]
    assert imported["metadata"]["tfpipe_uri"] == str(project / "trained")
    report = tmp_path / "mnt/gcs/bucket/root/imported/run-1/report/schema/report.txt"
    assert report.read_text() == "trained elsewhere"
