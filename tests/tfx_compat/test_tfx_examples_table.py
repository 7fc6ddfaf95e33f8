"""The table of TFX's example pipelines in docs/from-tfx.md is what the observations in
tfx_examples_observed.json say, and they are what tfpipe does now: re-observed from a TFX
source snapshot where one is at hand, and from ../shared/tfx_examples (in CI too)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO
from . import observed
from .observe_tfx_examples import SNAPSHOT
from .render_from_tfx_table import DOC, rendered_doc

SCRIPT = Path(__file__).with_name("observe_tfx_examples.py")
SHARED = Path(os.environ.get("TFX_EXAMPLES_DIR", REPO.parent / "shared" / "tfx_examples"))


def _without_runs(observations: dict) -> dict:
    return {e: {k: v for k, v in row.items() if k != "run"}
            for e, row in observations["pipelines"].items()}


def _observe(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "observed.json"
    result = subprocess.run([sys.executable, str(SCRIPT), *args, "-o", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(out.read_text())


def test_the_docs_table_is_rendered_from_the_observations():
    doc = DOC.read_text()
    assert doc == rendered_doc(doc, observed.load()), \
        "docs/from-tfx.md is out of date: python tests/tfx_compat/render_from_tfx_table.py"


def test_the_observations_cover_the_examples_that_were_run():
    rows = observed.load()["pipelines"]
    for example in ("chicago_taxi_pipeline/taxi_pipeline_native_keras.py",
                    "penguin/penguin_pipeline_local.py", "mnist/mnist_pipeline_native_keras.py"):
        assert "run" in rows[example], f"no recorded run of {example}"


@pytest.mark.skipif(not (SNAPSHOT / ".git").exists() and not (SNAPSHOT / "HEAD").exists(),
                    reason=f"no TFX source snapshot at {SNAPSHOT} (TFX_SNAPSHOT); the "
                    "checked-in observations of the files outside ../shared stand")
def test_every_example_pipeline_does_what_the_table_says(tmp_path):
    fresh = _observe(tmp_path, str(SNAPSHOT))
    recorded = observed.load()
    assert fresh["snapshot"] == recorded["snapshot"]
    assert fresh["excluded"] == recorded["excluded"]
    assert _without_runs(fresh) == _without_runs(recorded), \
        "re-observe: python tests/tfx_compat/observe_tfx_examples.py, then render the table"


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"TFX's example files are not at {SHARED} "
                    "(../shared/tfx_examples beside the checkout, or TFX_EXAMPLES_DIR)")
def test_the_shared_examples_do_what_the_table_says(tmp_path):
    fresh = _without_runs(_observe(tmp_path, "--shared", str(SHARED)))
    recorded = _without_runs(observed.load())
    assert sorted(fresh) == ["chicago_taxi_pipeline/taxi_pipeline_native_keras.py",
                             "mnist/mnist_pipeline_native_keras.py",
                             "penguin/penguin_pipeline_local.py"]
    assert fresh == {e: recorded[e] for e in fresh}
