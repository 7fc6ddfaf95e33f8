"""``tfpipe ui`` is safe by default: it listens on 127.0.0.1, answers GET only, serves
no file outside its own static folder, and shows names and values from the store as
text. The store here is written through tfpipe's MLMD layer (bench/ui.py) with a
pipeline named like a script and a parameter holding HTML."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from bench.ui import fill_store

from .. import browser
from .conftest import start_ui, stop

SCRIPT = "<script>alert(1)</script>"
HTML = '<img src=x onerror="alert(2)"><b>bold</b>'
ERROR = "[Trainer] the module file raised ValueError: <i>bad</i> & worse"


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> tuple[str, list[str]]:
    """A store with 30 runs of a pipeline named ``<script>alert(1)</script>`` whose
    parameters hold HTML, the last failing in Trainer with HTML in its error: (its path,
    the run ids)."""
    folder = tmp_path_factory.mktemp("hostile")
    target = str(folder / "metadata.sqlite")
    return target, fill_store(target, 30, pipeline=SCRIPT, parameters={"note": HTML},
                              root=str(folder / "root"), last_fails=("Trainer", ERROR))


@pytest.fixture(scope="module")
def hostile(hostile_store, tmp_path_factory):
    """That store served by ``tfpipe ui`` with its defaults: (server, run ids)."""
    target, run_ids = hostile_store
    server = start_ui("--metadata", target, log=tmp_path_factory.mktemp("ui") / "ui.log")
    yield server, run_ids
    stop(server)


def _get(url: str, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(url, method=method,
                                     data=b"x" if method in ("POST", "PUT") else None)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_it_listens_on_127_0_0_1_by_default(hostile):
    server, _ = hostile
    assert server.url.startswith("http://127.0.0.1:")
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    others = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None,
                                                        socket.AF_INET)} - {"127.0.0.1"}
    for address in others - {a for a in others if a.startswith("127.")}:
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=5).close()


def test_names_and_parameters_are_shown_as_text(hostile):
    server, run_ids = hostile
    status, page = _get(server.url)
    assert status == 200
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    status, page = _get(f"{server.url}runs/{run_ids[-1]}")
    assert status == 200
    assert SCRIPT not in page and "<img" not in page and "<b>bold" not in page
    data = json.loads(_get(f"{server.url}api/runs/{run_ids[-1]}")[1])
    assert "<img" not in data["nodes_html"] and "&lt;img" in data["nodes_html"]


@pytest.mark.skipif(not browser.available(), reason="Chromium is not installed")
def test_a_browser_shows_them_as_text_and_runs_no_injected_script(hostile, tmp_path):
    server, run_ids = hostile
    with browser.tab(str(tmp_path / "profile")) as tab:
        for path in ("", f"runs/{run_ids[-1]}", f"?pipeline={quote(SCRIPT)}"):
            tab.navigate(server.url + path)
            loaded = tab.collect()
            assert loaded.errors == [], loaded.errors  # an alert would be listed here
            assert SCRIPT in tab.evaluate("document.querySelector('main').innerText + "
                                          "document.title")
            assert tab.evaluate("document.querySelectorAll('img, b').length") == 0
        tab.navigate(f"{server.url}runs/{run_ids[-1]}")
        tab.click('a.node-link[data-node="Trainer"]')
        assert f"note = {json.dumps(HTML)}" in tab.evaluate(
            "document.querySelector('#node-Trainer').innerText")


def test_a_failed_run_is_found_by_state_and_shows_its_error_as_text(hostile, hostile_store):
    from tfpipe import Client

    server, run_ids = hostile
    client = Client(hostile_store[0])
    assert [r.run_id for r in client.runs(state="FAILED")] == [run_ids[-1]]
    assert client.count_runs(state="COMPLETE") == 29
    assert client.run(run_ids[-1]).node("Trainer").error == ERROR
    listed = _get(server.url + "?state=FAILED")[1]
    assert "1 run(s), page 1 of 1" in listed and run_ids[-1] in listed
    page = _get(f"{server.url}runs/{run_ids[-1]}")[1]
    assert "<i>bad</i>" not in page
    assert "the module file raised ValueError: &lt;i&gt;bad&lt;/i&gt; &amp; worse" in page


def test_runs_are_paginated_newest_first(hostile):
    server, run_ids = hostile
    first = _get(server.url)[1]
    assert "30 run(s), page 1 of 2" in first
    assert run_ids[-1] in first and run_ids[0] not in first
    second = _get(server.url + "?page=2")[1]
    assert run_ids[0] in second and run_ids[-1] not in second


@pytest.mark.parametrize("path", [
    "static/../client.py", "static/..%2Fapp.py", "static/%2e%2e/%2e%2e/cli.py",
    "static/..%2F..%2F..%2Fetc%2Fpasswd", "artifacts/..%2F..%2Fetc%2Fpasswd",
    "artifacts/999999", "runs/no-such-run", "api/runs/no-such-run", "etc/passwd",
    "compare?a=41&b=42",
])
def test_paths_outside_the_app_and_unknown_ids_are_refused(hostile, path):
    server, _ = hostile
    status, body = _get(server.url + path)
    assert status in (403, 404), (path, status)
    assert "root:" not in body and "import" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_it_refuses_to_write(hostile, method):
    server, run_ids = hostile
    for path in ("", f"runs/{run_ids[-1]}", "static/graph.js"):
        assert _get(server.url + path, method)[0] == 405, (method, path)
