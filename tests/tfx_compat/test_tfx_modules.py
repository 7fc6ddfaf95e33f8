"""Every public module of TFX (``tfx_modules.txt``, generated from a TFX snapshot) is
either mapped onto tfpipe or refused with what to do instead, naming the line that
imported it."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import REPO
from . import list_tfx_modules

# Imports each listed module as a user's file would (``import <module>`` at line 1 of
# user_pipeline.py) and prints, per module, "mapped" or the error's message, fix and where.
PROBE = r"""
import json, sys
from tfpipe import tfx_imports
from tfpipe.errors import DefinitionError
seen = {}
with tfx_imports.enabled():
    for name in sys.argv[1:]:
        try:
            exec(compile(f"import {name}", "user_pipeline.py", "exec"), {"__name__": "user"})
            seen[name] = "mapped"
        except DefinitionError as exc:
            seen[name] = [exc.message, exc.fix, exc.where]
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def outcomes() -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, *list_tfx_modules.listed()],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_every_listed_module_is_mapped_or_refused_with_a_fix_and_its_line(outcomes):
    assert len(outcomes) == len(list_tfx_modules.listed()) > 500
    from tfpipe import tfx_imports

    for name, seen in outcomes.items():
        if seen == "mapped":
            continue
        message, fix, where = seen
        # the module, or its first package tfpipe does not map (where the import stops)
        refused = message.removeprefix("TFX's module ").removesuffix(" is not supported by tfpipe.")
        assert name == refused or name.startswith(refused + "."), (name, message)
        assert where == "user_pipeline.py:1", (name, where)
        instead = tfx_imports.instead_of(refused)
        assert instead and fix.startswith(instead), (name, fix)
        assert name.split(".")[1] == "v1" or instead != tfx_imports.AREAS.get("tfx.v1"), name


def test_what_pipelines_and_module_files_import_is_mapped(outcomes):
    mapped = {n for n, seen in outcomes.items() if seen == "mapped"}
    assert {"tfx.v1", "tfx.utils.proto_utils", "tfx.utils.io_utils", "tfx.utils.path_utils",
            "tfx.types.artifact_utils", "tfx.types.standard_artifacts",
            "tfx.dsl.components.base.executor_spec", "tfx.components.trainer.fn_args_utils",
            "tfx.orchestration.beam.beam_dag_runner", "tfx.dsl.io.fileio",
            "tfx.components.trainer.executor", "tfx.proto.example_gen_pb2"} <= mapped
    fixes = {n: seen[1] for n, seen in outcomes.items() if seen != "mapped"}
    assert "tfpipe compile" in fixes["tfx.orchestration.kubeflow"]
    assert "BigQuery" in fixes["tfx.extensions.google_cloud_big_query.example_gen.component"]
    assert "Airflow" in fixes["tfx.orchestration.airflow.airflow_dag_runner"]


@pytest.mark.skipif(not list_tfx_modules.SNAPSHOT.exists(), reason=(
    f"no TFX source snapshot at {list_tfx_modules.SNAPSHOT} (the search tool's mirror of "
    "github:tensorflow/tfx) to compare the checked-in list with"))
def test_the_checked_in_list_is_what_the_snapshot_gives():
    assert list_tfx_modules.LIST.read_text() == list_tfx_modules.render(
        *list_tfx_modules.tfx_modules())
