"""Conditions (``tfpipe.If``) run locally: the gated nodes run when the condition holds,
and otherwise are skipped with the reason shown, recorded in MLMD as skipped, and the
run still succeeds (exit 0)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import tfpipe
from tfpipe.compiler import PipelineIR
from tfpipe.dsl.loader import load_pipeline

from ..conftest import Store, run_cli

PIPELINE = Path(__file__).with_name("conditional_pipeline.py")


def _run(root: Path, score: float):
    return run_cli("run", str(PIPELINE), "-p", f"root={root}", "-p", f"score={score}")


def _runs_json(root: Path) -> list:
    result = run_cli("runs", "--metadata", str(root / "metadata.sqlite"), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_false_condition_skips_the_gated_nodes_with_the_reason_and_exits_0(tmp_path):
    result = _run(tmp_path, 0.2)
    assert result.returncode == 0, result.stdout + result.stderr
    reason = "Judge.outputs['blessing'].custom_property('blessed') == 1 is false (it is 0)"
    assert f"– Ship  skipped ({reason})" in result.stdout
    assert f"– canary  skipped ({reason})" in result.stdout
    assert "pipeline conditional finished" in result.stdout
    assert "2 ran, 2 skipped" in result.stdout

    store = Store(tmp_path / "metadata.sqlite")
    for node in ("Ship", "canary"):
        [execution] = store.executions("conditional", node)
        assert execution.custom_properties["skipped"].string_value == reason
        assert store.outputs(execution.id) == []
    assert not (tmp_path / "Ship").exists(), "a skipped node writes nothing"

    [run] = _runs_json(tmp_path)
    assert run["state"] == "COMPLETE"
    assert run["nodes"]["Ship"] == {**run["nodes"]["Ship"], "state": "SKIPPED",
                                    "skipped": reason}
    table = run_cli("runs", "--metadata", str(tmp_path / "metadata.sqlite"))
    assert "SKIPPED" in table.stdout.splitlines()[0]
    report = tmp_path / "report.html"
    made = run_cli("report", "--metadata", str(tmp_path / "metadata.sqlite"), "-o", str(report))
    assert made.returncode == 0, made.stderr
    assert f"skipped: {reason}".replace("'", "&#x27;") in report.read_text()


def test_a_true_condition_runs_the_gated_nodes_and_nested_conditions_and_together(tmp_path):
    result = _run(tmp_path, 0.6)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✔ Ship  finished" in result.stdout
    assert ("– canary  skipped (Judge.outputs['blessing'].custom_property('score') > 0.8 is "
            "false (it is 0.6))") in result.stdout
    store = Store(tmp_path / "metadata.sqlite")
    [ship] = store.executions("conditional", "Ship")
    assert store.state(ship) == "COMPLETE"
    [pushed] = store.outputs(ship.id)
    assert (Path(pushed.uri) / "pushed.txt").is_file()

    both = _run(tmp_path, 0.9)
    assert both.returncode == 0, both.stdout + both.stderr
    assert "✔ canary  finished" in both.stdout
    assert [r["nodes"]["canary"]["state"] for r in _runs_json(tmp_path)] == [
        "SKIPPED", "COMPLETE"]


def test_conditions_are_recorded_in_the_ir_as_json_and_round_trip(tmp_path):
    ir = tfpipe.compile_pipeline(load_pipeline(str(PIPELINE), {"root": str(tmp_path)}))
    data = json.loads(ir.to_json())
    assert data["ir_version"] == 2
    canary = next(n for n in data["nodes"] if n["id"] == "canary")
    assert canary["conditions"] == [
        {"producer": "Judge", "output": "blessing", "kind": "custom_property",
         "property": "blessed", "op": "==", "value": 1},
        {"producer": "Judge", "output": "blessing", "kind": "custom_property",
         "property": "score", "op": ">", "value": 0.8}]
    assert "conditions" not in next(n for n in data["nodes"] if n["id"] == "Judge")
    assert PipelineIR.from_json(ir.to_json()) == ir


@pytest.mark.parametrize("op, literal, runs", [
    ("==", 0.2, True), ("!=", 0.2, False), ("<", 0.3, True), ("<=", 0.2, True),
    (">", 0.2, False), (">=", 0.1, True)])
def test_each_comparison_operator(tmp_path, op, literal, runs):
    from tests.engine.components import Produce
    from tests.engine.conditional_pipeline import Judge, Ship

    produce = Produce()
    judge = Judge(examples=produce.outputs["examples"], score=0.2)
    score = judge.outputs["blessing"].custom_property("score")
    if op == "==":  # TFX's spelling, as a ported pipeline writes it
        score = judge.outputs["blessing"].future()[0].custom_property("score")
    predicate = {"==": score == literal, "!=": score != literal, "<": score < literal,
                 "<=": score <= literal, ">": score > literal, ">=": score >= literal}[op]
    with tfpipe.Cond(predicate):
        ship = Ship(blessing=judge.outputs["blessing"])
    result = tfpipe.run_pipeline(tfpipe.Pipeline("ops", str(tmp_path), [produce, judge, ship]),
                                 quiet=True)
    assert result.succeeded
    assert result.results["Ship"].status == ("ran" if runs else "skipped")


def test_an_executor_that_skips_itself_is_skipped_with_its_reason_not_failed(tmp_path):
    """``context.skip(reason)``: no outputs, recorded as skipped, the nodes that need its
    outputs skipped with the same reason, and the run succeeds."""
    from tests.engine.components import Count, Gate, Produce

    produce = Produce()
    gate = Gate(examples=produce.outputs["examples"])
    count = Count(examples=gate.outputs["passed"])
    events = []
    result = tfpipe.run_pipeline(tfpipe.Pipeline("gated", str(tmp_path), [produce, gate, count]),
                                 listener=events.append)
    assert result.succeeded
    assert [(r.status, r.reason) for r in (result.results["Gate"], result.results["Count"])] \
        == [("skipped", "nothing new to pass on")] * 2
    finished = {e.node_id: e for e in events if isinstance(e, tfpipe.events.NodeFinished)}
    assert finished["Gate"].reason == "nothing new to pass on"
    store = Store(tmp_path / "metadata.sqlite")
    [execution] = store.executions("gated", "Gate")
    assert store.state(execution) == "CANCELED"
    assert execution.custom_properties["skipped"].string_value == "nothing new to pass on"
    [pending] = store.outputs(execution.id, kinds=("PENDING_OUTPUT",))
    assert store.artifact_state(pending) == "ABANDONED"
    assert not os.path.exists(pending.uri), "what it wrote before skipping is removed"
