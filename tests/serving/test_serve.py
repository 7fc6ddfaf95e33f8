"""`tfpipe serve` as a real process on the taxi model the pipeline pushed: predictions
against the SavedModel called directly, TF Serving's status and metadata, bad requests,
a failed version, request logs, and a version swap under concurrent load."""
from __future__ import annotations

import shutil
import threading
import time

import pytest

from tfpipe.components.pusher import push_atomically
from tfpipe.serving.model import example_to_row
from tfpipe.serving.process import ServerProcess

from ..conftest import TAXI
from .helpers import call, raw_examples

pytestmark = pytest.mark.slow
NAME = "taxi"
LABEL = "tips"  # the raw label: not a serving feature


@pytest.fixture(scope="module")
def pushed(taxi_run):
    root, _ = taxi_run
    [version] = list((root / "serving_model").iterdir())
    return root, version


@pytest.fixture(scope="module")
def server(pushed, tmp_path_factory):
    """`tfpipe serve PIPELINE_FILE` whose Pusher's destination (serving_model_dir) holds
    the pushed model as version 1."""
    _, model = pushed
    tmp = tmp_path_factory.mktemp("serve")
    destination = tmp / "destination"
    shutil.copytree(model, destination / "1")
    process = ServerProcess(str(TAXI / "pipeline.py"), "-p", f"serving_model_dir={destination}",
                            "--model-name", NAME, "--poll-seconds", "0.2",
                            "--max-body-bytes", "200000", "--log-requests", str(tmp / "logs"),
                            "--log-rotate-seconds", "0.5")
    with process as url:
        yield url, destination, tmp / "logs", process


@pytest.fixture(scope="module")
def rows(pushed):
    root, _ = pushed
    records = raw_examples(root / "CsvExampleGen" / "examples", "eval", 16)
    rows = [example_to_row(r) for r in records]
    for row in rows:
        row.pop(LABEL)
    return records, rows


def test_predictions_are_the_saved_models(server, pushed, rows):
    import numpy as np
    import tensorflow as tf

    url, *_ = server
    records, instances = rows
    model = tf.saved_model.load(str(pushed[1]))
    [expected] = model.signatures["serving_default"](examples=tf.constant(records)).values()
    status, answer, version = call(url + ":predict", {"instances": instances})
    assert status == 200 and version == "1"
    np.testing.assert_allclose(answer["predictions"], expected.numpy(), rtol=1e-5)
    columns = {k: [r.get(k) for r in instances] for k in instances[0]}
    status, answer, _ = call(url + ":predict", {"inputs": columns})
    assert status == 200
    np.testing.assert_allclose(answer["outputs"], expected.numpy(), rtol=1e-5)


def test_status_metadata_health_and_metrics(server):
    url, *_ = server
    assert call(url) == (200, {"model_version_status": [{
        "version": "1", "state": "AVAILABLE",
        "status": {"error_code": "OK", "error_message": ""}}]}, None)
    status, metadata, _ = call(url + "/metadata")
    signature = metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert status == 200 and signature["inputs"]["examples"]["dtype"] == "DT_STRING"
    assert metadata["model_spec"] == {"name": NAME, "signature_name": "", "version": "1"}
    base = url.split("/v1/")[0]
    assert call(base + "/healthz")[:2] == (200, {"status": "ok", "model": NAME, "version": "1"})
    import urllib.request

    text = urllib.request.urlopen(base + "/metrics").read().decode()
    assert f'tfpipe_serving_model_version{{model="{NAME}"}} 1.0' in text
    assert f'tfpipe_serving_version_state{{model="{NAME}",state="AVAILABLE",version="1"}} 1.0' \
        in text
    assert "tfpipe_serving_request_latency_seconds_bucket" in text


def _bad(rows, change):
    row = dict(rows[1][0])
    change(row)
    return {"instances": [row]}


@pytest.mark.parametrize("case, path, body, status, message", [
    ("malformed JSON", ":predict", b'{"instances": [', 400, "not valid JSON"),
    ("unknown model", "nope", None, 404, "there is no model 'nope' here"),
    ("unknown version", "/versions/7", None, 404, "version 7 of model 'taxi' is not being"),
    ("missing feature", ":predict", lambda r: r.pop("trip_start_hour"), 400,
     "missing feature 'trip_start_hour': the model needs an integer (int64)"),
    ("extra feature", ":predict", lambda r: r.update(tip_share=0.3), 400,
     "unknown feature(s) 'tip_share': the model takes company,"),
    ("wrong type", ":predict", lambda r: r.update(trip_miles="far"), 400,
     "feature 'trip_miles' expects a number (float); got 'far' (str)"),
    ("too large", ":predict", b"[" + b"1," * 150000 + b"1]", 413,
     "is over this server's limit of 200000 bytes"),
    ("no instances", ":predict", {"rows": []}, 400, 'exactly one of "instances"'),
])
def test_a_bad_request_gets_a_tf_serving_error_and_the_server_stays_up(
        server, rows, case, path, body, status, message):
    url, *_ = server
    if path == "nope":
        target, payload = url.rsplit("/", 1)[0] + "/nope:predict", {"instances": rows[1]}
    elif path == "/versions/7":
        target, payload = url + "/versions/7:predict", {"instances": rows[1]}
    else:
        target, payload = url + path, _bad(rows, body) if callable(body) else body
    raw = payload if isinstance(payload, bytes) else None
    got, answer, _ = call(target, None if raw else payload, raw=raw)
    assert got == status, answer
    assert set(answer) == {"error"} and message in answer["error"], answer["error"]
    assert call(url + ":predict", {"instances": rows[1][:1]})[0] == 200


