"""Transform: the penguin preprocessing_fn run with TFT through the local runner."""
from __future__ import annotations

import os

import pytest

import tfpipe
from tfpipe.errors import InputDataError, UserCodeError

from ..test_warm_workers import _entries, _left
from .penguin_pipeline import FEATURES, LABEL, data_nodes, read_split

NAME = "transform-test"


def run(root, nodes):
    return tfpipe.run_pipeline(tfpipe.Pipeline(NAME, root, list(nodes)), quiet=True)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("transform")


@pytest.fixture(scope="module")
def outputs(root):
    nodes = data_nodes()
    result = run(root, nodes)
    return (result.results["CsvExampleGen"].outputs["examples"],
            result.results["Transform"].outputs)


def test_tft_reads_the_transform_graph(outputs):
    import tensorflow_transform as tft

    _, out = outputs
    graph = tft.TFTransformOutput(out["transform_graph"].uri)
    assert set(graph.transformed_feature_spec()) == set(FEATURES) | {LABEL}
    assert set(graph.raw_feature_spec()) == set(FEATURES) | {LABEL}  # for serving


def test_every_split_is_transformed_with_statistics_of_the_train_split(outputs):
    import numpy as np

    raw, out = outputs
    transformed = out["transformed_examples"]
    assert transformed.split_names == raw.split_names == ["train", "eval"]
    for split in raw.split_names:
        assert os.listdir(transformed.split_uri(split))
        before, after = read_split(raw.uri, split), read_split(transformed.uri, split)
        assert len(after) == len(before) > 0
        assert sorted(after[0].features.feature) == sorted(FEATURES + [LABEL])
    train = read_split(transformed.uri, "train")
    for name in FEATURES:  # z-scores: mean 0 and variance 1 over the train split
        values = np.array([e.features.feature[name].float_list.value[0] for e in train])
        assert abs(values.mean()) < 1e-3 and abs(values.std() - 1) < 1e-2, name
    eval_means = [np.mean([e.features.feature[n].float_list.value[0]
                           for e in read_split(transformed.uri, "eval")]) for n in FEATURES]
    assert max(abs(m) for m in eval_means) > 1e-3  # eval was not analysed on its own


def test_a_module_file_without_preprocessing_fn_says_what_to_define(root, outputs, tmp_path):
    module = tmp_path / "my_module.py"
    module.write_text("def preprocess_fn(inputs):\n    return inputs\n")
    with pytest.raises(UserCodeError) as caught:
        run(root, data_nodes(module_file=str(module)))
    error = caught.value
    assert error.node == "Transform"
    assert f"preprocessing_fn is not defined in module_file {module}" in str(error)
    assert "'preprocess_fn': a typo?" in str(error)
    assert "define `def preprocessing_fn(inputs):`" in error.fix


def test_analyze_splits_must_name_existing_splits(root, outputs):
    with pytest.raises(InputDataError, match=r"analyze_splits \['test'\] must name splits"):
        run(root, data_nodes(analyze_splits=["test"]))


def test_an_edited_module_file_runs_as_edited_in_the_same_process(root, outputs, tmp_path):
    import tensorflow_transform as tft

    module = tmp_path / "edited_module.py"
    graphs = []
    for output in ("first", "second"):  # a notebook: run, edit the module file, run again
        module.write_text(f"def preprocessing_fn(inputs):\n"
                          f"    return {{'{output}': inputs['species']}}\n")
        result = run(root, data_nodes(module_file=str(module)))
        graph = result.results["Transform"].outputs["transform_graph"]
        graphs.append(set(tft.TFTransformOutput(graph.uri).transformed_feature_spec()))
    assert graphs == [{"first"}, {"second"}]


@pytest.mark.slow
def test_transform_runs_on_beam_worker_processes(tmp_path, outputs, monkeypatch):
    """Two Beam worker processes, forked from the run's warm zygote: the same examples,
    schema and transformed values as one worker, and no process left after the run."""
    import tensorflow_transform as tft

    from tfpipe.beam import warm_workers

    log = tmp_path / "warm.jsonl"
    monkeypatch.setenv(warm_workers.LOG_ENV, str(log))
    pipeline = tfpipe.Pipeline("transform-multiprocess", tmp_path / "root",
                               list(data_nodes()),
                               beam_pipeline_args=["--direct_running_mode=multi_processing",
                                                   "--direct_num_workers=2"])
    result = tfpipe.run_pipeline(pipeline, quiet=True)
    graph = result.results["Transform"].outputs["transform_graph"]
    assert set(tft.TFTransformOutput(graph.uri).transformed_feature_spec()) == \
        set(FEATURES) | {LABEL}

    one_examples, one = outputs  # the same nodes with one worker
    two_examples = result.results["CsvExampleGen"].outputs["examples"]
    for split in ("train", "eval"):
        assert sorted(e.SerializeToString() for e in read_split(two_examples.uri, split)) == \
            sorted(e.SerializeToString() for e in read_split(one_examples.uri, split))
        two_rows = read_split(result.results["Transform"].outputs["transformed_examples"].uri,
                              split)
        one_rows = read_split(one["transformed_examples"].uri, split)
        for name in FEATURES:
            def values(rows):
                return sorted(e.features.feature[name].float_list.value[0] for e in rows)
            assert values(two_rows) == pytest.approx(values(one_rows), rel=1e-5, abs=1e-6)
    graphs = [tft.TFTransformOutput(g.uri) for g in (graph, one["transform_graph"])]
    assert graphs[0].raw_metadata.schema == graphs[1].raw_metadata.schema  # SchemaGen's
    assert graphs[0].transformed_metadata.schema == graphs[1].transformed_metadata.schema

    entries = _entries(log)
    zygotes = [e["zygote"] for e in entries if "zygote" in e]
    workers = [e for e in entries if "worker" in e]
    assert len(zygotes) == 1, "one zygote for the whole run"
    assert len(workers) >= 2 * 3, "two workers for each of the run's Beam pipelines"
    assert {w["parent"] for w in workers} == set(zygotes), "every worker forked from it"
    left = _left(entries, within=0)
    assert not left, f"processes of the run left after it ended: {left}"
