"""Served traffic back into a pipeline: the penguin model served with request logs, the
logged rows ingested as a span by ImportExampleGen (pipelines/penguin_serving), and
ExampleValidator's training/serving skew check flagging a skewed stream of requests
(../shared/data/penguin/skewed.csv, sent row by row) but not an unskewed one."""
from __future__ import annotations

import csv
import json
import shutil
import time

import pytest

from tfpipe.serving.process import ServerProcess

from ..conftest import PENGUIN, REPO, Store, run_cli
from .helpers import call

pytestmark = pytest.mark.slow
PIPELINE = REPO / "pipelines" / "penguin_serving" / "pipeline.py"
SKEWED = PENGUIN / "data" / "skewed" / "skewed.csv"
UNSKEWED = PENGUIN / "data" / "labelled" / "labelled.csv"


def _rows(path) -> list[dict]:
    with open(path) as f:
        return [{k: float(v) for k, v in row.items() if k != "species"}
                for row in csv.DictReader(f)]


def _served(folder) -> set[str]:
    """``<model>-v<version>`` of each request log file in ``folder``."""
    return {f.name.split(".")[0].split("-", 4)[4]
            for f in folder.glob("*/requests-*.tfrecord.gz")}


def _send_and_keep(url: str, logs, rows: list[dict], kept) -> None:
    """Send ``rows`` (8 a request), wait until every file of the request log has rotated
    into place (none left under its hidden name), move the folder to ``kept``."""
    for i in range(0, len(rows), 8):
        assert call(url + ":predict", {"instances": rows[i:i + 8]})[0] == 200
    deadline = time.time() + 20
    while time.time() < deadline and (list(logs.glob("*/.requests-*"))
                                      or not list(logs.glob("*/requests-*.tfrecord.gz"))):
        time.sleep(0.1)
    assert not list(logs.glob("*/.requests-*")), "the request log never rotated"
    shutil.move(str(logs), str(kept))


@pytest.fixture(scope="module")
def skew(penguin_run, tmp_path_factory):
    """The skew measurements of ExampleValidator for each request stream. The penguin
    run's first pushed version serves the traffic, under the pipeline's name, and the
    checks go into a copy of the penguin run's store (one store for the training and the
    serving side, as a team shares one), so that the registry can show them."""
    root, _ = penguin_run
    tmp = tmp_path_factory.mktemp("skew")
    first = sorted((root / "serving_model").iterdir())[0]
    shutil.copytree(first, tmp / "destination" / first.name)
    (tmp / "root").mkdir()
    shutil.copy(root / "metadata.sqlite", tmp / "root" / "metadata.sqlite")
    logs = tmp / "logs"
    with ServerProcess(str(tmp / "destination"), "--log-requests", str(logs),
                       "--model-name", "penguin",
                       "--log-rotate-seconds", "0.2", "--poll-seconds", "0.1") as url:
        _send_and_keep(url, logs, _rows(UNSKEWED), tmp / "unskewed")
        _send_and_keep(url, logs, _rows(SKEWED), tmp / "skewed")
    measured = {"root": tmp / "root", "version": int(first.name)}
    for stream in ("unskewed", "skewed"):
        assert _served(tmp / stream) == {f"penguin-v{first.name}"}, \
            "the log names the model and version that served it"
        result = run_cli("run", str(PIPELINE), "-p", f"request_logs={tmp / stream}",
                         "-p", f"pipeline_root={tmp / 'root'}")
        assert result.returncode == 0, result.stdout + result.stderr
        store = Store(tmp / "root" / "metadata.sqlite")
        [anomalies] = store.outputs(store.executions("penguin-serving-skew",
                                                     "ExampleValidator")[-1].id)
        measured[stream] = (json.loads(anomalies.custom_properties["skew"].string_value),
                            result.stdout + result.stderr, anomalies.id)
        assert json.loads(anomalies.custom_properties["served_versions"].string_value) == \
            [{"model": "penguin", "version": int(first.name)}]
    return measured


def test_the_served_rows_are_a_span_of_the_pipeline(skew):
    for stream in ("unskewed", "skewed"):
        measurements, output, _ = skew[stream]
        assert "✔ RequestLogExampleGen  finished" in output
        assert set(measurements["train"]) >= {"culmen_length_mm", "body_mass_g"}


def test_a_skewed_request_stream_is_flagged_and_an_unskewed_one_is_not(skew):
    unskewed, _, _ = skew["unskewed"]
    skewed, output, _ = skew["skewed"]
    assert not [f for f, m in unskewed["train"].items() if m["above"]], unskewed
    assert skewed["train"]["culmen_length_mm"]["above"], skewed
    assert skewed["train"]["culmen_length_mm"]["value"] > \
        3 * unskewed["train"]["culmen_length_mm"]["value"]
    assert "culmen_length_mm" in output  # the run warns of the anomaly


def test_tfpipe_ui_shows_the_skew_beside_the_model_version_that_served_it(skew, tmp_path):
    import re
    import urllib.request

    from ..ui.conftest import start_ui, stop

    def text(page: bytes) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", page.decode()).split())

    server = start_ui("--pipeline-root", str(skew["root"]), log=tmp_path / "ui.log")
    try:
        anomalies = urllib.request.urlopen(f"{server.url}artifacts/{skew['skewed'][2]}").read()
        models = urllib.request.urlopen(f"{server.url}models").read().decode()
    finally:
        stop(server)
    version = skew["version"]
    section = text(anomalies).split("Training/serving skew", 1)[1].strip()
    assert section.startswith(f"of the traffic served by penguin version {version} "), section
    assert re.search(r"train culmen_length_mm JENSEN_SHANNON_DIVERGENCE 0\.0[3-9]\d* 0\.03 "
                     r"above", section), section[:600]
    # the registry: the version's row links its latest skew check (the skewed stream's)
    [row] = re.findall(rf'<tr data-version="{version}".*?</tr>', models, re.S)
    assert f'href="/artifacts/{skew["skewed"][2]}"' in row
    assert re.search(r"above: culmen_length_mm.* largest 0\.0[3-9]", text(row.encode())), row
