"""``tfpipe serve TARGET`` and ``tfpipe.serve(TARGET)``: what to serve, and serving it.

TARGET is a push destination (a folder of version folders, TF Serving's layout), one
version's folder (served alone), or a pipeline file: its Pusher's ``push_destination``
as the pipeline compiles to IR (``params`` go to ``create_pipeline`` as ``-p`` does for
``tfpipe run``). The model's name defaults to the pipeline's name, else the folder's.
"""
from __future__ import annotations

import os
from dataclasses import replace

from ..errors import ServeError
from .server import DEFAULT_PORT, ServeOptions, run
from .sockets import bind
from .versions import Policy


def resolve(target: str, params: dict | None = None) -> tuple[str, str, Policy | None]:
    """The destination folder, the default model name, and the policy a single version's
    folder implies (None otherwise)."""
    if os.path.isfile(target):
        return _from_pipeline(target, params or {})
    if not os.path.isdir(target):
        raise ServeError(f"tfpipe serve: {target} is neither a folder nor a pipeline file.",
                         fix="give the Pusher's push_destination (the folder of version "
                         "folders), or the pipeline.py whose Pusher pushes there")
    folder = os.path.abspath(target)
    name = os.path.basename(folder)
    if os.path.exists(os.path.join(folder, "saved_model.pb")):
        parent = os.path.dirname(folder)
        if not name.isdigit():
            raise ServeError(f"tfpipe serve: {folder} is a SavedModel, not a version folder "
                             "(named by an integer) inside a push destination.",
                             fix=f"copy it to a folder named 1 inside another folder and serve "
                             f"that, e.g. mkdir -p served && cp -r {target} served/1")
        return parent, os.path.basename(parent), Policy("specific", versions=(int(name),))
    return folder, name, None


def _from_pipeline(path: str, params: dict) -> tuple[str, str, Policy | None]:
    from ..compiler import compile_pipeline
    from ..dsl.loader import load_pipeline

    ir = compile_pipeline(load_pipeline(path, params))
    pushers = [n for n in ir.nodes if "push_destination" in n.parameters]
    if not pushers:
        raise ServeError(f"tfpipe serve: pipeline {ir.name!r} ({path}) has no Pusher, so "
                         "nothing it makes is served.",
                         fix="add a Pusher(push_destination=...) to the pipeline, or give the "
                         "push destination folder itself")
    if len(pushers) > 1:
        raise ServeError(f"tfpipe serve: pipeline {ir.name!r} has {len(pushers)} Pushers ("
                         f"{', '.join(n.id for n in pushers)}).",
                         fix="serve one of their push destinations: " + ", ".join(
                             str(n.parameters["push_destination"]) for n in pushers))
    return str(pushers[0].parameters["push_destination"]), ir.name, None


def serve(target: str, *, model_name: str | None = None, host: str = "127.0.0.1",
          port: int = DEFAULT_PORT, poll_seconds: float = 2.0, version_policy: str = "latest",
          params: dict | None = None, ready=None, **options) -> None:
    """Serve the model versions of ``target`` over TF Serving's REST API until SIGINT or
    SIGTERM. ``version_policy``: ``latest``, ``latest:N``, ``all`` or ``specific:V1,V2``.
    Other options are ``ServeOptions``' fields (``max_batch_size``, ``batch_timeout_ms``,
    ``max_body_bytes``, ``log_requests``, ``sample_rate``, ``log_rotate_seconds``).
    ``ready(server)`` is called once the first versions are loaded."""
    base, name, implied = resolve(target, params)
    try:
        policy = implied or Policy.parse(version_policy)
    except ValueError as exc:
        raise ServeError(f"tfpipe serve: --version-policy {exc}.",
                         fix="e.g. --version-policy latest:2") from None
    if not 0 <= options.get("sample_rate", 1.0) <= 1:
        raise ServeError("tfpipe serve: --sample-rate must be between 0 and 1.",
                         fix="e.g. --sample-rate 0.1 logs one request in ten")
    opts = replace(ServeOptions(base, model_name or name, host, port, poll_seconds, policy),
                   **options)
    sockets = bind(host, port, "tfpipe serve")
    run(replace(opts, port=sockets[0].getsockname()[1]), sockets, ready)
