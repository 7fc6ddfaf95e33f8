"""The engine in-process, without TensorFlow: the launcher (PENDING -> LIVE, failure ->
ABANDONED and removed, cache hits and misses), cache keys, the scheduler (a diamond,
a failure in one branch) and closing executions a dead run left RUNNING."""
from __future__ import annotations

import os

import pytest

import tfpipe
from tfpipe.errors import ExecutionError, UserCodeError
from tfpipe.metadata import executions
from tfpipe.metadata.store import connect, serialised
from tfpipe.runners import cache, scheduler
from tfpipe.runners.launcher import launch

from ..conftest import Store, heavy_imports_of
from .components import Produce, WritesNothing, diamond


def _ir(pipeline):
    return tfpipe.compile_pipeline(pipeline)


def _store(ir):
    return serialised(connect(ir.metadata))


def test_a_node_that_succeeds_is_recorded_live_with_its_files(tmp_path):
    ir = _ir(tfpipe.Pipeline("one", str(tmp_path), [Produce(rows=4)]))
    result = launch(_store(ir), ir, ir.node("Produce"), "run-1", {})
    assert result.status == "ran", result.error
    [examples] = result.artifacts["examples"]
    assert examples.uri == os.path.join(str(tmp_path), "Produce", "examples",
                                        str(result.execution_id))
    assert open(os.path.join(examples.uri, "rows.txt")).read() == "0\n1\n2\n3"
    store = Store(tmp_path / "metadata.sqlite")
    [execution] = store.executions("one", "Produce")
    assert store.state(execution) == "COMPLETE"
    [live] = store.outputs(execution.id)
    assert store.artifact_state(live) == "LIVE" and live.uri == examples.uri


def test_the_same_node_and_inputs_are_reused_until_the_outputs_are_gone(tmp_path):
    ir = _ir(tfpipe.Pipeline("one", str(tmp_path), [Produce()]))
    store, node = _store(ir), ir.node("Produce")
    first = launch(store, ir, node, "run-1", {})
    again = launch(store, ir, node, "run-2", {})
    assert again.status == "cached"
    assert again.cache_note == "inputs, parameters and code unchanged"
    assert [a.id for a in again.artifacts["examples"]] == [a.id for a in first.artifacts["examples"]]
    for artifact in first.artifacts["examples"]:
        os.remove(os.path.join(artifact.uri, "rows.txt"))
        os.rmdir(artifact.uri)
    redone = launch(store, ir, node, "run-3", {})
    assert redone.status == "ran" and redone.cache_note == "earlier outputs are gone"


def test_a_changed_parameter_misses_the_cache_and_says_why(tmp_path):
    three = _ir(tfpipe.Pipeline("one", str(tmp_path), [Produce(rows=3)]))
    launch(_store(three), three, three.node("Produce"), "run-1", {})
    five = _ir(tfpipe.Pipeline("one", str(tmp_path), [Produce(rows=5)]))
    result = launch(_store(five), five, five.node("Produce"), "run-2", {})
    assert (result.status, result.cache_note) == ("ran", "changed: parameters"), result.error


def test_cache_key_parts_cover_parameters_inputs_and_the_component_source(tmp_path):
    ir = _ir(tfpipe.Pipeline("one", str(tmp_path), [Produce(rows=3)]))
    parts = cache.key_parts(ir.node("Produce"), {})
    assert {"component", "parameters", "inputs", "library versions",
            "file components.py"} <= set(parts)
    other = _ir(tfpipe.Pipeline("one", str(tmp_path), [Produce(rows=4)]))
    changed = cache.key_parts(other.node("Produce"), {})
    assert cache.cache_key(parts) != cache.cache_key(changed)
    assert cache.explain_miss(parts, changed) == "changed: parameters"
    assert cache.explain_miss(None, changed) == "no earlier successful execution"


def test_an_executor_that_writes_nothing_fails_and_leaves_nothing(tmp_path):
    ir = _ir(tfpipe.Pipeline("one", str(tmp_path), [WritesNothing()]))
    result = launch(_store(ir), ir, ir.node("WritesNothing"), "run-1", {})
    assert result.status == "failed"
    assert isinstance(result.error, ExecutionError)
    assert "WritesNothing finished but wrote nothing for output(s) examples" in str(result.error)
    Store(tmp_path / "metadata.sqlite").assert_closed("one", "WritesNothing", "FAILED")


def test_the_scheduler_runs_a_diamond_and_reuses_it(tmp_path):
    ir = _ir(diamond(str(tmp_path), rows=4))
    result = scheduler.run(ir, parallelism=2)
    assert result.succeeded
    assert list(result.results) == ["Produce", "left", "right", "Join"]
    [joined] = result.results["Join"].artifacts["schema"]
    assert open(os.path.join(joined.uri, "count.txt")).read() == "8"
    again = scheduler.run(ir)
    assert [r.status for r in again.results.values()] == ["cached"] * 4
    assert again.run_id != result.run_id


