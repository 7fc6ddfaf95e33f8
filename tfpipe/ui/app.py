"""The ``tfpipe ui`` web app: tornado handlers over a read-only ``tfpipe.Client``.

Pages: the runs (``/``), a run (``/runs/<id>``, with ``/api/runs/<id>`` polled while it
runs), an artifact (``/artifacts/<id>``) and its lineage (``/artifacts/<id>/lineage``),
the model registry (``/models``) and a comparison of two models or two runs
(``/compare``). Only GET exists: any other method is 405. Templates autoescape every
value; the HTML fragments shared with ``tfpipe report`` escape their own. Scripts and
styles come from ``static/`` only (a Content-Security-Policy says so to the browser).
"""
from __future__ import annotations

import json
import math
import os
from urllib.parse import quote, urlencode

import tornado.web

from ..client import STATES, Client, parse_id
from ..errors import NotFoundError, TfpipeError
from ..formatting import format_duration, format_time
from ..report import fragments, graph
from ..report.page import badge
from . import assets

MAX_URL = 16 * 1024
MAX_HEADERS = 64 * 1024
READ_HEADERS = 1024 * 1024
PAGE_SIZE = 25
POLL_SECONDS = 1.0
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


class Page(tornado.web.RequestHandler):
    """A GET-only page; a NotFoundError (unknown run, artifact, version) is a 404."""

    SUPPORTED_METHODS = ("GET",)

    @property
    def client(self) -> Client:
        return self.settings["client"]

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def get_template_namespace(self) -> dict:
        namespace = super().get_template_namespace()
        namespace.update(badge=badge, format_time=format_time, label=self.client.label,
                         format_duration=format_duration, json=json)
        return namespace

    def write_error(self, status_code: int, **kwargs) -> None:
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, TfpipeError):
            message, fix = error.message, error.fix or ""
        elif status_code == 405:
            message, fix = "tfpipe ui is read-only: it answers GET only.", ""
        else:
            message, fix = self._reason, ""
        self.render("error.html", status=status_code, message=message, fix=fix)

    def _request_summary(self) -> str:  # the access log: a hostile URL is cut short
        uri = self.request.uri if len(self.request.uri) <= 200 else \
            self.request.uri[:200] + f"... ({len(self.request.uri)} bytes)"
        return f"{self.request.method} {uri} ({self.request.remote_ip})"

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, NotFoundError):
            self.send_error(404, exc_info=(type(e), e, e.__traceback__))
        else:
            super()._handle_request_exception(e)


def _artifact_id(text: str) -> int:
    found = parse_id(text)
    if found is None:
        raise NotFoundError(f"no artifact {text[:80]!r}.", fix="artifact ids are the numbers "
                            "the run pages link to")
    return found


class RunsPage(Page):
    def get(self) -> None:
        pipeline = self.get_query_argument("pipeline", "") or None
        state = self.get_query_argument("state", "") or None
        total = self.client.count_runs(pipeline, state)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        asked = self.get_query_argument("page", "1")
        page = min(max(1, int(asked)), pages) if asked.isascii() and asked.isdigit() else 1

        def link(number: int) -> str:
            query = {k: v for k, v in (("pipeline", pipeline), ("state", state),
                                       ("page", number)) if v}
            return "/?" + urlencode(query)
        self.render("runs.html", runs=self.client.runs(pipeline, state, limit=PAGE_SIZE,
                                                       offset=(page - 1) * PAGE_SIZE),
                    total=total, page=page, pages=pages, link=link,
                    pipelines=self.client.pipelines(), pipeline=pipeline or "",
                    state=state or "", states=STATES)


class RunPage(Page):
    def get(self, run_id: str) -> None:
        run = self.client.run(run_id)
        self.render("run.html", run=run, state=run.state, live=run.state == "RUNNING",
                    poll=POLL_SECONDS, graph_html=graph.figure(graph.run_nodes(run), run.edges))


class RunApi(Page):
    """What the run page polls while the run is in progress: its state, its graph and
    the node panels' HTML (escaped here, as on the page)."""

    def get(self, run_id: str) -> None:
        run = self.client.run(run_id)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps({
            "state": run.state, "state_html": badge(run.state), "live": run.state == "RUNNING",
            "graph": graph.data(graph.run_nodes(run), run.edges),
            "nodes_html": self.render_string("nodes.html", run=run).decode()}))


class ArtifactPage(Page):
    def get(self, artifact_id: str) -> None:
        artifact = self.client.artifact(_artifact_id(artifact_id))
        body = fragments.artifact_html(artifact.type_name, artifact.uri, artifact.properties)
        self.render("artifact.html", artifact=artifact, body=body,
                    properties=fragments.properties_html(artifact.properties))


