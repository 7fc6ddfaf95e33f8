"""Continuous training end to end: the first three yearly taxi spans land one at a time
and the pipeline runs after each (three runs: the window of 2 fills, then slides) (pipelines/taxi_continuous, window of 2), asserted from MLMD."""
from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from .conftest import REPO, Store, run_cli

PIPELINE = REPO / "pipelines" / "taxi_continuous" / "pipeline.py"
SPANS = REPO / "pipelines" / "taxi_continuous" / "spans"
NAME = "chicago-taxi-continuous"
FAST = {"train_steps": 30, "eval_steps": 5, "min_accuracy": 0.5}
LANDED = 3  # spans landed, one run after each

pytestmark = pytest.mark.slow


def _land(span: int, landing: Path, source: Path = SPANS) -> None:
    shutil.copytree(source / f"span-{span}", landing / f"span-{span}")


def _args(root: Path, landing: Path, **params) -> list[str]:
    out = []
    for key, value in {**FAST, "data_root": landing, "pipeline_root": root, **params}.items():
        out += ["-p", f"{key}={value}"]
    return out


@pytest.fixture(scope="session")
def landed_spans(tmp_path_factory):
    """The store after landing spans 1..LANDED one at a time, running `tfpipe run` after each
    (a process per run, as a user or a scheduler would)."""
    tmp = tmp_path_factory.mktemp("continuous")
    landing, root = tmp / "landing", tmp / "root"
    run_ids = []
    for span in range(1, LANDED + 1):
        _land(span, landing)
        result = run_cli("run", str(PIPELINE), *_args(root, landing))
        assert result.returncode == 0, result.stdout + result.stderr
        run_ids.append(re.search(r"run id\s+(\S+)", result.stdout).group(1))
    return Store(root / "metadata.sqlite"), run_ids, root


def _by_run(store: Store, node: str, run_id: str):
    """The node's execution in one run."""
    ctx = store.store.get_context_by_type_and_name("pipeline_run", run_id)
    in_run = {e.id for e in store.store.get_executions_by_context(ctx.id)}
    [execution] = [e for e in store.executions(NAME, node) if e.id in in_run]
    return execution


def _inputs(store: Store, execution_id: int, name: str) -> list:
    events = [e for e in store.store.get_events_by_execution_ids([execution_id])
              if e.type == store.pb.Event.INPUT and e.path.steps[0].key == name]
    events.sort(key=lambda e: e.path.steps[1].index)
    return store.store.get_artifacts_by_id([e.artifact_id for e in events])


def _span(artifact) -> int:
    return artifact.properties["span"].int_value


def test_each_run_ingests_only_the_new_span(landed_spans):
    store, run_ids, _ = landed_spans
    for node in ("CsvExampleGen", "StatisticsGen"):
        ran = [e for e in store.executions(NAME, node) if store.state(e) == "COMPLETE"]
        assert len(ran) == LANDED, f"{node} ran once per span, never again for an old span"
        assert [_span(a) for e in ran for a in store.outputs(e.id)] == list(range(1, LANDED + 1))
    for k, run_id in enumerate(run_ids, start=1):
        [examples] = store.outputs(_by_run(store, "CsvExampleGen", run_id).id)
        assert _span(examples) == k
        assert examples.custom_properties["input_fingerprint"].string_value
        rows = sum(1 for _ in csv.reader(open(SPANS / f"span-{k}" / "data.csv"))) - 1
        assert examples.custom_properties["input_files"].int_value == 1 and rows > 0


def test_the_window_reuses_ingested_spans(landed_spans):
    store, run_ids, _ = landed_spans
    ingested = {_span(a): a.id for e in store.executions(NAME, "CsvExampleGen")
                for a in store.outputs(e.id)}
    for k, run_id in enumerate(run_ids, start=1):
        transform = _by_run(store, "Transform", run_id)
        window = _inputs(store, transform.id, "examples")
        assert [_span(a) for a in window] == list(range(max(1, k - 1), k + 1))
        assert [a.id for a in window] == [ingested[_span(a)] for a in window], \
            "the window holds the Examples ingested by earlier runs, not copies"
        [model] = [a for a in store.outputs(_by_run(store, "Trainer", run_id).id)
                   if "/model/" in a.uri]
        assert json.loads(model.custom_properties["spans"].string_value) == \
            list(range(max(1, k - 1), k + 1))
        if k > 1:  # the span the window keeps came from the analyzer cache
            [cache] = [a for a in store.outputs(transform.id) if "analyzer_cache" in a.uri]
            assert cache.custom_properties["datasets_from_cache"].int_value >= 1


