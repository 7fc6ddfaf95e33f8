"""Warm Beam workers: a run's multi-process Beam workers are forked from its zygote, and
no process of the run outlives it, even when the run's process is SIGKILLed."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tfpipe.beam import warm_workers

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELLED = os.path.join(REPO, "pipelines", "penguin", "data", "labelled")
PIPELINE = textwrap.dedent(f'''
    import tfpipe
    from tfpipe.components import CsvExampleGen, StatisticsGen

    def create_pipeline(root):
        example_gen = CsvExampleGen(input_base={LABELLED!r})
        statistics_gen = StatisticsGen(examples=example_gen.outputs["examples"])
        return tfpipe.Pipeline("warm", root, [example_gen, statistics_gen],
                               beam_pipeline_args=["--direct_running_mode=multi_processing",
                                                   "--direct_num_workers=2"])
''')


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting to be reaped does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _entries(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _processes(entries: list[dict]) -> list[int]:
    """The zygote, workers and clients the log names."""
    return [pid for e in entries for key in ("zygote", "worker", "client") if (pid := e.get(key))]


def _left(entries: list[dict], within: float = 10.0) -> list[int]:
    deadline = time.monotonic() + within
    while True:
        left = [pid for pid in _processes(entries) if _alive(pid)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.fixture
def run(tmp_path):
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    log = tmp_path / "warm.jsonl"

    def start() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "tfpipe.cli", "run", str(tmp_path / "pipeline.py"), "-p",
             f"root={tmp_path / 'root'}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env={**os.environ, warm_workers.LOG_ENV: str(log)},
            start_new_session=True)  # a process group of its own, as in a terminal
    return start, log


def _wait_for_a_worker(run: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 240
    while not any("worker" in e for e in _entries(log)):  # a Beam pipeline is running
        assert run.poll() is None and time.monotonic() < deadline, run.stdout.read()
        time.sleep(0.05)


@pytest.mark.slow
def test_a_sigkilled_run_leaves_no_zygote_worker_or_client_and_the_rerun_forks_its_own(run):
    start, log = run
    first = start()
    _wait_for_a_worker(first, log)
    (zygote,) = [e for e in _entries(log) if "zygote" in e]
    os.kill(zygote["run"], signal.SIGKILL)  # the run's process, not its `tfpipe run` parent
    out, _ = first.communicate(timeout=120)
    assert first.returncode == 3, out
    assert "the run's process died" in out
    killed = _entries(log)
    assert not _left(killed), "the zygote, its workers and their clients die with the run"

    log.unlink()
    second = start()
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    entries = _entries(log)
    zygotes = [e["zygote"] for e in entries if "zygote" in e]
    workers = [e for e in entries if "worker" in e]
    assert len(zygotes) == 1 and zygotes[0] not in _processes(killed)
    assert len(workers) >= 2 * 2, "two workers for each of the two Beam pipelines"
    assert {w["parent"] for w in workers} == set(zygotes)
    assert not _left(entries, within=0), "nothing of the run is left after it ended"
    chatter = [line for line in out.splitlines() if "Warning" in line or "warn(" in line
               or line.startswith(("INFO:", "WARNING:")) or " tensorflow/" in line]
    assert not chatter, "the zygote and its workers keep the libraries quiet, as the run does"


@pytest.mark.slow
def test_ctrl_c_stops_the_run_and_leaves_no_zygote_worker_or_client(run):
    start, log = run
    interrupted = start()
    _wait_for_a_worker(interrupted, log)
    os.killpg(interrupted.pid, signal.SIGINT)  # Ctrl-C: the terminal's process group
    out, _ = interrupted.communicate(timeout=120)
    assert interrupted.returncode == 130, out
    assert not _left(_entries(log)), "the zygote, its workers and their clients end with it"


def test_a_node_has_the_zygote_import_what_its_workers_need(tmp_path, monkeypatch):
    """As the Evaluator does with TFMA: named when the node starts, imported by the
    zygote (a module that does not import is left to the workers, which will say why)."""
    log = tmp_path / "warm.jsonl"
    monkeypatch.setenv(warm_workers.LOG_ENV, str(log))
    try:
        warm_workers.prepare(["--direct_running_mode=multi_processing"],
                             ("tensorflow_model_analysis", "no_such_module"))
        deadline = time.monotonic() + 240
        while not any("zygote_preloaded" in e for e in _entries(log)):
            assert time.monotonic() < deadline, _entries(log)
            time.sleep(0.1)
    finally:
        warm_workers.stop()
    entries = _entries(log)
    [preloaded] = [e for e in entries if "zygote_preloaded" in e]
    assert preloaded["zygote_preloaded"] == ["tensorflow_model_analysis"]
    assert not _left(entries), "stop() ends the zygote"


def test_the_worker_command_is_a_light_client():
    """The command Beam runs for a worker is this module run by path, isolated and
    without site-packages: it starts in milliseconds and imports no tfpipe."""
    path = warm_workers.__file__
    started = time.monotonic()
    probe = subprocess.run(
        [sys.executable, "-I", "-S", "-c",
         f"import runpy, sys; sys.argv = [{path!r}]; "
         f"g = runpy.run_path({path!r}, run_name='probe'); "
         "print(sorted(m for m in sys.modules if m.split('.')[0] in "
         "('tfpipe', 'apache_beam', 'tensorflow', 'grpc')))"],
        capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "[]"
    assert time.monotonic() - started < 2


def test_without_a_zygote_the_client_runs_beams_own_worker(tmp_path):
    """A client that cannot reach its zygote execs Beam's worker command (which, without
    a runner to talk to, fails at once for want of CONTROL_API_SERVICE_DESCRIPTOR)."""
    client = subprocess.run(
        [sys.executable, "-I", "-S", warm_workers.__file__, str(tmp_path / "no.sock")],
        capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if "SERVICE_DESCRIPTOR" not in k})
    assert client.returncode != 0
    assert "CONTROL_API_SERVICE_DESCRIPTOR" in client.stderr, client.stderr[-2000:]
