"""Fast checks of the pipeline definition: it compiles, its nodes are wired as expected,
and the files it reads exist. No TensorFlow is imported and nothing runs.

    pytest tests
"""
import ast
import os
from pathlib import Path

import pytest

import tfpipe
from tfpipe.dsl.loader import load_pipeline

PROJECT = Path(__file__).resolve().parent.parent
STANDARD_NODES = ["CsvExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator",
                  "Transform", "Trainer"]


@pytest.fixture()
def ir(tmp_path):
    pipeline = load_pipeline(str(PROJECT / "pipeline.py"), {"pipeline_root": str(tmp_path)})
    return tfpipe.compile_pipeline(pipeline)


def test_the_pipeline_has_the_standard_nodes(ir):
    ids = [node.id for node in ir.nodes]
    assert [n for n in STANDARD_NODES if n in ids] == STANDARD_NODES


def test_the_trainer_learns_from_transformed_examples(ir):
    trainer = ir.node("Trainer")
    assert trainer.inputs["examples"].producer == "Transform"
    assert "SchemaGen" in ir.node("Transform").upstream or \
        "ImportSchemaGen" in ir.node("Transform").upstream


def test_nodes_run_after_what_they_read(ir):
    order = [node.id for node in ir.nodes]
    for node in ir.nodes:
        for upstream in node.upstream:
            assert order.index(upstream) < order.index(node.id), (upstream, node.id)


def test_the_module_file_defines_what_transform_and_trainer_call(ir):
    module_files = {ir.node(n).parameters["module_file"] for n in ("Transform", "Trainer")}
    for path in module_files:
        functions = {f.name for f in ast.parse(Path(path).read_text()).body
                     if isinstance(f, ast.FunctionDef)}
        assert {"preprocessing_fn", "run_fn"} <= functions, path


def test_the_data_is_in_the_project(ir):
    data = Path(ir.node("CsvExampleGen").parameters["input_base"])
    assert data.is_dir() and any(p.suffix == ".csv" for p in data.iterdir())
    assert os.path.commonpath([data, PROJECT]) == str(PROJECT)
