"""Runs that are killed, sliced, or run at the same time leave MLMD consistent."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from .conftest import Store, run_cli

PIPELINE = textwrap.dedent('''
    import os, signal, sys, time
    import tfpipe
    from tfpipe import Examples, Input, Output, Parameter, Schema

    @tfpipe.component
    def Produce(examples: Output[Examples], seconds: Parameter[float] = 0.0):
        time.sleep(seconds)
        open(os.path.join(examples.uri, "data.txt"), "w").write("rows")

    @tfpipe.component
    def Consume(examples: Input[Examples], schema: Output[Schema], kill_marker: Parameter[str],
                how: Parameter[str]):
        if not os.path.exists(kill_marker):
            open(kill_marker, "w").close()
            open(os.path.join(schema.uri, "half-written"), "w").write("x")
            if how == "everything":  # the machine goes down: no process survives
                os.killpg(os.getpgid(0), signal.SIGKILL)
            elif how == "segfault":
                import ctypes
                ctypes.string_at(0)
            elif how == "exit":
                os._exit(7)
            os.kill(os.getpid(), signal.SIGKILL)
        open(os.path.join(schema.uri, "schema.pbtxt"), "w").write("feature {}")

    def create_pipeline(root, name="tiny", marker="", seconds=0.0, metadata=None,
                        how="everything"):
        produce = Produce(seconds=seconds)
        consume = Consume(examples=produce.outputs["examples"], kill_marker=marker, how=how)
        return tfpipe.Pipeline(name, root, [produce, consume], metadata=metadata)
''')


def write_pipeline(tmp_path):
    path = tmp_path / "pipeline.py"
    path.write_text(PIPELINE)
    return str(path)


def test_a_killed_run_leaves_mlmd_consistent_and_the_next_run_resumes(tmp_path):
    """Every process of the run SIGKILLed (the machine went down): the next run closes
    what the dead one left RUNNING."""
    path = write_pipeline(tmp_path)
    args = ["run", path, "-p", f"root={tmp_path / 'root'}", "-p", f"marker={tmp_path / 'm'}"]
    killed = subprocess.run([sys.executable, "-m", "tfpipe.cli", *args], capture_output=True,
                            text=True, start_new_session=True, timeout=300)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    store = Store(tmp_path / "root" / "metadata.sqlite")
    [produced] = store.executions("tiny", "Produce")
    [interrupted] = store.executions("tiny", "Consume")
    assert store.state(produced) == "COMPLETE"
    assert store.state(interrupted) == "RUNNING"
    [pending] = store.outputs(interrupted.id, kinds=("PENDING_OUTPUT",))
    assert store.artifact_state(pending) == "PENDING"
    assert store.outputs(interrupted.id) == []

    resumed = run_cli(*args)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "↺ Produce  reused from cache" in resumed.stdout
    assert "✔ Consume  finished" in resumed.stdout
    store = Store(tmp_path / "root" / "metadata.sqlite")
    latest = store.executions("tiny", "Consume")[-1]
    assert store.state(latest) == "COMPLETE"
    [schema] = store.outputs(latest.id)
    assert store.artifact_state(schema) == "LIVE"
    assert schema.uri != pending.uri
    # The run that came next (it holds the pipeline root) closed the killed one.
    assert "removed 1 half-written output(s) of a run that was killed" in resumed.stdout
    [killed_run] = store.executions("tiny", "Consume")[:1]
    assert store.state(killed_run) == "CANCELED"
    assert "its run was killed before it finished" in \
        killed_run.custom_properties["error"].string_value
    [abandoned] = store.outputs(interrupted.id, kinds=("PENDING_OUTPUT",))
    assert store.artifact_state(abandoned) == "ABANDONED"
    assert not os.path.exists(abandoned.uri), "the half-written folder is removed"
    runs = json.loads(run_cli("runs", "--json", "--pipeline-root", str(tmp_path / "root")).stdout)
    assert [r["state"] for r in runs] == ["CANCELED", "COMPLETE"]


@pytest.mark.parametrize("how, cause", [
    ("kill", "it was killed by SIGKILL: often the kernel's out-of-memory killer (`dmesg` says)"),
    ("segfault", "it was killed by SIGSEGV: a crash in native code"),
    ("exit", "it ended with exit code 7, which tfpipe never uses (os._exit(7) in a module "
             "file, or a library ending the process)"),
])
def test_a_run_whose_process_dies_is_closed_at_once(tmp_path, how, cause):
    """The run's process dies under a node (SIGKILL, a segfault, os._exit): the `tfpipe
    run` that started it marks the node FAILED, removes its outputs and exits 3."""
    path = write_pipeline(tmp_path)
    args = ["run", path, "-p", f"root={tmp_path / 'root'}", "-p", f"marker={tmp_path / 'm'}",
            "-p", f"how={how}"]
    died = run_cli(*args)
    assert died.returncode == 3, died.stdout + died.stderr
    assert f"Error (execution failed): [Consume] the run's process died while Consume ran: " \
           f"{cause}" in died.stderr
    assert "fix: nothing half-written was kept (the node is FAILED, its outputs removed)" \
        in died.stderr
    assert "Traceback" not in died.stderr
    consume = Store(tmp_path / "root" / "metadata.sqlite").assert_closed("tiny", "Consume",
                                                                         "FAILED")
    assert cause in consume.custom_properties["error"].string_value
    runs = json.loads(run_cli("runs", "--json", "--pipeline-root", str(tmp_path / "root")).stdout)
    assert [r["state"] for r in runs] == ["FAILED"]
    again = run_cli(*args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "↺ Produce  reused from cache" in again.stdout
    assert "removed" not in again.stdout, "nothing was left for the next run to clean"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_one_signal_stops_a_node_stuck_in_user_code_within_seconds(tmp_path, signum):
    """Ctrl-C or SIGTERM (a scheduler's stop): the run stops at once, the node that was
    running is CANCELED and its unfinished output removed."""
    path = write_pipeline(tmp_path)
    (tmp_path / "m").touch()
    run = subprocess.Popen(
        [sys.executable, "-m", "tfpipe.cli", "run", path, "-p", f"root={tmp_path / 'root'}",
         "-p", f"marker={tmp_path / 'm'}", "-p", "seconds=120"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={
            **os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    started = ""
    while "▶ Produce" not in started:
        line = run.stdout.readline()
        assert line, run.stderr.read()
        started += line
    time.sleep(1)
    sent = time.monotonic()
    run.send_signal(signum)
    out, err = run.communicate(timeout=60)
    assert time.monotonic() - sent < 15, "one signal stops the run within seconds"
    assert run.returncode == 130, out + err
    assert "Interrupted. The nodes that were running are CANCELED" in err
    assert "Traceback" not in err
    Store(tmp_path / "root" / "metadata.sqlite").assert_closed("tiny", "Produce", "CANCELED")


def _start(path, *params):
    args = [sys.executable, "-m", "tfpipe.cli", "run", path]
    for p in params:
        args += ["-p", p]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_pipelines_share_one_sqlite_store_at_the_same_time(tmp_path):
    path = write_pipeline(tmp_path)
    (tmp_path / "m").touch()  # no kill
    shared = tmp_path / "shared.sqlite"
    runs = [_start(path, f"root={tmp_path / name}", f"name={name}", f"marker={tmp_path / 'm'}",
                   "seconds=1.0", f"metadata={shared}") for name in ("first", "second")]
    outs = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outs
    store = Store(shared)
    for name in ("first", "second"):
        for node in ("Produce", "Consume"):
            [e] = store.executions(name, node)
            assert store.state(e) == "COMPLETE"


def test_a_second_run_of_the_same_pipeline_waits_for_the_first(tmp_path):
    path = write_pipeline(tmp_path)
    (tmp_path / "m").touch()
    params = [f"root={tmp_path / 'root'}", f"marker={tmp_path / 'm'}", "seconds=4.0"]
    first = _start(path, *params)
    import time
    time.sleep(2.5)  # the first run holds the pipeline root by now
    second = _start(path, *params)
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert "another run of pipeline tiny" in out2 and "waiting for it to finish" in out2
    assert "reused from cache" in out2  # it saw the first run's finished results


def test_a_slice_takes_its_inputs_from_the_latest_successful_run(tmp_path):
    path = write_pipeline(tmp_path)
    (tmp_path / "m").touch()
    params = ["-p", f"root={tmp_path / 'root'}", "-p", f"marker={tmp_path / 'm'}"]
    first = run_cli("run", path, *params, "--to-node", "Produce")
    assert first.returncode == 0, first.stderr
    assert "Consume" not in first.stdout
    second = run_cli("run", path, *params, "--from-node", "Consume", "--no-cache")
    assert second.returncode == 0, second.stderr
    assert "Produce" not in second.stdout.replace("from Consume", "")
    store = Store(tmp_path / "root" / "metadata.sqlite")
    [produced] = store.executions("tiny", "Produce")
    [consumed] = store.executions("tiny", "Consume")
    inputs = [e for e in store.store.get_events_by_execution_ids([consumed.id])
              if store.pb.Event.Type.Name(e.type) == "INPUT"]
    assert [e.artifact_id for e in inputs] == [a.id for a in store.outputs(produced.id)]


def test_a_slice_without_upstream_results_says_what_to_run(tmp_path):
    path = write_pipeline(tmp_path)
    result = run_cli("run", path, "-p", f"root={tmp_path / 'root'}", "-p", "marker=x",
                     "--from-node", "Consume")
    assert result.returncode == 3
    assert "node 'Produce' has no successful execution to take inputs from" in result.stderr


def test_an_unknown_node_name_suggests_the_right_one(tmp_path):
    path = write_pipeline(tmp_path)
    result = run_cli("run", path, "-p", f"root={tmp_path / 'root'}", "-p", "marker=x",
                     "--to-node", "Consme")
    assert result.returncode == 2
    assert "Did you mean 'Consume'?" in result.stderr


KILL_IN_PUSH = textwrap.dedent('''
    # Loaded at start-up (PYTHONPATH): the Pusher's copy into its staging folder writes
    # one file, then every process of the run is SIGKILLed, as when a machine goes down.
    import os, shutil, signal
    _copytree = shutil.copytree

    def copytree(src, dst, *args, **kwargs):
        if os.path.basename(str(dst)).startswith(".tfpipe-push-"):
            os.makedirs(dst)
            open(os.path.join(dst, "half-a-model"), "w").write("x")
            os.killpg(os.getpgid(0), signal.SIGKILL)
        return _copytree(src, dst, *args, **kwargs)

    shutil.copytree = copytree
''')


def _run_killed_during(args: list[str], node: str | None, env: dict | None = None) -> str:
    """Run the penguin pipeline; SIGKILL every process of the run 1.5 s after ``node``
    starts (None: the environment's injected fault kills it). Returns what it printed."""
    run = subprocess.Popen([sys.executable, "-m", "tfpipe.cli", *args], text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1",
                                                        **(env or {})})
    printed = ""
    while node and f"▶ {node}" not in printed:
        line = run.stdout.readline()
        assert line, printed
        printed += line
    if node:
        time.sleep(1.5)
        os.killpg(run.pid, signal.SIGKILL)
    printed += run.stdout.read()
    assert run.wait(timeout=600) == -9, printed
    return printed


@pytest.mark.slow
def test_sigkill_during_trainer_evaluator_and_pusher_then_a_rerun_completes(tmp_path):
    """The machine goes down during Trainer, then during Evaluator, then in the middle
    of the Pusher's copy: each next run closes what the dead one left, and the last one
    completes with one whole model version and nothing half-pushed in the serving
    directory."""
    from .conftest import PENGUIN

    serving = tmp_path / "serving"
    args = ["run", str(PENGUIN / "pipeline.py"), "-p", f"pipeline_root={tmp_path / 'root'}",
            "-p", f"serving_model_dir={serving}"]
    _run_killed_during(args, "Trainer")
    printed = _run_killed_during(args, "Evaluator")
    assert "removed 2 half-written output(s) of a run that was killed" in printed  # model, run
    assert "✔ Trainer  finished" in printed
    (tmp_path / "inject").mkdir()
    (tmp_path / "inject" / "sitecustomize.py").write_text(KILL_IN_PUSH)
    printed = _run_killed_during(args, None, {"PYTHONPATH": str(tmp_path / "inject")})
    assert "removed 2 half-written output(s)" in printed  # evaluation and blessing
    assert "✔ Evaluator  finished" in printed and "▶ Pusher" in printed
    assert [p.name for p in serving.iterdir()][0].startswith(".tfpipe-push-")

    final = run_cli(*args)
    assert final.returncode == 0, final.stdout + final.stderr
    assert "↺ Trainer  reused from cache" in final.stdout
    assert "✔ Pusher  finished" in final.stdout
    [version] = os.listdir(serving)
    assert version.isdigit(), "the dead push's staging folder was removed"
    assert (serving / version / "saved_model.pb").exists()
    store = Store(tmp_path / "root" / "metadata.sqlite")
    for node in ("Trainer", "Evaluator", "Pusher"):
        states = [store.state(e) for e in store.executions("penguin", node)]
        assert states[0] == "CANCELED" and states[-1] in ("COMPLETE", "CACHED"), (node, states)
        assert "RUNNING" not in states
        for execution in store.executions("penguin", node):
            if store.state(execution) == "CANCELED":
                for artifact in store.outputs(execution.id, kinds=("PENDING_OUTPUT",)):
                    assert store.artifact_state(artifact) == "ABANDONED"
                    assert not os.path.exists(artifact.uri)
