"""Request logs: a sample of the served rows, written as tf.Examples (the raw features the
request gave, as CsvExampleGen writes them) in gzipped TFRecord files rotated by time.

Files go to ``DIR/<YYYY-MM-DD>/requests-<HHMMSS>-<pid>-<n>-<model>-v<version>.tfrecord.gz``
(the model and version that served the rows: a new file begins when the version
changes; ImportExampleGen records them as ``served_versions``, and the skew check's
anomalies carry them, so ``tfpipe ui`` shows the skew beside the model version that served
the traffic). A day is a span for an ExampleGen, TFX's ``{YYYY}-{MM}-{DD}`` pattern, so
``ImportExampleGen(input_base=DIR, input_pattern="{YYYY}-{MM}-{DD}/*.gz")`` ingests the
latest day's traffic (and ``input_pattern="*/*.gz"`` all of it). A file is written
under a hidden name and renamed into place when it is rotated or the server stops, so
an ExampleGen never reads half a file.
"""
from __future__ import annotations

import os
import random
import re
import sys
import time

# The name of a request log file: the model and version that served its rows.
_NAME = re.compile(r"requests-\d{6}-\d+-\d+-(?P<model>.+)-v(?P<version>\d+)\.tfrecord\.gz$")


def served_versions(paths) -> list[dict]:
    """The ``{"model": name, "version": n}`` whose traffic the request log files among
    ``paths`` hold (none for files of other names), in order."""
    found = {(m["model"], int(m["version"]))
             for m in (_NAME.match(os.path.basename(p)) for p in paths) if m}
    return [{"model": model, "version": version} for model, version in sorted(found)]


class RequestLog:
    def __init__(self, folder: str, sample_rate: float = 1.0, rotate_seconds: float = 60.0,
                 seed: int | None = None, model: str = "model"):
        self.folder, self.sample_rate, self.rotate_seconds = folder, sample_rate, rotate_seconds
        self.model = model
        self._random = random.Random(seed)
        self._writer = None
        self._path = self._hidden = ""
        self._opened = 0.0
        self._count = 0
        self._version: int | None = None
        self.written = 0

    def log(self, examples: list[bytes], version: int) -> None:
        """Write the rows of a request ``version`` served, if it is in the sample."""
        if not examples or self._random.random() >= self.sample_rate:
            return
        self.tick()
        if self._writer is not None and version != self._version:
            self.rotate()
        if self._writer is None:
            self._version = version
            self._open()
        for example in examples:
            self._writer.write(example)
        self.written += len(examples)

    def tick(self) -> None:
        """Rotate the current file if it is older than ``rotate_seconds`` (the server
        calls this on every poll, so a quiet server's file still lands)."""
        if self._writer is not None and time.time() - self._opened >= self.rotate_seconds:
            self.rotate()

    def _open(self) -> None:
        import tensorflow as tf

        now = time.gmtime()
        day = os.path.join(self.folder, time.strftime("%Y-%m-%d", now))
        os.makedirs(day, exist_ok=True)
        self._count += 1
        name = (f"requests-{time.strftime('%H%M%S', now)}-{os.getpid()}-{self._count}"
                f"-{self.model}-v{self._version}.tfrecord.gz")
        self._path, self._hidden = os.path.join(day, name), os.path.join(day, "." + name)
        self._writer = tf.io.TFRecordWriter(self._hidden, options="GZIP")
        self._opened = time.time()

    def rotate(self) -> None:
        """Close the current file and move it into place (readable from now on)."""
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            writer.close()
            os.replace(self._hidden, self._path)
        except OSError as exc:  # e.g. the folder moved away under the server: said, and
            # the next request begins a new file
            print(f"tfpipe serve: the request log {self._path} could not be moved into "
                  f"place ({exc.strerror or exc}): its rows are lost; the next request "
                  "begins a new file", file=sys.stderr, flush=True)

    close = rotate