def test_served_rows_are_logged_as_tf_examples_for_an_example_gen(server, rows):
    import tensorflow as tf

    url, _, logs, _ = server
    assert call(url + ":predict", {"instances": rows[1][:3]})[0] == 200
    deadline = time.time() + 10
    while time.time() < deadline and not list(logs.glob("*/requests-*.tfrecord.gz")):
        time.sleep(0.2)
    files = sorted(logs.glob("*/requests-*.tfrecord.gz"))
    assert files, "a rotated request log file"
    logged = [example_to_row(r.numpy()) for r in tf.data.TFRecordDataset(
        [str(f) for f in files], compression_type="GZIP")]
    assert logged and all(LABEL not in row for row in logged)
    assert rows[1][0] in logged  # each served row, as the request gave it


def test_a_new_version_is_served_under_load_with_no_failed_request(server, pushed, rows):
    url, destination, _, _ = server
    _, model = pushed
    instances = rows[1]
    answers: list = []
    stop = threading.Event()

    def client(k: int) -> None:
        while not stop.is_set():
            status, answer, version = call(url + ":predict", {"instances": [instances[k]]})
            answers.append((time.monotonic(), status, version))

    clients = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for c in clients:
        c.start()
    time.sleep(1)
    new = push_atomically(str(model), str(destination))  # the Pusher's atomic rename
    swapped = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = {s["version"]: s["state"] for s in call(url)[1]["model_version_status"]}
        if states.get(str(new)) == "AVAILABLE" and states.get("1") == "END":
            swapped = time.monotonic()
            break
        time.sleep(0.1)
    time.sleep(1)
    stop.set()
    for c in clients:
        c.join()
    assert swapped, f"version {new} served within 60 s: {states}"
    failed = [a for a in answers if a[1] != 200]
    assert not failed and len(answers) > 50, f"{len(failed)} of {len(answers)} failed"
    versions = [v for _, _, v in answers]
    assert versions[0] == "1" and {v for t, _, v in answers if t > swapped} == {str(new)}


def test_a_pipeline_file_is_served_from_its_pushers_destination_under_its_name(tmp_path):
    from tfpipe.serving.serve import resolve

    assert resolve(str(TAXI / "pipeline.py"), {"pipeline_root": str(tmp_path)}) == (
        str(tmp_path / "serving_model"), "chicago-taxi", None)
    (tmp_path / "dest" / "7").mkdir(parents=True)
    (tmp_path / "dest" / "7" / "saved_model.pb").write_bytes(b"")
    base, name, policy = resolve(str(tmp_path / "dest" / "7"))
    assert (base, name, str(policy)) == (str(tmp_path / "dest"), "dest", "specific:7")


def _raising_model(folder) -> None:
    """A SavedModel whose serving signature raises on a negative x (a model that raises)."""
    import tensorflow as tf

    class Model(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
        def serve(self, examples):
            x = tf.io.parse_example(examples, {"x": tf.io.FixedLenFeature([1], tf.float32)})["x"]
            with tf.control_dependencies([tf.debugging.assert_non_negative(x, message="x<0")]):
                return {"y": tf.identity(x) * 2}

    model = Model()
    tf.saved_model.save(model, str(folder), signatures={"serving_default": model.serve})


def test_a_model_that_raises_and_a_version_that_fails_to_load(tmp_path):
    destination = tmp_path / "destination"
    _raising_model(destination / "1")
    with ServerProcess(str(destination), "--poll-seconds", "0.2") as url:
        assert url.endswith("/v1/models/destination")
        assert call(url + ":predict", {"instances": [{"x": 1.5}]})[:2] == \
            (200, {"predictions": [[3.0]]})
        status, answer, _ = call(url + ":predict", {"instances": [{"x": -1.0}, {"x": 2.0}]})
        assert status == 400 and "the model failed on this request" in answer["error"]
        assert "x<0" in answer["error"]
        (destination / "2").mkdir()  # a version that is not a SavedModel
        (destination / "2" / "saved_model.pb").write_bytes(b"not a model")
        deadline, states = time.time() + 30, {}
        while time.time() < deadline and states.get("2") != "END":
            states = {s["version"]: s for s in call(url)[1]["model_version_status"]}
            states = {v: s["state"] for v, s in states.items()} | {"_": states}
            time.sleep(0.2)
        failed = states["_"]["2"]["status"]
        assert failed["error_code"] == "UNKNOWN" and "saved_model.pb" in failed["error_message"]
        assert states["1"] == "AVAILABLE", "the current version keeps serving"
        assert call(url + ":predict", {"instances": [{"x": 2.0}]})[:3] == \
            (200, {"predictions": [[4.0]]}, "1")
        import urllib.request

        metrics = urllib.request.urlopen(url.split("/v1/")[0] + "/metrics").read().decode()
        assert 'tfpipe_serving_version_load_failures_total{model="destination",version="2"} 1.0' \
            in metrics
        assert 'tfpipe_serving_errors_total{kind="model_error",model="destination"} 1.0' in metrics
