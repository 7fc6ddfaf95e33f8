"""One penguin project for the client and UI tests: run up to ExampleValidator, then
run in full while ``tfpipe ui`` serves its store and Chromium watches the run page.

Session-scoped: the full run (one model trained) is done once; every test reads the
store it leaves (two runs: the data-only one and the full one, mostly cache hits up to
ExampleValidator)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .. import browser
from ..conftest import REPO
from ..user_project import project

URL = re.compile(r"at (http://\S+/)")


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    stderr: Path


def start_ui(*args: str, log: Path) -> Server:
    """``tfpipe ui ARGS --port 0`` as a user starts it; waits for the URL it prints."""
    with open(log, "w") as err:  # the server keeps its own copy of the file
        process = subprocess.Popen([sys.executable, "-m", "tfpipe.cli", "ui", "--port", "0",
                                    *args], cwd=REPO, stdout=subprocess.PIPE, stderr=err,
                                   text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    line = process.stdout.readline()
    found = URL.search(line)
    if not found:
        process.kill()
        raise AssertionError(f"tfpipe ui did not start: {line}{log.read_text()}")
    return Server(found.group(1), process, log)


def stop(server: Server) -> None:
    """SIGTERM, as a service manager stops it: it exits 0."""
    server.process.terminate()
    assert server.process.wait(timeout=30) == 0, server.stderr.read_text()
    server.process.stdout.close()


@dataclass
class LiveRun:
    root: Path  # the pipeline root
    run_id: str  # the full run, watched while it ran
    first_run_id: str  # the data-only run before it
    exit_code: int
    seen: list[dict] = field(default_factory=list)  # {node: state} as the page showed them
    reloaded: bool = False  # the page was reloaded while watching
    errors: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)


NODE_STATES = "Object.fromEntries([...document.querySelectorAll('#run g.node')]" \
              ".map(g => [g.dataset.node, g.dataset.state]))"


def _new_run(root: Path, known: str, timeout: float = 300) -> str:
    from tfpipe import Client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = Client(pipeline_root=str(root)).runs()
        if runs and runs[0].run_id != known:
            return runs[0].run_id
        time.sleep(0.2)
    raise AssertionError("the run never appeared in the store")


@pytest.fixture(scope="session")
def ui_project(tmp_path_factory) -> Path:
    """A project of its own (the full run below must not change the shared data-only
    project other modules read): ``tfpipe init``, ``tfpipe run --to-node
    ExampleValidator``."""
    return project(tmp_path_factory, "ui-penguin", run_args=("--to-node", "ExampleValidator"))


@pytest.fixture(scope="session")
def server(ui_project, tmp_path_factory):
    found = start_ui("--pipeline-root", str(ui_project / "tfpipe_output"),
                     log=tmp_path_factory.getbasetemp() / "ui-server.log")
    yield found
    stop(found)


@pytest.fixture(scope="session")
def live(ui_project, server, tmp_path_factory) -> LiveRun:
    """The full run, started with the UI up; Chromium keeps the run page open (no
    reload) and records the node states it shows every 0.3 s until the run ends."""
    from tfpipe import Client

    root = ui_project / "tfpipe_output"
    first = Client(pipeline_root=str(root)).runs()[0].run_id
    log = tmp_path_factory.getbasetemp() / "ui-live-run.log"
    with open(log, "w") as out:
        run = subprocess.Popen([sys.executable, "-m", "tfpipe.cli", "run", "pipeline.py"],
                               cwd=ui_project, stdout=out, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"})
        run_id = _new_run(root, first)
        found = LiveRun(root, run_id, first, -1)
        if browser.available():
            with browser.tab(str(tmp_path_factory.mktemp("chromium-live"))) as page:
                page.navigate(f"{server.url}runs/{run_id}")
                page.evaluate("window.notReloaded = true")
                deadline = time.monotonic() + 900
                while time.monotonic() < deadline:
                    found.seen.append(page.evaluate(NODE_STATES))
                    if run.poll() is not None and \
                            page.evaluate("document.getElementById('run').dataset.live") \
                            == "false":
                        break
                    page.pump(0.3)
                found.reloaded = not page.evaluate("window.notReloaded === true")
                collected = page.collect()
                found.errors, found.remote = collected.errors, collected.requests
        found.exit_code = run.wait(timeout=900)
    assert found.exit_code == 0, log.read_text()
    return found