def test_drift_is_recorded_for_each_new_span(landed_spans):
    store, run_ids, _ = landed_spans
    for k, run_id in enumerate(run_ids, start=1):
        [anomalies] = store.outputs(_by_run(store, "ExampleValidator", run_id).id)
        props = anomalies.custom_properties
        if k == 1:
            assert "drift" not in props, "the first span has no span before it"
            continue
        assert props["baseline_span"].int_value == k - 1
        drift = json.loads(props["drift"].string_value)
        assert set(drift) == {"train", "eval"}
        train = drift["train"]
        assert train["payment_type"]["type"] == "L_INFTY"
        assert train["fare"]["type"] == "JENSEN_SHANNON_DIVERGENCE"
        for measured in train.values():
            assert 0 <= measured["value"] <= 1
            assert measured["above"] == (measured["value"] > measured["threshold"])


def test_later_runs_warm_start_from_the_latest_blessed_model(landed_spans):
    store, run_ids, _ = landed_spans
    blessed_so_far = None
    for k, run_id in enumerate(run_ids, start=1):
        trainer = _by_run(store, "Trainer", run_id)
        base = _inputs(store, trainer.id, "base_model")
        if k == 1:
            assert base == []
        else:
            assert blessed_so_far is not None, "run 1's model is blessed (accuracy >= 0.5)"
            assert [a.id for a in base] == [blessed_so_far]
            fn_args = json.loads((Path(
                [a for a in store.outputs(trainer.id) if "/model_run/" in a.uri][0].uri)
                / "fn_args.json").read_text())
            assert fn_args["base_model"] == base[0].uri + "/Format-Serving"
        [blessing] = [a for a in store.outputs(_by_run(store, "Evaluator", run_id).id)
                      if "/blessing/" in a.uri]
        if blessing.custom_properties["blessed"].int_value == 1:
            [model] = [a for a in store.outputs(trainer.id) if "/model/" in a.uri]
            blessed_so_far = model.id


def test_an_unchanged_rerun_comes_from_the_cache(landed_spans):
    """With no new span, only the three resolvers run (they ask the store); the same
    window and the same warm-start base mean every other node is a cache hit."""
    store, _, root = landed_spans
    [first] = store.executions(NAME, "CsvExampleGen")[:1]
    landing = json.loads(first.custom_properties["parameters"].string_value)["input_base"]
    result = run_cli("run", str(PIPELINE), *_args(root, Path(landing)))
    assert result.returncode == 0, result.stderr
    assert "(3 ran, 8 cached)" in result.stdout, result.stdout


