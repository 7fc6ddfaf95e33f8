"""Hostile request paths and query strings over every route of ``tfpipe ui`` (read from
the app's own routing table, so a page added later is fuzzed too), sent to a real
``tfpipe ui`` process on 127.0.0.1: no answer is a 5xx, none shows a traceback, each is
2xx, 3xx or 4xx, and the server stays up."""
from __future__ import annotations

import http.client
import re
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import event, example, given, note
from hypothesis import strategies as st

from bench.ui import fill_store
from tfpipe.ui.app import make_app

from ..ui.conftest import start_ui, stop
from .profiles import FUZZ


def route_patterns() -> list[str]:
    """The app's URL patterns (``/runs/([^/]+)``, ...), without the catch-all."""
    app = make_app(client=None)
    return [rule.matcher.regex.pattern.rstrip("$") for rule in app.wildcard_router.rules
            if rule.matcher.regex.pattern not in ("/(.*)$",)]


ROUTES = route_patterns()
QUERY_NAMES = ["pipeline", "state", "page", "a", "b", "run_a", "run_b", "x", ""]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-ui")
    run_ids = fill_store(str(folder / "metadata.sqlite"), 3, root=str(folder / "root"))
    found = start_ui("--metadata", str(folder / "metadata.sqlite"), log=folder / "ui.log")
    found.run_ids = run_ids
    yield found
    assert found.process.poll() is None, "the server stayed up"
    stop(found)


SEGMENTS = st.one_of(
    st.sampled_from(["1", "0", "-1", "9" * 400, "²", "١٢", "latest", "previous", "..", ".",
                     "%00", "%zz", "%ff%fe", "20260101T000000-bench", "2026", ""]).map(
        lambda t: quote(t, safe="%.-")),  # on the wire, as a browser sends them
    st.text(max_size=30).map(lambda t: quote(t, safe="")),
    st.binary(max_size=20).map(lambda b: quote(b, safe="")))
VALUES = st.one_of(SEGMENTS, st.sampled_from(["COMPLETE", "FAILED", "RUNNING", "penguin"]),
                   st.integers(-2**70, 2**70).map(str),
                   st.integers(100, 40_000).map(lambda n: "x" * n))  # past 16 KB: 414


@st.composite
def requests(draw) -> str:
    pattern = draw(st.sampled_from(ROUTES + ["/static/(.*)", "/(.*)"]))
    path = re.sub(r"\([^)]*\)", lambda _: draw(SEGMENTS), pattern).replace("\\", "")
    if draw(st.booleans()):
        pairs = draw(st.lists(st.tuples(st.sampled_from(QUERY_NAMES), VALUES), max_size=4))
        path += "?" + "&".join(f"{k}={v}" for k, v in pairs)
    return path or "/"


@FUZZ
@given(path=requests())
# Found by hand before the fuzzer (issue 29): a 400-digit artifact id was a 500, a 100 KB
# query string a dropped connection.
@example(path="/artifacts/" + "9" * 400)
@example(path="/?pipeline=" + "x" * 100_000)
@example(path="/static/%00")  # found by this test: tornado's static handler raised
def test_every_route_answers_hostile_requests_cleanly(server, path):
    note(path[:300])
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        reply = connection.getresponse()
        body = reply.read().decode("utf-8", "replace")
    finally:
        connection.close()
    event(f"{pattern_of(path)} {reply.status}")
    assert 200 <= reply.status < 500, (reply.status, body[:2000])
    assert "Traceback" not in body
    assert server.process.poll() is None, "the server stayed up"


def pattern_of(path: str) -> str:
    return "/" + path.lstrip("/").split("/", 1)[0].split("?", 1)[0][:12]


def test_the_routes_are_read_from_the_app():
    assert {"/", "/runs/([^/]+)", "/artifacts/([^/]+)", "/artifacts/([^/]+)/lineage",
            "/models", "/compare"} <= set(ROUTES)