def test_a_failed_branch_skips_what_depends_on_it_but_not_the_other_branch(tmp_path):
    ir = _ir(diamond(str(tmp_path), fail_right=True))
    result = scheduler.run(ir)
    assert {n: r.status for n, r in result.results.items()} == {
        "Produce": "ran", "left": "ran", "right": "failed", "Join": "skipped"}
    error = scheduler.first_error(result)
    assert isinstance(error, UserCodeError) and error.node == "right"
    assert "Count failed in user code: ValueError: the rows do not add up" in str(error)
    assert "components.py:" in error.where
    Store(tmp_path / "metadata.sqlite").assert_closed("diamond", "right", "FAILED")


def test_executions_a_dead_run_left_running_are_closed_with_their_outputs(tmp_path):
    """What the next run (or the supervising parent) does for a run that was killed."""
    from tfpipe.artifacts import artifact_class
    from tfpipe.metadata import contexts

    ir = _ir(tfpipe.Pipeline("one", str(tmp_path), [Produce()]))
    store = _store(ir)
    ctxs = contexts.for_node(store, "one", "run-1", "Produce")
    execution = executions.register(store, "Produce", ctxs, {}, {"node_id": "Produce"})
    pending = artifact_class("Examples")(str(tmp_path / "Produce" / "examples" / "1"))
    os.makedirs(pending.uri)
    executions.declare_outputs(store, execution, ctxs, {"examples": pending})
    elsewhere = executions.close_running(store, "one", str(tmp_path / "another-root"), "dead")
    assert elsewhere == {}, "a run under another root may be alive"
    closed = executions.close_running(store, "one", str(tmp_path), "its process died",
                                      state="FAILED")
    assert closed == {"Produce": [pending.uri]}
    assert scheduler.remove_outputs(closed) == 1 and not os.path.exists(pending.uri)
    view = Store(tmp_path / "metadata.sqlite")
    [failed] = view.executions("one", "Produce")
    assert view.state(failed) == "FAILED"
    assert failed.custom_properties["error"].string_value == "its process died"


@pytest.mark.parametrize("parallelism", [1, 3])
def test_parallelism_does_not_change_the_results(tmp_path, parallelism):
    ir = _ir(diamond(str(tmp_path), rows=2))
    result = scheduler.run(ir, parallelism=parallelism)
    [joined] = result.results["Join"].artifacts["schema"]
    assert open(os.path.join(joined.uri, "count.txt")).read() == "4"


def test_the_engine_imports_neither_tensorflow_nor_beam(tmp_path):
    """So that engine changes get feedback in a second."""
    assert heavy_imports_of(
        "import tfpipe; from tests.engine.components import diamond; "
        "from tfpipe.runners import scheduler; "
        f"r = scheduler.run(tfpipe.compile_pipeline(diamond({str(tmp_path)!r}))); "
        "assert r.succeeded") == []


def test_the_engine_reports_events_and_prints_nothing(tmp_path, capsys):
    """A listener sees the run as events, in order; the engine itself writes nothing."""
    from tfpipe import events
    from tfpipe.runners.local import run_locally

    seen = []
    run_locally(_ir(diamond(str(tmp_path))), listener=seen.append, to_node="left")
    assert capsys.readouterr().out == "", seen
    assert seen[0] == events.RunStarted("diamond", 4, ", from the start to left")
    started = [e.node_id for e in seen if isinstance(e, events.NodeStarted)]
    finished = [(e.node_id, e.status, e.done, e.total) for e in seen
                if isinstance(e, events.NodeFinished)]
    assert started == ["Produce", "left"]
    assert finished == [("Produce", "ran", 1, 2), ("left", "ran", 2, 2)]
    [end] = [e for e in seen if isinstance(e, events.RunFinished)]
    assert end.succeeded and end.counts["ran"] == 2 and seen[-1] is end
    assert end.where[0].startswith("pipeline root")


def test_the_terminal_display_renders_the_events():
    from tfpipe import events
    from tfpipe.views.progress import TerminalProgress

    import click

    display = TerminalProgress(explain=True)
    render = lambda event: click.unstyle(display.render(event))  # noqa: E731
    assert render(events.NodeFinished("Trainer", "ran", 12.34, "changed: parameters",
                                              3, 9)) == \
        "  ✔ Trainer  finished in 12.3s  [3/9]\n      cache miss: changed: parameters"
    assert render(events.NodeWarning("Evaluator", "no baseline\nfirst run")) == \
        "    ⚠ no baseline\n      first run"
    assert render(events.WaitingForLock("p", "/root", "pid 7")) == \
        "  … another run of pipeline p (pid 7) is using /root; waiting for it to finish"


def test_run_options_build_a_new_ir_and_leave_the_pipeline_alone(tmp_path):
    pipeline = diamond(str(tmp_path))
    ir = _ir(pipeline)
    changed = ir.with_options(enable_cache=False, metadata=str(tmp_path / "other.sqlite"))
    assert not changed.enable_cache and not any(n.enable_cache for n in changed.nodes)
    assert changed.metadata == str(tmp_path / "other.sqlite")
    assert ir.enable_cache and all(n.enable_cache for n in ir.nodes)
    assert pipeline.enable_cache and all(n.enable_cache is None for n in pipeline.components)
    assert ir.with_options() == ir


