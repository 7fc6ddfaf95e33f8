"""Caching you can explain: what re-runs when a helper module or the data changes."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .conftest import PENGUIN, run_cli

TEMPLATE = Path(__file__).parent / "bad_input" / "pipeline_template.py"
MODULE = '''
import tensorflow as tf
import features


def preprocessing_fn(inputs):
    return {name: inputs[name] * features.SCALE for name in features.NUMERIC}


def run_fn(fn_args):
    tf.saved_model.save(tf.Module(), fn_args.serving_model_dir)
'''
NODES = ["CsvExampleGen", "StatisticsGen", "SchemaGen", "Transform", "Trainer"]


def statuses(stdout: str) -> dict[str, str]:
    found = dict(re.findall(r"[✔↺] (\w+)  (finished|reused)", stdout))
    return {node: {"finished": "ran", "reused": "cached"}[s] for node, s in found.items()}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cache")
    shutil.copy(TEMPLATE, tmp / "pipeline.py")
    (tmp / "module.py").write_text(MODULE)
    (tmp / "features.py").write_text("NUMERIC = ['culmen_length_mm', 'body_mass_g']\n"
                                     "SCALE = 1.0\n")
    (tmp / "data").mkdir()
    shutil.copy(PENGUIN / "data" / "labelled" / "labelled.csv", tmp / "data")
    args = ["run", str(tmp / "pipeline.py"), "--explain-cache", "-p", f"root={tmp / 'root'}",
            "-p", f"data={tmp / 'data'}", "-p", "stage=trainer",
            "-p", f"module_file={tmp / 'module.py'}"]
    first = run_cli(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    assert statuses(first.stdout) == {n: "ran" for n in NODES}
    return tmp, args


def test_an_unchanged_rerun_reuses_every_node(project):
    tmp, args = project
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert statuses(result.stdout) == {n: "cached" for n in NODES}


def test_changing_a_helper_module_reruns_transform_and_downstream_only(project):
    tmp, args = project
    (tmp / "features.py").write_text("NUMERIC = ['culmen_length_mm', 'body_mass_g']\n"
                                     "SCALE = 2.0\n")
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert statuses(result.stdout) == {"CsvExampleGen": "cached", "StatisticsGen": "cached",
                                       "SchemaGen": "cached", "Transform": "ran",
                                       "Trainer": "ran"}
    assert "cache miss: changed: file features.py" in result.stdout
    assert "cache miss: changed: file features.py, inputs" in result.stdout  # Trainer


def test_changing_the_input_csv_reruns_everything(project):
    tmp, args = project
    with open(tmp / "data" / "labelled.csv", "a") as f:
        f.write("1,0.5,0.5,0.5,0.5\n")
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert statuses(result.stdout) == {n: "ran" for n in NODES}
    assert "cache miss: changed: content of input_base" in result.stdout


def test_no_cache_runs_every_node(project):
    tmp, args = project
    result = run_cli(*args, "--no-cache")
    assert result.returncode == 0, result.stderr
    assert statuses(result.stdout) == {n: "ran" for n in NODES}
    assert "cache miss: cache disabled" in result.stdout
