"""LatestBlessedModelResolver: no baseline on the first run, then the latest blessed model."""
from __future__ import annotations

import os

import pytest

import tfpipe
from tfpipe.components import Evaluator, LatestBlessedModelResolver, Pusher
from tfpipe.components.resolver import latest_blessed_model
from tfpipe.metadata.store import connect

from ..conftest import Store
from .evaluation_helpers import PenguinExamples, PenguinModel
from .test_evaluator import eval_config

NAME = "resolver-test"


def pipeline(root, steps: int) -> tfpipe.Pipeline:
    """examples, a model trained ``steps`` steps, evaluated against the latest blessed
    model, pushed if blessed."""
    examples = PenguinExamples()
    trainer = PenguinModel(steps=steps).with_id("trainer")
    latest = LatestBlessedModelResolver().with_id("latest_blessed_model")
    evaluator = Evaluator(examples=examples.outputs["examples"],
                          model=trainer.outputs["model"],
                          baseline_model=latest.outputs["model"],
                          eval_config=eval_config(value=0.8, change=True))
    pusher = Pusher(model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
                    push_destination=str(root / "serving"))
    return tfpipe.Pipeline(name=NAME, pipeline_root=str(root),
                           components=[examples, trainer, latest, evaluator, pusher])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run 1 and 2: the same good model. Run 3: an untrained one."""
    root = tmp_path_factory.mktemp("resolver")
    results = [tfpipe.run_pipeline(pipeline(root, steps), quiet=True) for steps in (100, 100, 0)]
    return root, results


def input_ids(root, execution_id: int, key: str) -> list[int]:
    store = Store(root / "metadata.sqlite")
    return [e.artifact_id for e in store.store.get_events_by_execution_ids([execution_id])
            if e.type == store.pb.Event.INPUT and e.path.steps[0].key == key]


def test_the_first_run_has_no_baseline_and_blesses_by_value_thresholds(runs):
    root, (first, _, _) = runs
    resolved = first.results["latest_blessed_model"]
    assert resolved.status == "ran" and resolved.outputs == {}
    assert Store(root / "metadata.sqlite").outputs(resolved.execution_id) == []
    evaluator = first.results["Evaluator"]
    assert input_ids(root, evaluator.execution_id, "baseline_model") == []
    blessing = evaluator.outputs["blessing"]
    assert blessing.custom_properties["blessed"] == 1
    assert "change thresholds skipped" in blessing.custom_properties["reason"]
    assert first.results["Pusher"].outputs["pushed_model"].custom_properties["pushed"] == 1


def test_the_next_run_gets_the_latest_blessed_model_as_baseline(runs):
    root, (first, second, _) = runs
    model = first.results["trainer"].outputs["model"]
    resolved = second.results["latest_blessed_model"]
    assert resolved.status == "ran"  # never from the cache
    assert resolved.outputs["model"].id == model.id
    assert resolved.outputs["model_blessing"].id == \
        first.results["Evaluator"].outputs["blessing"].id
    evaluator = second.results["Evaluator"]
    assert evaluator.status == "ran"
    assert input_ids(root, evaluator.execution_id, "baseline_model") == [model.id]
    blessing = evaluator.outputs["blessing"]
    assert blessing.custom_properties["baseline_model_id"] == model.id
    assert blessing.custom_properties["blessed"] == 1  # no worse than itself
    # the same model blessed again is not pushed a second time
    pushed = second.results["Pusher"].outputs["pushed_model"]
    assert pushed.custom_properties["pushed"] == 0
    assert "already the newest version" in pushed.custom_properties["reason"]
    assert len(os.listdir(root / "serving")) == 1


def test_a_worse_model_is_compared_with_the_last_blessed_one_and_not_pushed(runs):
    root, (first, _, third) = runs
    blessing = third.results["Evaluator"].outputs["blessing"]
    assert blessing.custom_properties["blessed"] == 0
    assert blessing.custom_properties["baseline_model_id"] == \
        first.results["trainer"].outputs["model"].id
    assert "change vs baseline" in blessing.custom_properties["reason"]
    assert third.results["Pusher"].outputs["pushed_model"].custom_properties["pushed"] == 0
    assert len(os.listdir(root / "serving")) == 1


def test_the_latest_blessed_model_skips_newer_blessings_that_failed(runs):
    root, (first, _, third) = runs
    model, blessing = latest_blessed_model(connect(str(root / "metadata.sqlite")), NAME)
    assert model.id == first.results["trainer"].outputs["model"].id
    assert blessing.blessed
    assert third.results["trainer"].outputs["model"].id != model.id
    assert latest_blessed_model(connect(str(root / "metadata.sqlite")), "other") == (None, None)