def _drifted(span_dir: Path, target: Path) -> None:
    """Span 2 with its fares multiplied by ten and every trip paid in cash."""
    target.mkdir(parents=True)
    with open(span_dir / "data.csv", newline="") as f, \
            open(target / "data.csv", "w", newline="") as out:
        rows = csv.DictReader(f)
        writer = csv.DictWriter(out, rows.fieldnames, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            if row["fare"]:
                row["fare"] = str(float(row["fare"]) * 10)
            row["payment_type"] = "Cash"
            writer.writerow(row)


def test_a_drifting_span_stops_the_run_before_training(tmp_path):
    landing, root = tmp_path / "landing", tmp_path / "root"
    _land(1, landing)
    first = run_cli("run", str(PIPELINE), *_args(root, landing), "--to-node", "ExampleValidator")
    assert first.returncode == 0, first.stderr
    _drifted(SPANS / "span-2", landing / "span-2")
    result = run_cli("run", str(PIPELINE), *_args(root, landing, fail_on_anomalies="true"))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "[ExampleValidator]" in result.stderr
    assert "feature 'payment_type'" in result.stderr and "Linfty distance" in result.stderr
    assert "feature 'fare'" in result.stderr and "Jensen-Shannon divergence" in result.stderr
    store = Store(root / "metadata.sqlite")
    for node in ("Transform", "Trainer", "Evaluator", "Pusher"):
        assert store.executions(NAME, node) == [], f"{node} must not run on drifting data"
    [failed] = [e for e in store.executions(NAME, "ExampleValidator") if store.state(e) == "FAILED"]
    assert "payment_type" in failed.custom_properties["error"].string_value


def _pushed(store: Store) -> list:
    return [a for a in store.store.get_artifacts_by_type("PushedModel")
            if a.custom_properties["pushed"].int_value == 1]


def test_models_lists_the_pushed_versions_with_spans_and_metrics(landed_spans):
    store, run_ids, root = landed_spans
    result = run_cli("models", "--pipeline-root", str(root), "--json")
    assert result.returncode == 0, result.stderr
    versions = json.loads(result.stdout)
    pushed = _pushed(store)
    assert len(pushed) >= 2, "the taxi models beat the accuracy floor of 0.5 in several runs"
    assert [v["version"] for v in versions] == sorted(
        a.custom_properties["pushed_version"].int_value for a in pushed)
    for v in versions:
        k = run_ids.index(v["run_id"]) + 1
        assert v["spans"] == list(range(max(1, k - 1), k + 1)), "window of 2 ending at span k"
        assert 0.5 <= v["metrics"]["binary_accuracy"] <= 1
        assert v["metrics"]["example_count"] > 0
        assert v["served_at"] == str(root / "serving_model" / str(v["version"]))
        assert (Path(v["served_at"]) / "saved_model.pb").is_file()
    for earlier, later in zip(versions, versions[1:]):
        assert later["baseline_version"] == earlier["version"], \
            "each version was blessed against the latest blessed model before it"
        assert later["base_model_id"] == earlier["model_id"], "and warm-started from it"
    table = run_cli("models", "--pipeline-root", str(root))
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split()[:4] == ["VERSION", "PUSHED", "AT", "RUN"]
    assert "BINARY_ACCURACY" in header
    assert [row.split()[0] for row in rows] == [str(v["version"]) for v in versions]


def test_models_diff_compares_two_versions(landed_spans):
    store, _, root = landed_spans
    listed = json.loads(run_cli("models", "--pipeline-root", str(root), "--json").stdout)
    first, last = listed[0], listed[-1]
    result = run_cli("models", "diff", str(first["version"]), "latest",
                     "--pipeline-root", str(root))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"model version {first['version']} -> {last['version']}" in out
    spans_line = next(line for line in out.splitlines() if line.strip().startswith("spans"))
    assert spans_line.split()[1:] == [
        "-".join(map(str, sorted({first["spans"][0], first["spans"][-1]}))),
        f"{last['spans'][0]}-{last['spans'][-1]}"]
    accuracy = next(line for line in out.splitlines() if "binary_accuracy" in line)
    change = last["metrics"]["binary_accuracy"] - first["metrics"]["binary_accuracy"]
    assert accuracy.split()[-1] == f"{change:+.4g}"
    assert "taxi_utils.py" not in out, "the module file is the same in both"
    assert "more the same in both" in out
    missing = run_cli("models", "diff", "12", "latest", "--pipeline-root", str(root))
    assert missing.returncode == 4
    assert "no pushed model version '12'" in missing.stderr
    assert str(last["version"]) in missing.stderr, "the error lists the versions there are"


SPAN_ROWS = """JSON.stringify({
  rows: Array.from(document.querySelectorAll('#spans table')[0].tBodies[0].rows)
             .map(tr => Array.from(tr.cells).map(td => td.innerText)),
  drift: Array.from(document.querySelectorAll('#spans table')[1].tHead.rows[0].cells)
             .map(th => th.innerText),
  bars: document.querySelectorAll('#spans svg rect').length,
})"""


def test_the_report_shows_the_span_history(landed_spans, tmp_path):
    from . import browser

    _, _, root = landed_spans
    listed = json.loads(run_cli("models", "--pipeline-root", str(root), "--json").stdout)
    by_last_span = {v["spans"][-1]: v["version"] for v in listed}
    output = tmp_path / "report.html"
    result = run_cli("report", "--pipeline-root", str(root), "-o", str(output))
    assert result.returncode == 0, result.stderr
    if not browser.available():
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    page = browser.load(output.as_uri(), str(tmp_path / "profile"), SPAN_ROWS)
    facts = json.loads(page.result)
    assert page.errors == []
    assert [row[0].split()[0] for row in facts["rows"]] == [str(k) for k in range(1, LANDED + 1)]
    assert "(this run)" in facts["rows"][-1][0]
    assert facts["bars"] == LANDED
    for k, row in enumerate(facts["rows"], start=1):
        rows = sum(1 for _ in csv.reader(open(SPANS / f"span-{k}" / "data.csv"))) - 1
        assert row[3].split()[0] == str(rows), "examples per span, from its statistics"
        assert ("no baseline" in row[4]) if k == 1 else row[4].split(":")[0].endswith(
            f"vs span {k - 1}")
        assert f"on spans {max(1, k - 1)}" in row[5]
        if k in by_last_span:
            assert f"pushed as version {by_last_span[k]}" in row[5]
    assert facts["drift"] == ["feature"] + [f"span {k} vs {k - 1}" for k in range(2, LANDED + 1)]
