"""What the tests observed of TFX's example pipelines, kept in tfx_examples_observed.json
(the source of the table in docs/from-tfx.md). A real run's observation is checked
against the file; with TFPIPE_UPDATE_OBSERVED=1 set it is written into the file instead."""
from __future__ import annotations

import json
import os
from pathlib import Path

OBSERVED = Path(__file__).with_name("tfx_examples_observed.json")
UPDATE = "TFPIPE_UPDATE_OBSERVED"


def load() -> dict:
    return json.loads(OBSERVED.read_text())


def save(observed: dict) -> None:
    OBSERVED.write_text(json.dumps(observed, indent=1, sort_keys=True) + "\n")


def first_error(output: str, home: Path | str | None = None) -> str:
    """The first line of the error tfpipe printed (``Error (...): ...``), with the scratch
    HOME written as ``~``; the last line of the output when there is no such line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    line = next((x for x in lines if x.startswith("Error")), lines[-1] if lines else "")
    return line.replace(str(home), "~") if home else line


def run_observation(returncode: int, output: str, home: Path, nodes: int,
                    pushed_to: str) -> str:
    """How a ``tfpipe run`` of an example ended, in the words of the table."""
    if returncode != 0:
        return "stops: " + first_error(output, home)
    return f"runs end to end ({nodes} nodes), pushes to {pushed_to}"


def check_run(example: str, observation: str) -> None:
    """``observation`` is what tfx_examples_observed.json says of the run of ``example``
    (its path under tfx/examples); with TFPIPE_UPDATE_OBSERVED=1 it is recorded there."""
    observed = load()
    if os.environ.get(UPDATE):
        observed["pipelines"].setdefault(example, {})["run"] = observation
        save(observed)
    recorded = observed["pipelines"].get(example, {}).get("run")
    assert recorded == observation, (
        f"tfx_examples_observed.json says of the run of {example}: {recorded!r}; this run: "
        f"{observation!r}. Re-record with {UPDATE}=1, then re-render docs/from-tfx.md "
        "(python tests/tfx_compat/render_from_tfx_table.py)")
