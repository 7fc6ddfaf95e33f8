"""``tfpipe ui`` in headless Chromium over a real penguin project: every page loads
without errors or requests leaving the machine, the run page follows a real run live,
an artifact leads to its lineage graph. A screenshot of each page is saved under
``<pytest basetemp>/ui-screenshots/``."""
from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

from .. import browser

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not browser.available(),
                                 reason="Chromium is not installed (.ci/run installs it)")]

FACTS = """JSON.stringify({
  title: document.title, h1: document.querySelector('h1').innerText,
  main: document.querySelector('main').innerText,
  nodes: Object.fromEntries([...document.querySelectorAll('g.node')]
                            .map(g => [g.dataset.node, g.dataset.state])),
  histograms: document.querySelectorAll('svg.hist rect').length,
  links: [...document.querySelectorAll('main a')].map(a => a.getAttribute('href')),
})"""


def _local(requests: list[str], url: str) -> list[str]:
    """The requests that went anywhere but the UI's own server."""
    own = urlparse(url).netloc
    return [r for r in requests if not r.startswith("data:") and urlparse(r).netloc != own]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = tmp_path_factory.getbasetemp() / "ui-screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def tab(tmp_path_factory):
    with browser.tab(str(tmp_path_factory.mktemp("chromium-pages"))) as page:
        yield page


def visit(tab, server, path: str, screenshots, name: str) -> dict:
    """Open ``path``, check it loaded cleanly and offline, save its screenshot."""
    tab.navigate(server.url + path.lstrip("/"))
    facts = json.loads(tab.evaluate(FACTS))
    loaded = tab.collect()
    assert loaded.errors == [], (path, loaded.errors)
    assert _local(loaded.requests, server.url) == [], path
    tab.screenshot(str(screenshots / f"{name}.png"))
    assert (screenshots / f"{name}.png").stat().st_size > 10_000
    return facts


def test_the_run_page_follows_a_run_live_without_a_reload(live):
    assert live.seen, "the run page was watched"
    assert not live.reloaded
    assert live.errors == []
    assert [r for r in live.remote if not r.startswith(("http://127.0.0.1", "data:"))] == []
    turned = {node for node in ("Transform", "Trainer", "Evaluator", "Pusher")
              if any(s.get(node) == "RUNNING" for s in live.seen) and
              live.seen[-1].get(node) == "COMPLETE"}
    assert turned, f"no node seen turning from RUNNING to COMPLETE: {live.seen}"
    # Every node of the run's plan is drawn from the start, NOT RUN until it starts.
    assert len(live.seen[0]) == len(live.seen[-1]) == 11
    assert any("NOT RUN" in s.values() for s in live.seen), live.seen[0]
    assert set(live.seen[-1].values()) == {"CACHED", "COMPLETE"}


def test_runs_list(live, server, tab, screenshots):
    facts = visit(tab, server, "/", screenshots, "runs")
    assert facts["h1"] == "Runs"
    assert facts["main"].index(live.run_id) < facts["main"].index(live.first_run_id)
    failed = visit(tab, server, "/?state=FAILED", screenshots, "runs-failed")
    assert "No runs match." in failed["main"]
    one = visit(tab, server, "/?pipeline=penguin&state=COMPLETE&page=1", screenshots,
                "runs-filtered")
    assert "2 run(s), page 1 of 1" in one["main"]


def test_run_page_shows_each_node_with_why_and_what_it_read_and_wrote(live, server, tab,
                                                                      screenshots):
    facts = visit(tab, server, f"/runs/{live.run_id}", screenshots, "run")
    assert facts["nodes"]["Trainer"] == "COMPLETE" and facts["nodes"]["SchemaGen"] == "CACHED"
    tab.click('g.node[data-node="Trainer"]')
    panel = tab.evaluate("[...document.querySelectorAll('article.node-detail')]"
                         ".filter(a => !a.hidden).map(a => a.innerText).join('|')")
    assert panel.startswith("Trainer")
    for expected in ("cache\tmiss: no earlier successful execution",
                     'train_args = {"num_steps": 100}', "examples: Examples #",
                     "model: Model #", "file penguin_utils.py"):
        assert expected in panel, panel
    tab.screenshot(str(screenshots / "run-node.png"))


@pytest.mark.parametrize("type_name, expected", [
    ("ExampleStatistics", "Split train:"), ("Schema", "culmen_depth_mm"),
    ("ExampleAnomalies", "no anomalies"), ("ModelEvaluation", "sparse_categorical_accuracy"),
    ("ModelBlessing", "BLESSED"), ("PushedModel", "serving_model"),
])
def test_artifact_pages_show_what_each_holds(live, server, tab, screenshots, type_name,
                                             expected):
    from tfpipe import Client

    [artifact] = [p.artifact for n in Client(pipeline_root=str(live.root)).run(
        live.run_id).nodes for p in n.outputs if p.artifact.type_name == type_name][:1]
    facts = visit(tab, server, f"/artifacts/{artifact.id}", screenshots, type_name)
    assert facts["h1"] == f"{type_name} #{artifact.id}"
    assert expected in facts["main"]
    assert f"/artifacts/{artifact.id}/lineage" in facts["links"]
    if type_name == "ExampleStatistics":
        assert facts["histograms"] > 20  # bars of the numeric features, per split


def test_clicking_an_artifact_reaches_its_lineage_graph(live, server, tab, screenshots):
    visit(tab, server, f"/runs/{live.run_id}", screenshots, "run-before-click")
    tab.click('a.node-link[data-node="Trainer"]')
    tab.click('article.node-detail:not([hidden]) a[href^="/artifacts/"]')  # its input
    assert tab.evaluate("location.pathname").startswith("/artifacts/")
    tab.click("#lineage-link")
    facts = json.loads(tab.evaluate(FACTS))
    assert facts["h1"].startswith("Lineage of Examples #")
    kinds = tab.evaluate("[...document.querySelectorAll('#lineage g.node')]"
                         ".map(g => g.classList[1])")
    assert "kind-artifact" in kinds and "kind-execution" in kinds
    tab.screenshot(str(screenshots / "lineage.png"))
    # the graph's nodes are links: an artifact downstream opens its page
    tab.click('#lineage a[href^="/artifacts/"] g.kind-artifact.state-LIVE')
    assert tab.evaluate("location.pathname").startswith("/artifacts/")
    assert tab.collect().errors == []


def test_models_page_and_comparisons(live, server, tab, screenshots):
    facts = visit(tab, server, "/models", screenshots, "models")
    assert "sparse_categorical_accuracy" in facts["main"] and live.run_id in facts["main"]
    same = visit(tab, server, "/compare?a=latest&b=latest", screenshots, "compare-models")
    assert "Trainer.train_args" in same["main"]
    runs = visit(tab, server, f"/compare?run_a={live.first_run_id}&run_b={live.run_id}",
                 screenshots, "compare-runs")
    assert "Trainer" in runs["main"] and "not run" in runs["main"]
