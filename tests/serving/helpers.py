"""Talking to a real `tfpipe serve` process over HTTP, as a client would."""
from __future__ import annotations

import glob
import json
import urllib.error
import urllib.request


def call(url: str, body=None, raw: bytes | None = None, timeout: float = 60):
    """(HTTP status, JSON answer, X-Model-Version) of a GET (no body) or POST."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.load(answer), answer.headers.get("X-Model-Version")
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), None


def raw_examples(examples_folder, split: str, count: int) -> list[bytes]:
    """The first ``count`` serialized tf.Examples of a split, as an ExampleGen wrote them."""
    import tensorflow as tf

    files = sorted(glob.glob(str(examples_folder / "*" / f"Split-{split}" / "*.gz")))
    return [r.numpy() for r in tf.data.TFRecordDataset(files, compression_type="GZIP").take(count)]
