"""The example pipelines with every Beam node on a real Dask cluster of worker processes
(`tfpipe run --beam dask://HOST:PORT`), against the same pipelines on the DirectRunner:
the same statistics, schemas, transformed examples, Transform graphs and inferences, a
pushed model, and tasks from every Beam node on the Dask scheduler."""
from __future__ import annotations

import glob
import os
import shutil

import numpy
import pytest

from ..conftest import PENGUIN, TAXI, Store, run_cli
from .compare import differences, examples, statistics

pytestmark = pytest.mark.slow

BEAM_NODES = {"penguin": ["CsvExampleGen", "UnlabelledExampleGen", "StatisticsGen",
                          "Transform", "Evaluator", "BulkInferrer"],
              "chicago-taxi": ["CsvExampleGen", "StatisticsGen", "Transform", "Evaluator"]}


def _on_dask(address: str) -> str:
    return "dask://" + address.split("://", 1)[1]


def _run_on_dask(tmp_path_factory, cluster, address, pipeline):
    root = tmp_path_factory.mktemp(f"{pipeline.parent.name}-dask")
    before = len(cluster.task_names)
    result = run_cli("run", str(pipeline), "-p", f"pipeline_root={root}",
                     "--beam", _on_dask(address))
    assert result.returncode == 0, result.stdout + result.stderr
    return root, result, cluster.task_names[before:]


@pytest.fixture(scope="module")
def penguin_on_dask(tmp_path_factory, dask_cluster, dask_address):
    return _run_on_dask(tmp_path_factory, dask_cluster, dask_address, PENGUIN / "pipeline.py")


@pytest.fixture(scope="module")
def taxi_on_dask(tmp_path_factory, dask_cluster, dask_address):
    return _run_on_dask(tmp_path_factory, dask_cluster, dask_address, TAXI / "pipeline.py")


def _output(root, node: str, name: str) -> str:
    [uri] = glob.glob(str(root / node / name / "*"))
    return uri


@pytest.fixture(params=["penguin", "taxi"])
def both(request):
    """(pipeline name, the DirectRunner's root, the Dask run's root, task names)."""
    direct = request.getfixturevalue(f"{request.param}_run")[0]
    dask_root, _, names = request.getfixturevalue(f"{request.param}_on_dask")
    return ("penguin" if request.param == "penguin" else "chicago-taxi"), direct, dask_root, names


def test_the_dask_scheduler_ran_tasks_of_every_beam_node(both):
    pipeline, _, _, names = both
    nodes = {name.split("/", 1)[0] for name in names}
    assert set(BEAM_NODES[pipeline]) <= nodes, sorted(nodes)


def test_statistics_and_schema_equal_the_direct_runners(both):
    _, direct, dask, _ = both
    a = statistics(_output(direct, "StatisticsGen", "statistics"))
    b = statistics(_output(dask, "StatisticsGen", "statistics"))
    assert set(a) == {"Split-train", "Split-eval"}
    assert a["Split-train"]["datasets"][0]["numExamples"] != "0"
    assert differences(a, b, loose=("quantiles", "histograms", "buckets")) == []
    assert _schema(dask) == _schema(direct)


def _schema(root):
    """The schema, its features in name order (TFDV lists them in the order the
    statistics' combiners met them, which the runner's merge order decides)."""
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    path = os.path.join(_output(root, "SchemaGen", "schema"), "schema.pbtxt")
    schema = text_format.Parse(open(path).read(), schema_pb2.Schema())
    features = sorted(schema.feature, key=lambda f: f.name)
    del schema.feature[:]
    schema.feature.extend(features)
    return text_format.MessageToString(schema)


def test_transformed_examples_equal_the_direct_runners(both):
    _, direct, dask, _ = both
    a = examples(_output(direct, "Transform", "transformed_examples"))
    b = examples(_output(dask, "Transform", "transformed_examples"))
    assert sum(len(rows) for rows in a.values()) > 100
    assert differences(a, b, rel=1e-5) == []


def test_the_transform_graphs_give_the_same_outputs_on_the_same_rows(both):
    import tensorflow as tf
    import tensorflow_transform as tft

    _, direct, dask, _ = both
    [shard] = sorted(glob.glob(os.path.join(_output(direct, "CsvExampleGen", "examples"),
                                            "Split-eval", "*")))[:1]
    records = [r for r, _ in zip(tf.compat.v1.io.tf_record_iterator(
        shard, tf.io.TFRecordOptions(compression_type="GZIP")), range(64))]
    outputs = []
    for root in (direct, dask):
        graph = tft.TFTransformOutput(_output(root, "Transform", "transform_graph"))
        raw = tf.io.parse_example(records, graph.raw_feature_spec())
        outputs.append({k: v.numpy() for k, v in graph.transform_raw_features(raw).items()
                        if not isinstance(v, tf.SparseTensor)})
    assert outputs[0] and set(outputs[0]) == set(outputs[1])
    for key, value in outputs[0].items():
        if value.dtype.kind in "fc":
            numpy.testing.assert_allclose(outputs[1][key], value, rtol=1e-5, err_msg=key)
        else:
            numpy.testing.assert_array_equal(outputs[1][key], value, err_msg=key)


def test_a_model_is_pushed(both):
    _, _, dask, _ = both
    pushed = glob.glob(str(dask / "**" / "saved_model.pb"), recursive=True)
    assert [p for p in pushed if os.sep + "serving_model" + os.sep in p
            or "Pusher" in p], pushed


def test_bulk_inference_on_dask_equals_the_direct_runners(penguin_run, tmp_path, dask_address):
    """BulkInferrer again, on Dask, with the DirectRunner run's model and examples."""
    from tensorflow_serving.apis import prediction_log_pb2  # noqa: F401 - TFX's format

    direct = penguin_run[0]
    copy = tmp_path / "copy"
    shutil.copytree(direct, copy)
    result = run_cli("run", str(PENGUIN / "pipeline.py"), "-p", f"pipeline_root={copy}",
                     "--from-node", "BulkInferrer", "--to-node", "BulkInferrer", "--no-cache",
                     "--beam", _on_dask(dask_address))
    assert result.returncode == 0, result.stdout + result.stderr
    store = Store(copy / "metadata.sqlite")
    first, *_, again = store.executions("penguin", "BulkInferrer")  # (cached reruns between)
    [a], [b] = ([o for o in store.outputs(e.id) if "inference_result" in o.uri]
                for e in (first, again))
    assert a.uri != b.uri
    assert _inferences(a.uri) == _inferences(b.uri) != []


def _inferences(uri: str) -> list:
    import tensorflow as tf
    from google.protobuf import json_format
    from tensorflow_serving.apis import prediction_log_pb2

    rows = []
    for path in glob.glob(os.path.join(uri, "**", "*"), recursive=True):
        if os.path.isdir(path):
            continue
        for record in tf.compat.v1.io.tf_record_iterator(
                path, tf.io.TFRecordOptions(compression_type="GZIP" if path.endswith(".gz")
                                            else "")):
            log = prediction_log_pb2.PredictionLog.FromString(record)
            rows.append(json_format.MessageToJson(log, sort_keys=True))
    return sorted(rows)
