"""The IR: golden JSON for the example pipelines, and an exact JSON round trip.

Regenerate the golden files after an intended change with
``TFPIPE_UPDATE_GOLDENS=1 python -m pytest tests/test_ir.py``.
"""
from __future__ import annotations

import json

import pytest

import tfpipe
from tfpipe.compiler import PipelineIR
from tfpipe.dsl.loader import load_pipeline
from tfpipe.errors import CompileError

from .conftest import GOLDEN, REPO, assert_matches_golden, run_cli

PIPELINES = ["penguin", "taxi", "taxi_continuous"]


def normalised(text: str) -> str:
    """The IR with this checkout's location replaced, so the golden files are portable."""
    return text.replace(str(REPO), "$REPO")


@pytest.mark.parametrize("name", PIPELINES)
def test_example_pipeline_ir_matches_golden(name):
    ir = tfpipe.compile_pipeline(load_pipeline(str(REPO / "pipelines" / name / "pipeline.py")))
    assert_matches_golden(normalised(ir.to_json()), f"{name}.ir.json")


@pytest.mark.parametrize("name", PIPELINES)
def test_ir_round_trips_exactly_through_json(name):
    ir = tfpipe.compile_pipeline(load_pipeline(str(REPO / "pipelines" / name / "pipeline.py")))
    again = PipelineIR.from_json(ir.to_json())
    assert again == ir
    assert again.to_json() == ir.to_json()


@pytest.mark.parametrize("name, version", [("taxi", 1), ("penguin", 2)])
def test_ir_json_is_sorted_and_versioned(name, version):
    """Version 2 only for a pipeline with conditions (penguin's Pusher): an older tfpipe
    refuses it instead of running the gated nodes unconditionally."""
    ir = tfpipe.compile_pipeline(load_pipeline(str(REPO / "pipelines" / name /
                                                   "pipeline.py")))
    data = json.loads(ir.to_json())
    assert data["ir_version"] == version
    assert list(data) == sorted(data)
    assert [n["id"] for n in data["nodes"]][0] == "CsvExampleGen"


def test_an_ir_from_another_version_is_refused():
    text = json.dumps({"ir_version": 99, "name": "x"})
    with pytest.raises(CompileError, match="IR version 99 is not supported"):
        PipelineIR.from_json(text)


def test_compile_ir_command_writes_the_ir(tmp_path):
    out = tmp_path / "penguin.json"
    result = run_cli("compile", "--ir", "pipelines/penguin/pipeline.py", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Wrote the IR of pipeline penguin" in result.stderr
    assert normalised(out.read_text()) == (GOLDEN / "penguin.ir.json").read_text()


def test_penguin_with_tuner_and_infra_validator_ir_matches_golden():
    ir = tfpipe.compile_pipeline(load_pipeline(
        str(REPO / "pipelines" / "penguin" / "pipeline.py"),
        {"tune": True, "infra_validate": True}))
    assert_matches_golden(normalised(ir.to_json()), "penguin_tuned.ir.json")
