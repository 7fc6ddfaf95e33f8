"""Request logs: a sample of the served rows, written as tf.Examples (the raw features the
request gave, as CsvExampleGen writes them) in gzipped TFRecord files rotated by time.

Files go to ``DIR/<YYYY-MM-DD>/requests-<HHMMSS>-<pid>-<n>.tfrecord.gz``: a day is a span
for an ExampleGen, TFX's ``{YYYY}-{MM}-{DD}`` pattern, so
``ImportExampleGen(input_base=DIR, input_pattern="{YYYY}-{MM}-{DD}/*.gz")`` ingests the
latest day's traffic (and ``input_pattern="*/*.gz"`` all of it). A file is written
under a hidden name and renamed into place when it is rotated or the server stops, so
an ExampleGen never reads half a file.
"""
from __future__ import annotations

import os
import random
import time


class RequestLog:
    def __init__(self, folder: str, sample_rate: float = 1.0, rotate_seconds: float = 60.0,
                 seed: int | None = None):
        self.folder, self.sample_rate, self.rotate_seconds = folder, sample_rate, rotate_seconds
        self._random = random.Random(seed)
        self._writer = None
        self._path = self._hidden = ""
        self._opened = 0.0
        self._count = 0
        self.written = 0

    def log(self, examples: list[bytes]) -> None:
        """Write the request's rows, if the request is in the sample."""
        if not examples or self._random.random() >= self.sample_rate:
            return
        self.tick()
        if self._writer is None:
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
        name = f"requests-{time.strftime('%H%M%S', now)}-{os.getpid()}-{self._count}.tfrecord.gz"
        self._path, self._hidden = os.path.join(day, name), os.path.join(day, "." + name)
        self._writer = tf.io.TFRecordWriter(self._hidden, options="GZIP")
        self._opened = time.time()

    def rotate(self) -> None:
        """Close the current file and move it into place (readable from now on)."""
        if self._writer is None:
            return
        self._writer.close()
        os.replace(self._hidden, self._path)
        self._writer = None

    close = rotate
