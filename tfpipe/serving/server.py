"""The model server of ``tfpipe serve`` and InfraValidator: TF Serving's REST API on
tornado (asynchronous: requests wait on the batcher, never on a thread of their own).

- ``POST /v1/models/<name>[/versions/<v>]:predict``: ``instances`` (rows) or ``inputs``
  (columns) -> ``predictions`` or ``outputs``; rows are raw features.
- ``GET /v1/models/<name>[/versions/<v>]``: the versions' states (TF Serving's
  GetModelStatus); ``.../metadata``: the signatures (GetModelMetadata).
- ``GET /healthz``: 200 once a version is AVAILABLE, else 503; ``GET /metrics``:
  Prometheus text (requests, latency, errors by kind, batch sizes, versions).

Errors are TF Serving's JSON, ``{"error": "..."}``: 400 for a request that does not fit
(malformed JSON, a missing, unknown or wrongly typed feature), 404 for an unknown model or
version, 413 for a body over ``max_body_bytes``, 500 when the model itself raises; the
server stays up. Each answer to a predict names the version that served it in the
``X-Model-Version`` header.
"""
from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from dataclasses import dataclass, field

import tornado.web

from .model import RequestError, columns, rows
from .request_log import RequestLog
from .versions import STATES, Policy, Versions

DEFAULT_PORT = 8501  # TF Serving's REST port
MAX_BODY_BYTES = 10 * 1024 * 1024


@dataclass
class ServeOptions:
    base: str  # the push destination: one folder per version
    name: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    poll_seconds: float = 2.0
    policy: Policy = field(default_factory=Policy)
    max_batch_size: int = 32
    batch_timeout_ms: float = 1.0
    batch_threads: int = 2
    max_body_bytes: int = MAX_BODY_BYTES
    log_requests: str | None = None
    sample_rate: float = 1.0
    log_rotate_seconds: float = 60.0


class Metrics:
    """The server's Prometheus metrics, in a registry of its own."""

    def __init__(self, name: str):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = r = CollectorRegistry()
        self.name = name
        self.requests = Counter("tfpipe_serving_requests", "Requests answered, by endpoint "
                                "and HTTP status.", ["model", "endpoint", "code"], registry=r)
        self.latency = Histogram("tfpipe_serving_request_latency_seconds", "Predict latency.",
                                 ["model"], registry=r, buckets=(
                                     .0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5))
        self.errors = Counter("tfpipe_serving_errors", "Failed requests by kind.",
                              ["model", "kind"], registry=r)
        self.batch_size = Histogram("tfpipe_serving_batch_size", "Rows per batch run.",
                                    ["model"], registry=r, buckets=(1, 2, 4, 8, 16, 32, 64, 128))
        self.served = Gauge("tfpipe_serving_model_version", "The version that answers requests "
                            "that name none.", ["model"], registry=r)
        self.state = Gauge("tfpipe_serving_version_state", "1 for each version's state.",
                           ["model", "version", "state"], registry=r)
        self.load_failures = Counter("tfpipe_serving_version_load_failures", "Versions that "
                                     "failed to load.", ["model", "version"], registry=r)
        self.load_seconds = Gauge("tfpipe_serving_version_load_seconds", "Load and warm-up "
                                  "time of each version.", ["model", "version"], registry=r)

    def loaded(self, version) -> None:
        self.load_seconds.labels(self.name, str(version.number)).set(version.load_seconds)

    def failed(self, version) -> None:
        self.load_failures.labels(self.name, str(version.number)).inc()

    def batch(self, size: int) -> None:
        self.batch_size.labels(self.name).observe(size)

    def text(self, versions: Versions) -> bytes:
        from prometheus_client import generate_latest

        self.served.labels(self.name).set(versions.default.number if versions.default else 0)
        for version in versions.ordered():
            for state in STATES:
                self.state.labels(self.name, str(version.number), state).set(
                    1 if version.state == state else 0)
        return generate_latest(self.registry)


class _Base(tornado.web.RequestHandler):
    endpoint = "other"

    def initialize(self, server: "Server") -> None:
        self.server = server

    def answer(self, status: int, payload: dict) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))
        self.server.metrics.requests.labels(self.server.options.name, self.endpoint,
                                            str(status)).inc()

    def error(self, exc: RequestError, kind: str) -> None:
        self.server.metrics.errors.labels(self.server.options.name, kind).inc()
        self.answer(exc.status, {"error": str(exc)})

    def write_error(self, status_code: int, **kwargs) -> None:  # tornado's own errors
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": self._reason}))

    def check_model(self, name: str) -> None:
        if name != self.server.options.name:
            raise RequestError(f"there is no model {name!r} here (this server serves "
                               f"{self.server.options.name!r})", status=404)

    def log_exception(self, typ, value, tb) -> None:  # a 500 is answered, not printed twice
        if not isinstance(value, tornado.web.HTTPError):
            super().log_exception(typ, value, tb)


class NotFound(_Base):
    def prepare(self) -> None:
        self.error(RequestError(f"no endpoint {self.request.method} {self.request.path}: "
                                "see /v1/models/<name>[:predict|/metadata], /healthz, /metrics",
                                status=404), "unknown_endpoint")


class Status(_Base):
    endpoint = "status"

    def get(self, name: str, version: str | None) -> None:
        try:
            self.check_model(name)
            versions = self.server.versions.ordered()
            if version is not None:
                versions = [v for v in versions if v.number == int(version)]
                if not versions:
                    raise RequestError(f"model {name!r} has no version {version}", status=404)
            self.answer(200, {"model_version_status": [v.status() for v in reversed(versions)]})
        except RequestError as exc:
            self.error(exc, "not_found")


