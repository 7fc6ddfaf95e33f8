"""A model server for InfraValidator: loads one SavedModel and answers predict requests
over HTTP on a loopback port, speaking the v1 inference protocol of TF Serving's REST API
and KServe (``POST /v1/models/<name>:predict`` with ``{"signature_name": ...,
"instances": [...]}`` -> ``{"predictions": [...]}``; bytes as ``{"b64": "..."}``).

It runs as its own process, started as ``python -I model_server.py MODEL_DIR NAME``:
isolated mode, so it sees neither tfpipe, the user's module file nor PYTHONPATH, only
the standard library and TensorFlow, as a serving container would. It prints one line
``READY <port> <load seconds>`` once the model has loaded (on a port the system chose),
or exits with the loading error on standard error. This file imports nothing else of
tfpipe.
"""
from __future__ import annotations

import base64
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _decode(value):
    """A JSON instance value as a tensor value: ``{"b64": ...}`` becomes bytes."""
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _columns(instances: list, names: list[str]) -> dict:
    """Row-format instances (TF Serving's) as one list of values per input name."""
    if len(names) == 1 and not (isinstance(instances[0], dict) and names[0] in instances[0]):
        return {names[0]: [_decode(i) for i in instances]}
    return {name: [_decode(i[name]) for i in instances] for name in names}


def _jsonable(array):
    value = array.tolist()
    return value.decode() if isinstance(value, bytes) else value


def _rows(outputs: dict) -> list:
    """Row-format predictions: one entry per instance (a dict when there are several
    outputs, as TF Serving answers)."""
    names = sorted(outputs)
    columns = {n: outputs[n].numpy() for n in names}
    count = len(next(iter(columns.values())))
    if len(names) == 1:
        return [_jsonable(columns[names[0]][i]) for i in range(count)]
    return [{n: _jsonable(columns[n][i]) for n in names} for i in range(count)]


def serve(model_dir: str, name: str) -> None:
    import tensorflow as tf

    started = time.perf_counter()
    model = tf.saved_model.load(model_dir)
    loaded = time.perf_counter() - started

    def predict(body: dict) -> list:
        signature_name = body.get("signature_name", "serving_default")
        if signature_name not in model.signatures:
            raise ValueError(f"the model has no signature {signature_name!r} (it has "
                             f"{sorted(model.signatures)})")
        fn = model.signatures[signature_name]
        specs = fn.structured_input_signature[1]
        try:
            columns = _columns(body["instances"], sorted(specs))
            inputs = {n: tf.constant(columns[n], dtype=specs[n].dtype) for n in sorted(specs)}
        except (KeyError, TypeError, ValueError) as exc:
            takes = ", ".join(f"{n}: {s.dtype.name} {s.shape.as_list()}"
                              for n, s in sorted(specs.items()))
            raise ValueError(f"signature {signature_name!r} takes {takes}; the instances do "
                             f"not fit it ({type(exc).__name__}: {str(exc)[:200]})") from exc
        return _rows(fn(**inputs))

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 - the http.server API
            if self.path == f"/v1/models/{name}":
                self._answer(200, {"name": name, "ready": True})
            else:
                self._answer(404, {"error": f"no model at {self.path}"})

        def do_POST(self):  # noqa: N802
            if self.path != f"/v1/models/{name}:predict":
                self._answer(404, {"error": f"no model at {self.path}"})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self._answer(200, {"predictions": predict(body)})
            except Exception as exc:  # the request does not fit the model: the client's
                self._answer(400, {"error": f"{type(exc).__name__}: {exc}"[:2000]})

        def log_message(self, *args):  # no access log on standard error
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"READY {server.server_address[1]} {loaded:.6f}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
