"""InfraValidator: checks that a model really serves before it is pushed, as TFX's.

The candidate's SavedModel is served by ``tfpipe serve`` (``tfpipe.serving``, the same
server users run) in a separate process, run with ``python -I``: neither PYTHONPATH nor
the module file is importable, as in a serving container. It answers TF Serving's REST
API over HTTP on a loopback port. Requests are built from the first ``num_examples`` examples of a split
(TFX's ``request_spec``), one example per request, sent to the signature; every answer
must be HTTP 200 with one prediction of finite numbers. The load time and the requests'
latency percentiles are recorded.

The ``blessing`` output (``InfraBlessing``) holds TFX's marker file ``INFRA_BLESSED`` or
``INFRA_NOT_BLESSED`` (with the reason inside) and ``infra_validation.json``; its custom
properties are ``blessed`` (1/0), ``reason``, ``load_seconds`` (the SavedModel's load),
``startup_seconds`` (from starting the server process until it is ready),
``latency_p50_ms``,
``latency_p90_ms``, ``latency_p99_ms``, ``requests`` and ``current_model_id``. A model
that does not load, whose signature refuses the requests, that answers wrongly, or whose
p99 latency is over ``validation_spec["max_latency_ms"]`` is not blessed (the node still
succeeds: a Pusher given the blessing then pushes nothing).
"""
from __future__ import annotations

import base64
import difflib
import glob
import json
import math
import os
import re
import tempfile
import time
import urllib.error
import urllib.request

from ..artifacts.base import split_folder
from ..artifacts.model import serving_model_dir, write_infra_blessing
from ..dsl import (Examples, ExecutionContext, InfraBlessing, Input, Model, Output, Parameter,
                   component)
from ..errors import ExecutionError, InputDataError
from ..serving.process import NotReady, ServerProcess

MODEL_NAME = "model"
REQUEST_DEFAULTS = {"signature_name": "serving_default", "split_name": "eval", "num_examples": 10}
VALIDATION_DEFAULTS = {"max_loading_time_seconds": 300, "max_latency_ms": None}


class NotBlessed(Exception):
    """Why the model is not blessed (the node itself succeeds)."""


def _settings(given: dict | None, defaults: dict, name: str, node: str) -> dict:
    """``given`` over ``defaults``; an unknown key is an error with a "did you mean"."""
    for key in given or {}:
        if key not in defaults:
            close = difflib.get_close_matches(key, sorted(defaults), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ExecutionError(f"{name} has no setting {key!r}.{hint}", node=node,
                                 fix=f"{name} takes {', '.join(sorted(defaults))}")
    return {**defaults, **(given or {})}


def request_examples(examples: Examples, split: str, count: int, node: str) -> list[bytes]:
    """The first ``count`` serialized tf.Examples of ``split``."""
    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(split_folder(examples.uri, split), "*.gz")))
    if not files:
        raise InputDataError(f"examples {examples.uri} have no split {split!r} to build "
                             f"requests from (they have {examples.split_names}).", node=node,
                             fix="set request_spec={'split_name': ...} to one of them")
    records = tf.data.TFRecordDataset(files, compression_type="GZIP").take(count)
    return [r.numpy() for r in records]


class ModelServer:
    """``tfpipe serve`` in its own process (isolated: see ``serving.process``), serving one
    SavedModel as version 1 of a throw-away destination; ``with ModelServer(...) as url``."""

    def __init__(self, model_dir: str, timeout: float):
        self.model_dir, self.timeout = model_dir, timeout
        self.destination = tempfile.TemporaryDirectory(prefix="tfpipe-infra-")
        self.server = ServerProcess(self.destination.name, "--model-name", MODEL_NAME,
                                    "--poll-seconds", "3600", timeout=timeout)
        self.load_seconds = self.startup_seconds = 0.0

    def __enter__(self) -> str:
        os.symlink(os.path.abspath(self.model_dir), os.path.join(self.destination.name, "1"))
        try:
            url = self.server.start()
        except NotReady as exc:
            self.__exit__()
            raise NotBlessed(f"the model did not load within max_loading_time_seconds="
                             f"{self.timeout:g}" if exc.timed_out else str(exc)) from None
        self.startup_seconds = self.server.startup_seconds
        loaded = re.match(r"1 AVAILABLE in ([\d.]+) s", self.server.versions)
        if not loaded:
            reason = self._load_error(url)
            self.__exit__()
            raise NotBlessed(reason)
        self.load_seconds = float(loaded.group(1))
        return url

    def _load_error(self, url: str) -> str:
        """Why version 1 is not AVAILABLE, from the server's status (TF Serving's)."""
        with urllib.request.urlopen(url, timeout=30) as answer:
            statuses = json.load(answer)["model_version_status"]
        why = statuses[0]["status"]["error_message"] if statuses else \
            "no such folder (the model has no SavedModel)"
        return f"the model server could not load the model {self.model_dir}: {why}"

    def __exit__(self, *exc) -> None:
        self.server.__exit__()
        self.destination.cleanup()


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url + ":predict", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _finite(value) -> bool:
    if isinstance(value, dict):
        return bool(value) and all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return bool(value) and all(_finite(v) for v in value)
    return isinstance(value, (int, float)) and math.isfinite(value) or isinstance(value, str)


