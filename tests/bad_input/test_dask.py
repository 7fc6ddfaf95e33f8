"""What goes wrong on a Dask cluster gets one clear message and a FAILED record: a
scheduler that does not answer, a worker that cannot import the module file, a worker
killed in the middle of Transform, an error in preprocessing_fn (as it reads locally)."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ..conftest import PENGUIN, REPO, Store

distributed = pytest.importorskip("distributed")

PIPELINE = textwrap.dedent('''
    import os
    import tfpipe
    from tfpipe.components import CsvExampleGen, SchemaGen, StatisticsGen, Transform

    HERE = os.path.dirname(os.path.abspath(__file__))

    def create_pipeline(root, data):
        gen = CsvExampleGen(input_base=data)
        stats = StatisticsGen(examples=gen.outputs["examples"])
        schema = SchemaGen(statistics=stats.outputs["statistics"])
        transform = Transform(examples=gen.outputs["examples"],
                              schema=schema.outputs["schema"],
                              module_file=os.path.join(HERE, "m.py"))
        return tfpipe.Pipeline("dask-faults", root, [gen, stats, schema, transform])
''')

MODULE = textwrap.dedent('''
    import tensorflow_transform as tft

    def preprocessing_fn(inputs):
        return {"z": tft.scale_to_z_score(inputs["body_mass_g"])}
''')


def _project(tmp_path, module: str = MODULE):
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    (tmp_path / "m.py").write_text(module)
    return tmp_path / "pipeline.py"


def _tfpipe(pipeline, root, *args, env=None, **popen):
    command = [sys.executable, "-m", "tfpipe.cli", "run", str(pipeline), "-p", f"root={root}",
               "-p", f"data={PENGUIN / 'data' / 'labelled'}", *args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    if popen:
        return subprocess.Popen(command, cwd=REPO, env=env, text=True, **popen)
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)


def _dask(address: str) -> str:
    return "dask://" + address.split("://", 1)[1]


def test_a_scheduler_that_does_not_answer_fails_the_node_clearly(tmp_path):
    result = _tfpipe(_project(tmp_path), tmp_path / "root", "--beam", "dask://127.0.0.1:9",
                     "--to-node", "CsvExampleGen")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Error (execution failed): [CsvExampleGen] no Dask scheduler answers at " \
        "tcp://127.0.0.1:9" in result.stderr
    assert "fix: start one (`dask scheduler` and `dask worker ADDRESS` on each host), check " \
        "the address, or run with `--beam dask` for a local cluster" in result.stderr
    assert "Traceback" not in result.stderr
    Store(tmp_path / "root" / "metadata.sqlite").assert_closed("dask-faults", "CsvExampleGen",
                                                               "FAILED")


def test_a_worker_that_cannot_import_the_module_file_is_named(tmp_path):
    """The module file imports a helper the client finds on its PYTHONPATH and the
    cluster's workers (started without it) do not."""
    helpers = tmp_path / "site"
    helpers.mkdir()
    (helpers / "house_helpers.py").write_text("SCALE = 2.0\n")
    pipeline = _project(tmp_path, "import house_helpers\n" + MODULE)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        result = _tfpipe(pipeline, tmp_path / "root", "--beam", _dask(cluster.scheduler_address),
                         env={"PYTHONPATH": str(helpers)})
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"Error (execution failed): [Transform] a Dask worker cannot import m.py (uploaded " \
        f"from {tmp_path / 'm.py'}): ModuleNotFoundError: No module named 'house_helpers'." \
        in result.stderr
    assert "fix: install what it imports on every worker host, or make it part of the module " \
        "file's folder" in result.stderr
    assert "Traceback" not in result.stderr
    Store(tmp_path / "root" / "metadata.sqlite").assert_closed("dask-faults", "Transform",
                                                               "FAILED")


def test_an_error_in_preprocessing_fn_reads_as_it_does_locally(tmp_path, dask_address):
    pipeline = _project(tmp_path, MODULE.replace('    return', '    raise ValueError("no")\n'
                                                 '    return'))
    dask = _tfpipe(pipeline, tmp_path / "dask", "--beam", _dask(dask_address))
    assert dask.returncode == 3, dask.stdout + dask.stderr
    # what the DirectRunner gives too (tests/bad_input/test_bad_input.py's user-code cases)
    assert dask.stderr.splitlines()[-3:] == [
        "Error (error in user code): [Transform] Transform failed in user code: ValueError: no",
        f"  at {tmp_path / 'm.py'}:5",
        "  fix: fix the code at the line shown above; --verbose shows the full traceback"]


def test_a_worker_killed_in_the_middle_of_transform_is_retried(tmp_path):
    """SIGKILL to a worker process while Transform's tasks run: Dask reruns its tasks on
    the worker that is left (its nanny starts a new one), and the node completes with
    every row; had it failed, it would be FAILED with no output recorded."""
    from ..conftest import TaskNames
    from distributed.diagnostics.plugin import SchedulerPlugin

    pipeline = _project(tmp_path)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        names = type("Recorder", (TaskNames, SchedulerPlugin), {})()
        cluster.scheduler.add_plugin(names)
        with distributed.Client(cluster) as client:
            pids = client.run(os.getpid)
        run = _tfpipe(pipeline, tmp_path / "root", "--beam", _dask(cluster.scheduler_address),
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 300
        while not any(n.startswith("Transform/") for n in names.names):
            assert run.poll() is None and time.monotonic() < deadline, "Transform never ran"
            time.sleep(0.05)
        victim = sorted(pids.values())[0]
        os.kill(victim, signal.SIGKILL)
        out, err = run.communicate(timeout=600)
    store = Store(tmp_path / "root" / "metadata.sqlite")
    assert "Traceback" not in err
    if run.returncode == 0:
        [execution] = store.executions("dask-faults", "Transform")
        assert store.state(execution) == "COMPLETE"
        [examples] = [a for a in store.outputs(execution.id) if "transformed_examples" in a.uri]
        assert store.artifact_state(examples) == "LIVE"
        from ..beam.compare import examples as read_examples
        assert sum(len(rows) for rows in read_examples(examples.uri).values()) == 334
    else:
        assert run.returncode == 3, out + err
        assert "[Transform] Dask workers died running a task of this node" in err
        store.assert_closed("dask-faults", "Transform", "FAILED")
