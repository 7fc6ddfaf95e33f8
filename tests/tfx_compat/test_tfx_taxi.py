"""TFX's own Chicago taxi pipeline and module file (``../shared/tfx_examples``), unmodified,
run end to end and compiled by tfpipe, and migrated into a tfpipe pipeline with the same
IR. The only intervention is HOME, where the files expect their data and outputs."""
from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from ..conftest import REPO, TAXI, Store, run_cli
from . import observed

EXAMPLES = Path(os.environ.get("TFX_EXAMPLES_DIR",
                               REPO.parent / "shared" / "tfx_examples")) / "chicago_taxi_pipeline"
PIPELINE = EXAMPLES / "taxi_pipeline_native_keras.py"
MODULE = EXAMPLES / "taxi_utils_native_keras.py"
NAME = "chicago_taxi_native_keras"
NODES = ["CsvExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator", "Transform",
         "Trainer", "latest_blessed_model_resolver", "Evaluator", "Pusher"]

pytestmark = pytest.mark.skipif(not PIPELINE.is_file(), reason=(
    f"TFX's example files are not at {EXAMPLES} (../shared/tfx_examples beside the "
    "checkout, or TFX_EXAMPLES_DIR)"))


@pytest.fixture(scope="module")
def taxi_home(tmp_path_factory) -> Path:
    """HOME as the files expect it: ~/taxi/data/simple/*.csv and ~/taxi/<module file>;
    the pipeline file beside it, both byte for byte TFX's."""
    home = tmp_path_factory.mktemp("home")
    (home / "taxi" / "data" / "simple").mkdir(parents=True)
    shutil.copy(TAXI / "data" / "data.csv", home / "taxi" / "data" / "simple" / "data.csv")
    shutil.copy(MODULE, home / "taxi" / MODULE.name)
    shutil.copy(PIPELINE, home / PIPELINE.name)
    return home


@pytest.fixture
def as_home(taxi_home, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(taxi_home))
    return taxi_home


@pytest.mark.slow
def test_tfxs_taxi_pipeline_runs_unchanged(as_home):
    result = run_cli("run", str(as_home / PIPELINE.name), timeout=1500)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"✔ pipeline {NAME} finished" in result.stdout
    assert (as_home / PIPELINE.name).read_bytes() == PIPELINE.read_bytes()
    assert (as_home / "taxi" / MODULE.name).read_bytes() == MODULE.read_bytes()

    store = Store(as_home / "tfx" / "metadata" / NAME / "metadata.db")
    for node in NODES:
        assert [store.state(e) for e in store.executions(NAME, node)] == ["COMPLETE"], node
    [evaluator] = store.executions(NAME, "Evaluator")
    [blessing] = [a for a in store.outputs(evaluator.id) if "/blessing/" in a.uri]
    assert blessing.custom_properties["blessed"].int_value == 1, "the model was blessed"
    pushed = list((as_home / "taxi" / "serving_model" / NAME).iterdir())
    assert len(pushed) == 1 and (pushed[0] / "saved_model.pb").is_file(), pushed
    observed.check_run("chicago_taxi_pipeline/taxi_pipeline_native_keras.py",
                       observed.run_observation(result.returncode, result.stdout, as_home,
                                                len(NODES), f"~/taxi/serving_model/{NAME}/"))


def test_tfxs_taxi_pipeline_compiles_to_kubeflow(as_home, tmp_path):
    out = tmp_path / "pipeline.yaml"
    # Run where a TFX user keeps the files: the project folder the image copies.
    result = run_cli("compile", str(as_home / PIPELINE.name), "-o", str(out), cwd=as_home)
    assert result.returncode == 0, result.stderr
    spec = yaml.safe_load(out.read_text())
    assert spec["pipelineInfo"]["name"] == "chicago-taxi-native-keras"
    assert sorted(spec["root"]["dag"]["tasks"]) == sorted(n.lower().replace("_", "-")
                                                          for n in NODES)


def test_migrate_turns_it_into_a_tfpipe_pipeline_with_the_same_ir(as_home, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(PIPELINE, folder / "tfx_pipeline.py")
    shutil.copy(PIPELINE, folder / "pipeline.py")
    result = run_cli("migrate", str(folder / "pipeline.py"), "--write")
    assert result.returncode == 0, result.stderr
    source = (folder / "pipeline.py").read_text()
    assert "tfx" not in {n.split(".")[0] for node in ast.walk(ast.parse(source))
                         if isinstance(node, (ast.Import, ast.ImportFrom))
                         for n in ([node.module or ""] if isinstance(node, ast.ImportFrom)
                                   else [a.name for a in node.names])}
    irs = []
    for name in ("tfx_pipeline.py", "pipeline.py"):
        compiled = run_cli("compile", "--ir", str(folder / name), "-o", str(tmp_path / "ir.json"))
        assert compiled.returncode == 0, compiled.stderr
        irs.append(json.loads((tmp_path / "ir.json").read_text()))
    assert irs[0] == irs[1]
