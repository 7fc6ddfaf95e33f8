"""``tfpipe.Client`` over the store of a real penguin project (two runs: up to
ExampleValidator, then in full, mostly from the cache)."""
from __future__ import annotations

import dataclasses

import pytest

import tfpipe
from tfpipe.client import NodeDetail, RunDetail

from ..conftest import heavy_imports_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(live):
    return tfpipe.Client(pipeline_root=str(live.root))


def test_importing_the_client_imports_no_tensorflow_or_beam():
    assert heavy_imports_of("import tfpipe; tfpipe.Client") == []


def test_runs_are_newest_first_and_filter_by_pipeline_and_state(client, live):
    runs = client.runs()
    assert [r.run_id for r in runs] == [live.run_id, live.first_run_id]
    assert [r.state for r in runs] == ["COMPLETE", "COMPLETE"]
    assert client.runs(pipeline="penguin") == runs
    assert client.runs(pipeline="other") == []
    assert client.runs(state="complete") == runs
    assert client.runs(state="FAILED") == []
    with pytest.raises(tfpipe.MetadataError, match="unknown run state 'DONE'"):
        client.runs(state="DONE")
    assert client.pipelines() == ["penguin"]


def test_a_run_has_its_nodes_with_cache_inputs_outputs_and_edges(client, live):
    run = client.run(live.run_id[:-2])  # a unique prefix is enough
    assert isinstance(run, RunDetail) and run.run_id == live.run_id
    states = {n.node_id: n.state for n in run.nodes}
    for cached in ("CsvExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator"):
        assert states[cached] == "CACHED"  # run in the first run
    for ran in ("Transform", "Trainer", "Evaluator", "Pusher"):
        assert states[ran] == "COMPLETE"
    stats = run.node("StatisticsGen")
    assert isinstance(stats, NodeDetail) and stats.cached
    assert stats.cache_reason.startswith("inputs, parameters and code unchanged: reused "
                                         "the outputs of execution #")
    assert run.node("Trainer").cache_reason == "no earlier successful execution"
    trainer = run.node("Trainer")
    assert trainer.parameters["train_args"] == {"num_steps": 100}
    assert "file penguin_utils.py" in trainer.cache_parts
    assert trainer.duration > 0 and not trainer.error
    assert [p.name for p in trainer.inputs] == ["examples", "schema", "transform_graph"]
    assert [(p.name, p.artifact.type_name) for p in trainer.outputs] == \
        [("model", "Model"), ("model_run", "ModelRun")]
    assert trainer.outputs[0].artifact.state == "LIVE"
    assert ("Transform", "Trainer") in run.edges and ("Trainer", "Evaluator") in run.edges
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.run_id = "x"


def test_artifacts_by_type_and_pipeline(client, live):
    models = client.artifacts(type="Model")
    assert models and all(a.type_name == "Model" for a in models)
    assert [a.id for a in models] == sorted((a.id for a in models), reverse=True)
    everything = client.artifacts(pipeline="penguin")
    assert {a.type_name for a in everything} >= {"Examples", "ExampleStatistics", "Schema",
                                                 "ExampleAnomalies", "Model", "PushedModel"}
    assert client.artifacts(type="NoSuchType") == []
    assert client.artifacts(pipeline="other") == []
    with pytest.raises(tfpipe.MetadataError, match="no artifact with id 999999"):
        client.artifact(999999)


def test_models_is_the_registry(client, live):
    [version] = client.models("penguin")
    assert version.run_id == live.run_id
    assert version.spans == (0,)
    assert "sparse_categorical_accuracy" in version.metrics
    assert version.baseline_model_id is None
    assert client.model("latest") == version
    details = client.model_details(version)
    assert details.parameters["Trainer.train_args"] == {"num_steps": 100}
    assert "penguin_utils.py" in details.code


def test_lineage_up_and_down(client, live):
    run = client.run(live.run_id)
    model = run.node("Trainer").outputs[0].artifact
    up = client.lineage(model.id, direction="up")
    assert up.root == model.id
    assert {e.node_id for e in up.executions.values()} >= {"CsvExampleGen", "Transform",
                                                            "Trainer"}
    assert up.consumers == {}
    down = client.lineage(model.uri, direction="down")  # a URI works as well as an id
    assert {e.node_id for e in down.executions.values()} >= {"Evaluator", "Pusher"}
    assert down.producer == {}
    with pytest.raises(tfpipe.MetadataError, match="unknown lineage direction"):
        client.lineage(model.id, direction="sideways")
