"""``tfpipe run --watch``: a run whenever a span lands, recorded with what triggered it.

The end-to-end tests run the real command as a process on a two-node pipeline
(CsvExampleGen over ``span-{SPAN}/*.csv``, StatisticsGen) and land spans while it
watches, atomically as ``pipelines/taxi_continuous/land.py`` does. The Watcher tests
drive the loop directly with a stand-in for the run and for the clock.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from tfpipe.compiler.ir import NodeIR, PipelineIR
from tfpipe.errors import DefinitionError
from tfpipe.runners import interrupts, supervise, watch

from .conftest import REPO, Store, heavy_imports_of, run_cli

PIPELINE = '''
import os
import tfpipe
from tfpipe.components import CsvExampleGen, StatisticsGen

HERE = os.path.dirname(os.path.abspath(__file__))


def create_pipeline():
    gen = CsvExampleGen(input_base=os.path.join(HERE, "landing"),
                        input_pattern="span-{SPAN}/*.csv")
    stats = StatisticsGen(examples=gen.outputs["examples"])
    return tfpipe.Pipeline("watched", os.path.join(HERE, "root"), [gen, stats])
'''
GOOD = "fare,company\n1.5,a\n2.5,b\n3.5,a\n4.5,c\n5.5,b\n"
MALFORMED = "fare,company\n1.5,a\n2.5,b,extra\n"


def _land(base: Path, folder: str, text: str, name: str = "data.csv") -> None:
    """Write the span beside its place, then rename it in: a watcher never sees half."""
    staging = base / f".landing-{folder.replace('/', '-')}"
    staging.mkdir(parents=True)
    (staging / name).write_text(text)
    (base / folder).parent.mkdir(parents=True, exist_ok=True)
    os.rename(staging, base / folder)


class Watching:
    """``tfpipe run --watch`` as a process; its output collected in files."""

    def __init__(self, tmp: Path, *args: str):
        (tmp / "pipeline.py").write_text(PIPELINE)
        self.tmp = tmp
        self.out, self.err = tmp / "stdout.txt", tmp / "stderr.txt"
        # Ctrl-C must reach it even when the tests run where SIGINT is ignored (a job
        # started in the background), as it does in a terminal.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tfpipe.cli", "run", "--watch", "--interval", "1", *args,
             str(tmp / "pipeline.py")], cwd=REPO, stdout=self.out.open("w"),
            stderr=self.err.open("w"), env={**os.environ, "PYTHONUNBUFFERED": "1",
                                            "PYTHONWARNINGS": "ignore"},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            start_new_session=True)  # its own process group, as a terminal's foreground job

    @property
    def output(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def wait_for(self, text: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.output}"
            assert time.monotonic() < deadline, f"no {text!r} after {timeout}s:\n{self.output}"
            time.sleep(0.2)

    def exit_code(self, timeout: float = 300) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"still watching after {timeout}s:\n{self.output}") from None

    def runs(self) -> list[dict]:
        result = run_cli("runs", "--json", "--pipeline-root", str(self.tmp / "root"))
        return json.loads(result.stdout) if result.returncode == 0 else []

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def watching(tmp_path):
    started = []

    def start(*args: str) -> Watching:
        started.append(Watching(tmp_path, *args))
        return started[-1]

    yield start
    for process in started:
        process.stop()


@pytest.mark.slow
def test_once_runs_when_the_next_span_lands_and_records_the_trigger(watching, tmp_path):
    _land(tmp_path / "landing", "span-1", GOOD)  # already there: --once does not run it
    watcher = watching("--once")
    watcher.wait_for("latest: span 1")
    _land(tmp_path / "landing", "span-2", GOOD)
    assert watcher.exit_code() == 0, watcher.output
    assert "→ span 2 landed: starting a run" in watcher.output

    [run] = watcher.runs()
    assert run["trigger"] == "span 2 landed" and run["state"] == "COMPLETE"
    assert {n["state"] for n in run["nodes"].values()} == {"COMPLETE"}
    store = Store(tmp_path / "root" / "metadata.sqlite")
    [execution] = store.executions("watched", "CsvExampleGen")
    [examples] = store.outputs(execution.id)
    assert examples.properties["span"].int_value == 2
    table = run_cli("runs", "--pipeline-root", str(tmp_path / "root")).stdout
    assert table.splitlines()[0].split()[-1] == "TRIGGER"
    assert table.rstrip().endswith("span 2 landed")


@pytest.mark.slow
def test_a_failed_run_does_not_stop_the_watch_and_ctrl_c_stops_it(watching, tmp_path):
    watcher = watching()
    watcher.wait_for("no span yet, waiting for the first")
    _land(tmp_path / "landing", "span-1", MALFORMED)
    watcher.wait_for("whose run failed")
    assert "Error (bad input data): [CsvExampleGen] data.csv line 3: a row has 3 columns but the " \
           "header has 2" in watcher.output
    _land(tmp_path / "landing", "span-2", GOOD)
    deadline = time.monotonic() + 300
    while not any(r["trigger"] == "span 2 landed" and r["state"] == "COMPLETE"
                  for r in watcher.runs()):
        assert watcher.proc.poll() is None and time.monotonic() < deadline, watcher.output
        time.sleep(1)
    watcher.wait_for("Watching for the next span (latest: span 2;")  # between runs

    watcher.proc.send_signal(signal.SIGINT)
    assert watcher.exit_code(60) == 130, watcher.output
    assert "stopped watching pipeline watched (Ctrl-C) after 2 run(s); no run was " \
           "interrupted" in watcher.output
    assert "Traceback" not in watcher.output and "Interrupted." not in watcher.output
    assert [(r["trigger"], r["state"]) for r in watcher.runs()] == [
        ("span 1 landed", "FAILED"), ("span 2 landed", "COMPLETE")]


@pytest.mark.slow
def test_ctrl_c_during_a_run_stops_both_and_the_next_run_redoes_the_node(watching, tmp_path):
    _land(tmp_path / "landing", "span-1", GOOD)
    watcher = watching()
    watcher.wait_for("→ watch started (span 1): starting a run")
    watcher.wait_for("▶ StatisticsGen")
    os.killpg(watcher.proc.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's whole job
    assert watcher.exit_code(120) == 130, watcher.output
    assert "Interrupted. The nodes that were running are CANCELED" in watcher.output
    assert "Traceback" not in watcher.output
    [run] = watcher.runs()
    assert run["trigger"] == "watch started (span 1)"
    assert run["nodes"]["CsvExampleGen"]["state"] == "COMPLETE"
    assert run["nodes"]["StatisticsGen"]["state"] == "CANCELED"
    assert run["state"] == "CANCELED"
    again = run_cli("run", str(tmp_path / "pipeline.py"))
    assert again.returncode == 0, again.stderr
    assert "CsvExampleGen" in again.stdout and "reused from cache" in again.stdout


# The loop itself, with a stand-in run and clock: no TensorFlow, milliseconds.

def _ir(tmp: Path, pattern: str = "span-{SPAN}/v{VERSION}/*.csv", **more) -> PipelineIR:
    params = {"input_base": str(tmp / "in"), "input_pattern": pattern, **more}
    return PipelineIR("p", str(tmp / "root"), str(tmp / "m.sqlite"),
                      (NodeIR("gen", "CsvExampleGen", "x:y", parameters=params),))


INTERVAL = 5


class Script:
    """The clock of a Watcher: each wait of a whole interval does the next step (lands
    files...); once the steps are done, Ctrl-C."""

    def __init__(self, *steps):
        self.steps = list(steps)

    def __call__(self, seconds: float) -> None:
        if seconds < INTERVAL:  # the short wait that checks a change has settled
            return
        if not self.steps:
            raise KeyboardInterrupt
        self.steps.pop(0)()


def _watcher(ir, script, once=False, fail=()):
    said, triggers = [], []

    def run(trigger):
        triggers.append(trigger)
        return 3 if trigger in fail else 0

    watcher = watch.Watcher(ir, run, interval=INTERVAL, once=once, say=said.append,
                            sleep=script)
    return watcher, said, triggers


def test_each_trigger_names_what_changed_and_failures_do_not_stop(tmp_path):
    base = tmp_path / "in"
    _land(base, "span-1/v0", GOOD)
    steps = Script(lambda: _land(base, "span-1/v1", MALFORMED),
                   lambda: (base / "span-1" / "v1" / "data.csv").write_text(GOOD),
                   lambda: None,  # nothing new: no run
                   lambda: _land(base, "span-2/v0", GOOD))
    watcher, said, triggers = _watcher(_ir(tmp_path), steps,
                                       fail=("span 1 version 1 landed",))
    assert watcher.watch() == 130
    assert triggers == ["watch started (span 1)", "span 1 version 1 landed",
                        "span 1 version 1 changed", "span 2 landed"]
    assert [click.unstyle(line) for line in said if "failed (exit code" in line] == [
        "✘ the run for span 1 version 1 landed failed (exit code 3); the error is above"]
    assert any("whose run failed" in line for line in said)
    assert "stopped watching pipeline p (Ctrl-C) after 4 run(s)" in said[-1]


def test_once_waits_for_the_first_span_and_returns_the_run_exit_code(tmp_path):
    base = tmp_path / "in"
    steps = Script(lambda: None, lambda: _land(base, "span-3/v0", GOOD))
    watcher, said, triggers = _watcher(_ir(tmp_path), steps, once=True,
                                       fail=("span 3 landed",))
    assert watcher.watch() == 3  # the run's exit code
    assert triggers == ["span 3 landed"]
    assert "no span yet, waiting for the first" in said[0]


def test_data_that_cannot_be_read_as_spans_is_waited_on_not_run(tmp_path):
    base = tmp_path / "in"
    _land(base, "span-1/v0", GOOD)
    _land(base, "span-01/v0", GOOD)
    steps = Script(lambda: os.rename(base / "span-01", base / ".old"))
    watcher, said, triggers = _watcher(_ir(tmp_path), steps)
    assert watcher.watch() == 130
    assert "waiting: [gen] two folders claim span 1" in said[0]
    assert triggers == ["span 1 landed"]


def test_sigterm_stops_the_watch(tmp_path):
    _land(tmp_path / "in", "span-1/v0", GOOD)

    def sigterm(seconds):
        raise interrupts.Terminated()
    watcher, said, triggers = _watcher(_ir(tmp_path), sigterm)
    assert watcher.watch() == 130 and triggers == []
    assert "stopped watching pipeline p (SIGTERM) after 0 run(s)" in said[-1]


def test_sigterm_during_a_run_reaches_the_run(tmp_path):
    """SIGTERM to the watch is passed on to the run, which stops as `tfpipe run` does
    (its handler runs), then the interrupt goes on and ends the watch."""
    marker = tmp_path / "interrupted"
    child = ("import time, pathlib\nfrom tfpipe.runners.interrupts import stop_signals_raise\n"
             "try:\n    with stop_signals_raise():\n        time.sleep(60)\n"
             "except KeyboardInterrupt:\n"
             f"    pathlib.Path({str(marker)!r}).write_text('stopped cleanly')\n"
             "    raise SystemExit(130)\n")

    def run(trigger):
        return supervise.run_supervised([sys.executable, "-c", child, "run"],
                                        raise_interrupt=True)
    started = time.monotonic()

    def alarm(signum, frame):
        raise interrupts.Terminated()
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, 2)
    try:
        with pytest.raises(interrupts.Terminated):
            run("span 1 landed")
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert marker.read_text() == "stopped cleanly"
    assert time.monotonic() - started < 30


def test_nothing_to_watch_is_a_definition_error(tmp_path):
    with pytest.raises(DefinitionError, match=r"nothing to watch in pipeline p: gen reads "
                                              r"input_pattern '\*.csv', with no span in it"):
        watch.targets(_ir(tmp_path, "*.csv"))
    with pytest.raises(DefinitionError, match=r"unknown placeholder\(s\) \{SPAM\}"):
        watch.targets(_ir(tmp_path, "span-{SPAM}/*.csv"))


def test_watching_imports_neither_tensorflow_nor_beam(tmp_path):
    ir = _ir(tmp_path)
    assert heavy_imports_of("from tfpipe.compiler.ir import PipelineIR; import tfpipe.cli; "
                            "from tfpipe.runners import watch; "
                            f"ir = PipelineIR.from_json({ir.to_json()!r}); "
                            "watch.look(watch.targets(ir))") == []