class Metadata(_Base):
    endpoint = "metadata"

    def get(self, name: str, version: str | None) -> None:
        try:
            self.check_model(name)
            served = self.server.versions.get(name, int(version) if version else None)
            self.answer(200, {"model_spec": {"name": name, "signature_name": "",
                                             "version": str(served.number)},
                              "metadata": {"signature_def": served.model.metadata()}})
        except RequestError as exc:
            self.error(exc, "not_found")


class Health(_Base):
    endpoint = "health"

    def get(self) -> None:
        default = self.server.versions.default
        self.answer(200 if default else 503, {
            "status": "ok" if default else "no version available",
            "model": self.server.options.name,
            "version": str(default.number) if default else None})


class MetricsPage(_Base):
    endpoint = "metrics"

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(self.server.metrics.text(self.server.versions))


@tornado.web.stream_request_body
class Predict(_Base):
    endpoint = "predict"

    def prepare(self) -> None:
        self.body = bytearray()
        self.size = 0  # an over-limit body is read to its end but not kept: the client
        # then gets the 413 instead of a connection reset mid-send

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= self.server.options.max_body_bytes:
            self.body += chunk
        else:
            self.body.clear()

    async def post(self, name: str, version: str | None) -> None:
        started = time.perf_counter()
        try:
            self.check_model(name)
            if self.size > self.server.options.max_body_bytes:
                raise RequestError(f"the request body ({self.size} bytes) is over this "
                                   f"server's limit of {self.server.options.max_body_bytes} "
                                   "bytes: send fewer instances per request (or start the "
                                   "server with a larger --max-body-bytes)", status=413)
            try:
                body = json.loads(bytes(self.body))
            except (ValueError, UnicodeDecodeError) as exc:
                raise RequestError(f"the request body is not valid JSON: {exc}") from None
            await self._predict(name, body, int(version) if version else None)
        except RequestError as exc:
            kind = {404: "not_found", 413: "body_too_large", 503: "unavailable"}.get(
                exc.status, "bad_request")
            self.error(exc, kind)
        self.server.metrics.latency.labels(self.server.options.name).observe(time.perf_counter() - started)

    async def _predict(self, name: str, body, number: int | None) -> None:
        served = self.server.versions.get(name, number)
        served.in_flight += 1  # no await since get(): the version cannot leave between
        try:
            signature, inputs, shape = served.model.inputs(body)
            try:
                outputs, start, stop = await served.batcher.predict(signature, inputs)
            except Exception as exc:  # noqa: BLE001 - the model raised on this request
                self._model_failed(exc)
                return
        finally:
            served.in_flight -= 1
        self.set_header("X-Model-Version", str(served.number))
        key, value = ("predictions", rows(outputs, start, stop)) if shape == "instances" \
            else ("outputs", columns(outputs, start, stop))
        self.answer(200, {key: value})
        if self.server.request_log is not None and isinstance(inputs, list):
            self.server.request_log.log(inputs, served.number)

    def _model_failed(self, exc: Exception) -> None:
        import tensorflow as tf

        message = getattr(exc, "message", None) or str(exc)
        status = 400 if isinstance(exc, tf.errors.InvalidArgumentError) else 500
        self.error(RequestError(f"the model failed on this request ({type(exc).__name__}): "
                                f"{message}"[:2000], status=status), "model_error")


class Server:
    """One model's versions, metrics and request log, and the tornado app over them."""

    def __init__(self, options: ServeOptions):
        self.options = options
        self.metrics = Metrics(options.name)
        self.versions = Versions(options.base, options.policy, {
            "max_batch_size": options.max_batch_size,
            "timeout": options.batch_timeout_ms / 1000, "threads": options.batch_threads},
            events=self.metrics)
        self.request_log = RequestLog(options.log_requests, options.sample_rate,
                                      options.log_rotate_seconds, model=options.name) \
            if options.log_requests else None

    def app(self) -> tornado.web.Application:
        model = r"/v1/models/([^/:]+)(?:/versions/(\d+))?"
        args = {"server": self}
        return tornado.web.Application([
            (model + r":predict", Predict, args),
            (model + r"/metadata", Metadata, args),
            (model, Status, args),
            (r"/healthz", Health, args),
            (r"/metrics", MetricsPage, args),
        ], default_handler_class=NotFound, default_handler_args=args)

    async def watch(self) -> None:
        """Poll the destination every ``poll_seconds`` (the first poll has been made)."""
        while True:
            await asyncio.sleep(self.options.poll_seconds)
            try:
                await self.versions.poll()
                if self.request_log is not None:
                    self.request_log.tick()
            except Exception as exc:  # noqa: BLE001 - e.g. the destination unreadable for
                # a while: said, and the versions already loaded keep serving
                print(f"tfpipe serve: polling {self.options.base} failed: "
                      f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.request_log is not None:
            self.request_log.close()
        self.versions.close()


def run(options: ServeOptions, sockets: list, ready=None) -> None:
    """Serve on ``sockets`` until SIGINT or SIGTERM; ``ready(server)`` once the first
    poll has loaded what the policy wants."""
    from tornado.httpserver import HTTPServer

    _configure_tensorflow()
    server = Server(options)

    async def main() -> None:
        http = HTTPServer(server.app(), max_body_size=max(options.max_body_bytes, 1 << 30))
        http.add_sockets(sockets)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await server.versions.poll()
        if ready is not None:
            ready(server)
        watcher = asyncio.ensure_future(server.watch())
        await stop.wait()
        watcher.cancel()
        http.stop()
        server.close()

    asyncio.run(main())


def _configure_tensorflow() -> None:
    """One thread inside each op: the batcher's threads already run predictions side by
    side, and TensorFlow's own pools otherwise spin on every core for small batches
    (measured: half the server's CPU a request at one client)."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already ran in this process (a caller's): keep its pools
        pass
