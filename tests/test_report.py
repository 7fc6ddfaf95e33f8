"""``tfpipe report``: the HTML page of a run, checked in headless Chromium."""
from __future__ import annotations

import json

import pytest

from . import browser
from .conftest import run_cli
from .user_project import check, data_only_penguin, full_penguin, pushed_versions

needs_chromium = pytest.mark.skipif(not browser.available(),
                                    reason="Chromium is not installed (.ci/run installs it)")
SECTIONS = ["graph", "statistics", "schema", "anomalies", "spans", "hyperparameters",
            "evaluation", "infra-validation", "pushed-model", "inference"]
PAGE_FACTS = """JSON.stringify({
  sections: Array.from(document.querySelectorAll('section')).map(s => s.id),
  boxes: Array.from(document.querySelectorAll('g.node rect'))
              .map(r => [r.getAttribute('x'), r.getAttribute('y')].join(',')),
  nodes: Object.fromEntries(Array.from(document.querySelectorAll('g.node'))
                            .map(g => [g.dataset.node, g.dataset.state])),
  splits: Array.from(document.querySelectorAll('#statistics h3[data-split]'))
                .map(h => h.dataset.split),
  text: Object.fromEntries(Array.from(document.querySelectorAll('section'))
                           .map(s => [s.id, s.innerText])),
})"""


def open_in_chromium(html_file, tmp_path) -> tuple[browser.PageLoad, dict]:
    page = browser.load(html_file.as_uri(), str(tmp_path / "profile"), PAGE_FACTS)
    return page, json.loads(page.result)


@pytest.fixture(scope="module")
def data_report(tmp_path_factory):
    """The report of a run that stopped at ExampleValidator."""
    root = data_only_penguin(tmp_path_factory)
    check(run_cli("report", cwd=root))
    return root / "report.html"


@pytest.fixture(scope="module")
def data_page(data_report, tmp_path_factory):
    """The data report as Chromium loaded it: (PageLoad, facts from its DOM)."""
    if not browser.available():
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    return open_in_chromium(data_report, tmp_path_factory.mktemp("chromium"))


def test_report_loads_offline_without_errors(data_page):
    page, facts = data_page
    assert page.errors == []
    assert page.remote_requests == []
    assert facts["sections"] == SECTIONS


def test_report_shows_the_graph_with_what_did_not_run(data_page):
    _, facts = data_page
    nodes = facts["nodes"]
    for node in ("CsvExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator"):
        assert nodes[node] == "COMPLETE"
    for node in ("Transform", "Trainer", "Evaluator", "Pusher"):
        assert nodes[node] == "NOT RUN"  # from pipeline.py: the run stopped before them
    assert "Not run in this run" in facts["text"]["graph"]


def test_report_graph_is_laid_out_by_the_uis_script(data_report, data_page):
    """The report inlines the same dagre and graph.js that tfpipe ui serves, and they
    place every node apart."""
    from tfpipe.ui import assets

    html = data_report.read_text()
    assert assets.inline_script("dagre.min.js", "graph.js") in html
    assert assets.text("tfpipe.css") in html
    _, facts = data_page
    assert len(facts["boxes"]) == len(facts["nodes"]) == len(set(facts["boxes"])) == 11  # the penguin pipeline's nodes


def test_report_shows_statistics_schema_and_anomalies(data_page):
    _, facts = data_page
    assert facts["splits"] == ["train", "eval"]
    stats = facts["text"]["statistics"]
    for feature in ("culmen_length_mm", "body_mass_g", "species"):
        assert feature in stats
    assert "examples, 5 features" in stats
    assert "culmen_depth_mm\tFLOAT\trequired\tsingle" in facts["text"]["schema"]
    assert "no anomalies in split(s) train, eval" in facts["text"]["anomalies"]
    assert "no Evaluator ran" in facts["text"]["evaluation"]
    assert "no Pusher ran" in facts["text"]["pushed-model"]
    assert "no BulkInferrer ran" in facts["text"]["inference"]


@needs_chromium
def test_report_screenshot_is_not_blank(data_report, tmp_path):
    png = tmp_path / "report.png"
    browser.screenshot(data_report.as_uri(), str(png), str(tmp_path / "profile"))
    assert png.stat().st_size > 20_000
    assert browser.distinct_colours(str(png)) > 200  # text, badges, histograms, graph


def test_report_of_an_older_run_by_id_prefix_to_stdout(data_report):
    root = data_report.parent
    [run] = json.loads(check(run_cli("runs", "--json", cwd=root)))
    result = run_cli("report", "pipeline.py", run["run_id"][:12], "-o", "-", cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and run["run_id"] in result.stdout


def test_report_of_an_unknown_run_is_a_clear_error(data_report):
    result = run_cli("report", "no-such-run", cwd=data_report.parent)
    assert result.returncode == 4
    assert "no run 'no-such-run' of pipeline penguin" in result.stderr
    assert "tfpipe runs" in result.stderr


@needs_chromium
def test_report_of_a_failed_run_names_the_error(data_report, tmp_path):
    root = data_report.parent
    store = tmp_path / "failed.sqlite"
    failed = run_cli("run", "pipeline.py", "-p", f"data_root={tmp_path / 'no-data'}",
                     "--metadata", str(store), cwd=root)
    assert failed.returncode == 3
    out = tmp_path / "failed.html"
    check(run_cli("report", "pipeline.py", "--metadata", str(store), "-o", str(out), cwd=root))
    page, facts = open_in_chromium(out, tmp_path)
    assert page.errors == []
    assert facts["nodes"]["CsvExampleGen"] == "FAILED"
    assert facts["nodes"]["StatisticsGen"] == "NOT RUN"
    assert "no-data" in facts["text"]["graph"]  # the error message, in the node table


@needs_chromium
def test_tfdv_facets_view_would_need_the_network(tmp_path):
    """Why the report draws statistics itself: TFDV's own HTML loads Facets from the web."""
    from tensorflow_data_validation.utils import display_util
    from tensorflow_metadata.proto.v0 import statistics_pb2

    stats = statistics_pb2.DatasetFeatureStatisticsList()
    dataset = stats.datasets.add(num_examples=3)
    dataset.features.add(name="x").num_stats.mean = 1.0
    page = tmp_path / "facets.html"
    page.write_text(f"<html><body>{display_util.get_statistics_html(stats)}</body></html>")
    loaded = browser.load(page.as_uri(), str(tmp_path / "profile"))
    assert loaded.remote_requests, "TFDV's Facets HTML no longer fetches code from the web"


@pytest.mark.slow
@needs_chromium
def test_report_of_a_full_run_shows_evaluation_and_pushed_model(tmp_path_factory, tmp_path):
    root = full_penguin(tmp_path_factory)
    out = tmp_path / "full.html"
    check(run_cli("report", "--pipeline-root", str(root / "tfpipe_output"), "-o", str(out)))
    page, facts = open_in_chromium(out, tmp_path)
    assert page.errors == [] and page.remote_requests == []
    assert set(facts["nodes"].values()) == {"COMPLETE"}
    evaluation = facts["text"]["evaluation"]
    assert "BLESSED" in evaluation and "NOT BLESSED" not in evaluation
    assert "Overall" in evaluation and "sparse_categorical_accuracy" in evaluation
    assert "example_count" in evaluation
    [pushed] = pushed_versions(root)
    assert str(pushed) in facts["text"]["pushed-model"]
    assert f"tfpipe lineage {pushed}" in facts["text"]["pushed-model"]
    inference = facts["text"]["inference"]
    assert "predictions\t10" in inference or "predictions 10" in inference, inference
    assert "prediction_logs-*.gz" in inference