def test_a_file_loaded_by_two_threads_at_once_is_loaded_whole(tmp_path):
    """Two nodes of one user component start together: neither may get the module
    before its code has run (it once failed with "has no attribute")."""
    import sys
    import threading

    from tfpipe.dsl.loader import load_module_from_file

    slow = tmp_path / "slow_module.py"
    slow.write_text("import time\ntime.sleep(0.5)\nDONE = True\n")
    results, errors = [], []

    def load():
        try:
            results.append(load_module_from_file(str(slow)).DONE)
        except AttributeError as exc:
            errors.append(exc)
    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
        thread.join(0.1)
    for thread in threads:
        thread.join()
    sys.modules.pop("_tfpipe_user_slow_module", None)
    assert errors == [] and results == [True, True]


def test_an_output_of_an_unknown_artifact_type_fails_before_anything_is_recorded(tmp_path):
    """An IR naming a type no class has (hand-written, or from another tfpipe)."""
    from dataclasses import replace

    ir = _ir(tfpipe.Pipeline("one", str(tmp_path), [Produce()]))
    node = replace(ir.node("Produce"), outputs={"examples": "Exampels"})
    result = launch(_store(ir), replace(ir, nodes=(node,)), node, "run-1", {})
    assert result.status == "failed" and result.execution_id is None
    assert "unknown artifact type 'Exampels'. Did you mean 'Examples'?" in str(result.error)
    assert "define `class Exampels(tfpipe.Artifact)`" in result.error.fix
    assert Store(tmp_path / "metadata.sqlite").executions("one", "Produce") == []


def test_types_recorded_by_other_projects_are_still_shown():
    from tfpipe.artifacts.base import recorded_artifact_class

    cls = recorded_artifact_class("SomeoneElsesType")
    assert cls.TYPE_NAME == "SomeoneElsesType" and cls("/x").uri == "/x"


def test_type_ids_are_not_shared_between_stores(tmp_path):
    """A store opened after another was collected (it may get the same id()) registers
    its own types (once failed with "Cannot find type for type_id")."""
    import gc

    from tfpipe.metadata.types import execution_type_id

    ids = []
    for name in "abcdefgh":
        store = serialised(connect(str(tmp_path / f"{name}.sqlite")))
        for i in range(len(ids) + 1):  # a different number of types in each store
            execution_type_id(store, f"type{i}")
        ids.append(execution_type_id(store, "Produce"))
        assert store.get_execution_type("Produce").id == ids[-1]
        del store
        gc.collect()
    assert len(set(ids)) == 8, ids


def test_a_finished_run_is_listed_from_its_summary_as_from_its_executions(tmp_path):
    """A finished run writes its nodes on its MLMD context; listing runs reads that
    (no execution) and sees what reading every execution sees, failures included."""
    from tfpipe.metadata import runs as runs_io

    ir = _ir(diamond(str(tmp_path), fail_right=True))
    result = scheduler.run(ir)
    store = _store(ir)
    [ctx] = runs_io.run_contexts(store)
    assert runs_io.SUMMARY_KEY in ctx.custom_properties
    [listed] = runs_io.load_runs(store, [ctx])
    [full] = runs_io.load_runs(store, [ctx], full=True)
    brief = [(n.node_id, n.component, n.execution_id, n.state, n.started, n.ended)
             for n in listed.nodes]
    assert brief == [(n.node_id, n.component, n.execution_id, n.state, n.started, n.ended)
                     for n in full.nodes]
    assert (listed.state, listed.duration, listed.count("FAILED")) == \
        (full.state, full.duration, 1) == ("FAILED", full.duration, 1)
    assert listed.node("right").error == full.node("right").error.splitlines()[0]
    assert "ValueError: the rows do not add up" in listed.node("right").error
    assert listed.node("right").parameters == {}, "parameters are read with the full run"
    assert result.run_id == listed.run_id


def test_a_run_keeps_its_plan_so_nodes_it_did_not_run_are_shown(tmp_path):
    """The nodes a run set out to run are on its context from the start: a node skipped
    after a failure (no execution) is still in the run's graph, NOT RUN."""
    from tfpipe import Client
    from tfpipe.report.graph import run_nodes

    ir = _ir(diamond(str(tmp_path), fail_right=True))
    scheduler.run(ir)
    run = Client(str(tmp_path / "metadata.sqlite")).run()
    assert [node for node, _, _ in run.plan] == ["Produce", "left", "right", "Join"]
    assert run.waiting == (("Join", "Join"),)
    assert ("right", "Join") in run.edges and ("left", "Join") in run.edges
    assert {n.id: n.state for n in run_nodes(run)}["Join"] == "NOT RUN"
