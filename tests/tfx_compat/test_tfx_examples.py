"""TFX's penguin and MNIST examples (``../shared/tfx_examples``), unmodified, run end to
end by ``tfpipe run``. The only intervention is HOME, a scratch folder laid out as each
pipeline file expects (``~/penguin/``, ``~/mnist/``). One run of each is shared by its
tests; each run's outcome is the row docs/from-tfx.md shows for it (observed.py)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..components.test_bulk_inferrer import prediction_logs
from ..conftest import REPO, Store, run_cli
from . import observed

EXAMPLES = Path(os.environ.get("TFX_EXAMPLES_DIR", REPO.parent / "shared" / "tfx_examples"))

PENGUIN = EXAMPLES / "penguin"
PENGUIN_PIPELINE = PENGUIN / "penguin_pipeline_local.py"
PENGUIN_NAME = "penguin_local_keras"  # f'penguin_local_{flags.FLAGS.model_framework}'
PENGUIN_NODES = ["CsvExampleGen", "StatisticsGen", "SchemaGen", "transform_cache_resolver",
                 "Transform", "Tuner", "Trainer", "latest_blessed_model_resolver", "Evaluator",
                 "Pusher", "CsvExampleGen_Unlabelled", "BulkInferrer"]

MNIST = EXAMPLES / "mnist"
MNIST_PIPELINE = MNIST / "mnist_pipeline_native_keras.py"
MNIST_NAME = "mnist_native_keras"
MNIST_NODES = ["ImportExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator",
               "Transform", "Trainer.mnist", "Evaluator.mnist", "Pusher.mnist"]


def _absent(path: Path) -> str:
    return (f"TFX's example {path.name} is not at {path.parent} (../shared/tfx_examples beside "
            "the checkout, or TFX_EXAMPLES_DIR)")


def _lay_out(home: Path, example: Path, pipeline: Path) -> None:
    """``~/<example>/`` holds the example's data and module files, as its pipeline file
    expects; the pipeline file itself sits in HOME. All byte for byte TFX's."""
    shutil.copytree(example, home / example.name, ignore=shutil.ignore_patterns(pipeline.name))
    shutil.copy(pipeline, home / pipeline.name)


def _unchanged(home: Path, example: Path, pipeline: Path) -> list[str]:
    """The files in HOME that are no longer byte for byte TFX's."""
    copies = {home / pipeline.name: pipeline}
    copies.update({home / example.name / p.relative_to(example): p for p in example.rglob("*")
                   if p.is_file() and p != pipeline})
    return [str(c) for c, original in copies.items() if c.read_bytes() != original.read_bytes()]


def _run(tmp_path_factory, example: Path, pipeline: Path, name: str, nodes: list[str]) -> dict:
    """One ``tfpipe run`` of the example, unmodified, with HOME a scratch folder."""
    if not pipeline.is_file():
        pytest.skip(_absent(pipeline))
    home = tmp_path_factory.mktemp("home")
    _lay_out(home, example, pipeline)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        result = run_cli("run", str(home / pipeline.name), cwd=home, timeout=2400)
    serving = home / example.name / "serving_model" / name
    pushed = sorted(serving.iterdir()) if serving.is_dir() else []
    return {"home": home, "result": result, "pushed": pushed,
            "store": home / "tfx" / "metadata" / name / "metadata.db",
            "observation": observed.run_observation(
                result.returncode, result.stdout + result.stderr, home, len(nodes),
                f"~/{example.name}/serving_model/{name}/")}


@pytest.fixture(scope="module")
def penguin(tmp_path_factory) -> dict:
    return _run(tmp_path_factory, PENGUIN, PENGUIN_PIPELINE, PENGUIN_NAME, PENGUIN_NODES)


@pytest.fixture(scope="module")
def mnist(tmp_path_factory) -> dict:
    return _run(tmp_path_factory, MNIST, MNIST_PIPELINE, MNIST_NAME, MNIST_NODES)


def _assert_finished(run: dict, name: str) -> None:
    result = run["result"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"✔ pipeline {name} finished" in result.stdout


def _assert_pushed(run: dict) -> None:
    """One pushed version, a SavedModel, where TFX's Pusher puts it."""
    assert len(run["pushed"]) == 1 and (run["pushed"][0] / "saved_model.pb").is_file(), \
        run["pushed"]


# -- penguin -------------------------------------------------------------------------------
@pytest.mark.slow
def test_penguin_runs_unchanged(penguin):
    _assert_finished(penguin, PENGUIN_NAME)
    assert _unchanged(penguin["home"], PENGUIN, PENGUIN_PIPELINE) == []
    store = Store(penguin["store"])
    for node in PENGUIN_NODES:
        assert [store.state(e) for e in store.executions(PENGUIN_NAME, node)] == ["COMPLETE"], \
            node


@pytest.mark.slow
def test_penguin_pushes_its_model_where_tfx_does(penguin):
    _assert_finished(penguin, PENGUIN_NAME)
    _assert_pushed(penguin)


@pytest.mark.slow
def test_penguin_tuner_trials_are_in_mlmd(penguin):
    _assert_finished(penguin, PENGUIN_NAME)
    store = Store(penguin["store"])
    [tuner] = store.executions(PENGUIN_NAME, "Tuner")
    [best] = [a for a in store.outputs(tuner.id) if "/best_hyperparameters/" in a.uri]
    # penguin_utils_keras.tuner_fn: RandomSearch, max_trials=6, over 2 x 3 choices.
    assert 1 <= best.custom_properties["trials"].int_value <= 6
    assert (Path(best.uri) / "best_hyperparameters.txt").is_file()
    [trainer] = store.executions(PENGUIN_NAME, "Trainer")
    assert best.id in {a.id for a in store.outputs(trainer.id, kinds=("INPUT",))}, \
        "the Trainer trained with the tuned hyperparameters"


@pytest.mark.slow
def test_penguin_bulk_inferences_are_in_mlmd(penguin):
    _assert_finished(penguin, PENGUIN_NAME)
    store = Store(penguin["store"])
    [inferrer] = store.executions(PENGUIN_NAME, "BulkInferrer")
    [result] = [a for a in store.outputs(inferrer.id) if "/inference_result/" in a.uri]
    assert store.store.get_artifact_types_by_id([result.type_id])[0].name == "InferenceResult"
    logs = prediction_logs(result.uri)
    rows = (PENGUIN / "data" / "unlabelled" / "penguins_unlabelled.csv").read_text().splitlines()
    assert len(logs) == len(rows) - 1, "one prediction per unlabelled penguin"
    assert all(log.WhichOneof("log_type") for log in logs)


@pytest.mark.slow
def test_penguin_row_of_the_docs_table_is_this_run(penguin):
    observed.check_run("penguin/penguin_pipeline_local.py", penguin["observation"])


# -- MNIST ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_mnist_runs_unchanged(mnist):
    _assert_finished(mnist, MNIST_NAME)
    assert _unchanged(mnist["home"], MNIST, MNIST_PIPELINE) == []
    store = Store(mnist["store"])
    for node in MNIST_NODES:
        assert [store.state(e) for e in store.executions(MNIST_NAME, node)] == ["COMPLETE"], node


@pytest.mark.slow
def test_mnist_pushes_its_model_where_tfx_does(mnist):
    _assert_finished(mnist, MNIST_NAME)
    _assert_pushed(mnist)


@pytest.mark.slow
def test_mnist_row_of_the_docs_table_is_this_run(mnist):
    observed.check_run("mnist/mnist_pipeline_native_keras.py", mnist["observation"])