class LineagePage(Page):
    def get(self, artifact_id: str) -> None:
        lineage = self.client.lineage(_artifact_id(artifact_id))
        nodes, edges = graph.lineage_graph(
            lineage, lambda a: f"/artifacts/{a.id}",
            lambda e: f"/runs/{quote(e.run_id, safe='')}" if e.run_id else "")
        figure = graph.figure(nodes, edges, graph_id="lineage", direction="TB")
        self.render("lineage.html", artifact=lineage.artifacts[lineage.root],
                    lineage=lineage, graph_html=figure)


class ModelsPage(Page):
    def get(self) -> None:
        pipeline = self.get_query_argument("pipeline", "") or None
        versions = self.client.models(pipeline)
        names = sorted({n for v in versions for n in v.metrics})
        self.render("models.html", versions=list(reversed(versions)), names=names,
                    pipelines=self.client.pipelines(), pipeline=pipeline or "")


class ComparePage(Page):
    """Two model versions (``?a=1&b=2`` or latest/previous) or two runs
    (``?run_a=...&run_b=...``) side by side."""

    def get(self) -> None:
        if self.get_query_argument("run_a", ""):
            runs = [self.client.run(self.get_query_argument(k)) for k in ("run_a", "run_b")]
            node_ids = sorted({n.node_id for r in runs for n in r.nodes})
            self.render("compare_runs.html", runs=runs, node_ids=node_ids)
            return
        a, b = (self.client.model(self.get_query_argument(k, d))
                for k, d in (("a", "previous"), ("b", "latest")))
        details = [self.client.model_details(v) for v in (a, b)]
        rows = {title: [(k, x.get(k), y.get(k)) for k in sorted(set(x) | set(y))]
                for title, x, y in (("metrics", a.metrics, b.metrics),
                                    ("parameters", details[0].parameters,
                                     details[1].parameters),
                                    ("code (content hashes)", details[0].code,
                                     details[1].code))}
        self.render("compare_models.html", a=a, b=b, rows=rows)


class NotFoundPage(Page):
    def get(self, *args) -> None:
        raise NotFoundError(f"no page {self.request.path!r}.",
                            fix="start from the runs list at /")


class TooLarge(Page):
    """What a request too large to read gets: 414 for a long URL, 431 for long headers."""

    def initialize(self, status: int, what: str) -> None:
        self.status, self.what = status, what

    def prepare(self) -> None:
        self.send_error(self.status, exc_info=(NotFoundError, NotFoundError(
            f"the request's {self.what} is too long for tfpipe ui.",
            fix="the UI's own links are short: start from the runs list at /"), None))

    def get(self, *args, **kwargs) -> None:  # prepare() has answered
        pass


class Application(tornado.web.Application):
    """The UI's routes; a URL over ``MAX_URL`` bytes is 414 and headers over
    ``MAX_HEADERS`` are 431, before any page reads the store. (The server reads up to
    ``READ_HEADERS`` bytes of a request head; a longer one is dropped unanswered.)"""

    def find_handler(self, request, **kwargs):
        if len(request.uri) > MAX_URL:
            return self.get_handler_delegate(request, TooLarge, target_kwargs={
                "status": 414, "what": "URL"})
        if sum(len(k) + len(v) for k, v in request.headers.get_all()) > MAX_HEADERS:
            return self.get_handler_delegate(request, TooLarge, target_kwargs={
                "status": 431, "what": "headers"})
        return super().find_handler(request, **kwargs)


class Static(tornado.web.StaticFileHandler):
    """Files of ``static/`` only (tornado refuses paths leading outside it)."""

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")

    def validate_absolute_path(self, root: str, absolute_path: str):
        if "\x00" in absolute_path:  # no file has it in its name (os.stat would raise)
            raise tornado.web.HTTPError(404)
        return super().validate_absolute_path(root, absolute_path)


def make_app(client: Client) -> tornado.web.Application:
    return Application([
        (r"/", RunsPage),
        (r"/runs/([^/]+)", RunPage),
        (r"/api/runs/([^/]+)", RunApi),
        (r"/artifacts/([^/]+)", ArtifactPage),
        (r"/artifacts/([^/]+)/lineage", LineagePage),
        (r"/models", ModelsPage),
        (r"/compare", ComparePage),
        (r"/(.*)", NotFoundPage),
    ], client=client, template_path=TEMPLATES, autoescape="xhtml_escape",
        static_path=str(assets.STATIC), static_handler_class=Static, compress_response=True)
