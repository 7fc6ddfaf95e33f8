"""Shared fixtures: the repository's paths, running the CLI, reading MLMD."""
from __future__ import annotations

import ast
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PENGUIN = REPO / "pipelines" / "penguin"
TAXI = REPO / "pipelines" / "taxi"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def taxi_run(tmp_path_factory):
    """One run of the full taxi pipeline (a blessed, pushed model), shared by the tests
    that read it: (pipeline root, the `tfpipe run` result). Read it, never run into it."""
    root = tmp_path_factory.mktemp("taxi")
    result = run_cli("run", str(TAXI / "pipeline.py"), "-p", f"pipeline_root={root}")
    assert result.returncode == 0, result.stdout + result.stderr
    return root, result


@pytest.fixture(scope="session")
def penguin_run(tmp_path_factory):
    """One run of the penguin pipeline from the command line, shared like ``taxi_run``
    (tests/test_run_penguin.py runs into it again; its first pushed version stays)."""
    root = tmp_path_factory.mktemp("penguin")
    result = run_cli("run", str(PENGUIN / "pipeline.py"), "-p", f"pipeline_root={root}")
    assert result.returncode == 0, result.stdout + result.stderr
    return root, result


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the tfpipe command as a user would, capturing its output."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "tfpipe.cli", *args], cwd=cwd or REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def heavy_imports_of(code: str) -> list[str]:
    """Which of TensorFlow and Beam a fresh Python imports running ``code``."""
    check = "; import sys; print(sorted(m for m in ('tensorflow', 'apache_beam') " \
            "if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code + check], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return ast.literal_eval(result.stdout.strip().splitlines()[-1])


class Store:
    """A read-only view of an MLMD store for assertions."""

    def __init__(self, path: Path):
        from ml_metadata.metadata_store import metadata_store
        from ml_metadata.proto import metadata_store_pb2 as pb

        config = pb.ConnectionConfig()
        config.sqlite.filename_uri = str(path)
        config.sqlite.connection_mode = config.sqlite.READONLY
        self.pb = pb
        self.store = metadata_store.MetadataStore(config)

    def executions(self, pipeline: str, node: str) -> list:
        ctx = self.store.get_context_by_type_and_name("node", f"{pipeline}.{node}")
        return [] if ctx is None else sorted(self.store.get_executions_by_context(ctx.id),
                                             key=lambda e: e.id)

    def state(self, execution) -> str:
        return self.pb.Execution.State.Name(execution.last_known_state)

    def outputs(self, execution_id: int, kinds=("OUTPUT",)) -> list:
        events = [e for e in self.store.get_events_by_execution_ids([execution_id])
                  if self.pb.Event.Type.Name(e.type) in kinds]
        return self.store.get_artifacts_by_id([e.artifact_id for e in events])

    def artifact_state(self, artifact) -> str:
        return self.pb.Artifact.State.Name(artifact.state)

    def assert_closed(self, pipeline: str, node: str, state: str):
        """The node's one execution ended in ``state`` with no output recorded, its
        pending outputs ABANDONED and their folders removed. Returns the execution."""
        import os

        [execution] = self.executions(pipeline, node)
        assert self.state(execution) == state
        assert self.outputs(execution.id) == []
        for pending in self.outputs(execution.id, kinds=("PENDING_OUTPUT",)):
            assert self.artifact_state(pending) == "ABANDONED"
            assert not os.path.exists(pending.uri), "half-written files were removed"
        return execution


GOLDEN = REPO / "tests" / "golden"
UPDATE_GOLDENS = "TFPIPE_UPDATE_GOLDENS"


def assert_matches_golden(text: str, name: str) -> None:
    """``text`` equals the golden file ``tests/golden/<name>``; with
    TFPIPE_UPDATE_GOLDENS=1 set, the golden file is rewritten instead."""
    golden = GOLDEN / name
    if os.environ.get(UPDATE_GOLDENS):
        golden.write_text(text)
    assert text == golden.read_text(), f"{name} changed; if intended, regenerate it with " \
                                       f"{UPDATE_GOLDENS}=1"


# A real dask.distributed cluster of worker processes, shared by the Dask tests, and a
# record of the tasks its scheduler saw.
class TaskNames:
    """A scheduler plugin: the name of every task that finished on the cluster."""

    name = "tfpipe-test-task-names"

    def __init__(self):
        self.names: list[str] = []

    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "memory":
            self.names.append(key[0] if isinstance(key, tuple) else str(key))


@pytest.fixture(scope="session")
def dask_cluster():
    """A LocalCluster of 2 worker processes (one thread each), as `dask worker` runs them."""
    distributed = pytest.importorskip("distributed")
    from distributed.diagnostics.plugin import SchedulerPlugin

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    plugin = type("Recorder", (TaskNames, SchedulerPlugin), {})()
    cluster.scheduler.add_plugin(plugin)
    cluster.task_names = plugin.names
    yield cluster
    cluster.close()


@pytest.fixture(scope="session")
def dask_address(dask_cluster) -> str:
    return dask_cluster.scheduler_address