def send_requests(url: str, records: list[bytes], signature: str) -> list[float]:
    """One request per example; the latency of each in ms. NotBlessed on a wrong answer."""
    latencies = []
    for i, record in enumerate(records):
        body = {"signature_name": signature,
                "instances": [{"b64": base64.b64encode(record).decode()}]}
        started = time.perf_counter()
        status, answer = _post(url, body)
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise NotBlessed(f"the model's signature {signature!r} does not accept the "
                             f"requests (serialized tf.Examples): request {i + 1} got HTTP "
                             f"{status}: {answer.get('error', answer)}")
        predictions = answer.get("predictions")
        if not (isinstance(predictions, list) and len(predictions) == 1
                and _finite(predictions[0])):
            raise NotBlessed(f"request {i + 1} got no valid prediction: {str(answer)[:300]}")
    return latencies


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@component
def InfraValidator(model: Input[Model], blessing: Output[InfraBlessing],
                   examples: Input[Examples] = None, request_spec: Parameter[dict] = None,
                   validation_spec: Parameter[dict] = None, context: ExecutionContext = None):
    """Serve ``model`` in a separate process, send it requests built from ``examples``
    and bless it if every answer is right and within the latency budget; without
    ``examples`` only check that it loads (TFX's LOAD_ONLY mode).
    ``request_spec``: ``signature_name`` (serving_default), ``split_name`` (eval),
    ``num_examples`` (10). ``validation_spec``: ``max_loading_time_seconds`` (300),
    ``max_latency_ms`` (p99 budget; none by default)."""
    node = context.node_id
    requests = _settings(request_spec, REQUEST_DEFAULTS, "request_spec", node)
    validation = _settings(validation_spec, VALIDATION_DEFAULTS, "validation_spec", node)
    records = []
    if examples is not None:
        records = request_examples(examples, requests["split_name"], requests["num_examples"],
                                   node)
        if not records:
            raise InputDataError(f"split {requests['split_name']!r} of {examples.uri} holds no "
                                 "examples to build requests from.", node=node,
                                 fix="point request_spec['split_name'] at a split with rows")
    figures: dict = {"requests": len(records)}
    server = ModelServer(serving_model_dir(model.uri), validation["max_loading_time_seconds"])
    try:
        with server as url:
            figures.update(load_seconds=round(server.load_seconds, 3),
                           startup_seconds=round(server.startup_seconds, 3))
            latencies = send_requests(url, records, requests["signature_name"])
        blessed, reason = True, f"the model loaded in {figures['load_seconds']} s"
        if latencies:
            figures.update({f"latency_p{q}_ms": round(percentile(latencies, q), 3)
                            for q in (50, 90, 99)})
            budget = validation["max_latency_ms"]
            if budget is not None and figures["latency_p99_ms"] > budget:
                raise NotBlessed(f"p99 latency {figures['latency_p99_ms']} ms is over the "
                                 f"budget max_latency_ms={budget}")
            reason = (f"{len(records)} requests answered; load {figures['load_seconds']} s, "
                      f"p50 {figures['latency_p50_ms']} ms, p99 {figures['latency_p99_ms']} ms")
        else:
            reason += " (no examples given: no requests sent)"
    except NotBlessed as refusal:
        blessed, reason = False, str(refusal)
    write_infra_blessing(blessing, blessed, reason, model, figures)
