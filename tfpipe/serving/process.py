"""``tfpipe serve`` as a child process: what InfraValidator, the tests and the benchmark
start. ``ServerProcess(destination, *options).start()`` returns once the server prints
its ready line (the first versions loaded) and gives the model's URL."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

READY = re.compile(r" at (http://\S+)  \(versions: (.*?);")


class NotReady(Exception):
    """The server ended, or did not become ready in time (``timed_out``)."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


def serve_command(destination: str, *options: str) -> list[str]:
    """``tfpipe serve DESTINATION OPTIONS`` in isolated mode (``python -I``): no PYTHONPATH
    and no user site-packages, so neither a module file nor anything beside it is
    importable, as in a serving container; only tfpipe's own folder is added."""
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))
    start = (f"import sys; sys.path.insert(0, {package_parent!r}); "
             "from tfpipe.cli import main; main()")
    return [sys.executable, "-I", "-c", start, "serve", destination, *options]


class ServerProcess:
    def __init__(self, destination: str, *options: str, timeout: float = 300):
        self.command = serve_command(destination, "--port", "0", *options)
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self.stderr = tempfile.TemporaryFile("w+")  # a file: a pipe could fill and block it
        self.url = self.versions = ""
        self.startup_seconds = 0.0

    def start(self) -> str:
        """Start the server; its model's URL once ready. NotReady otherwise (stopped)."""
        started = time.perf_counter()
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1"}
        self.process = subprocess.Popen(self.command, env=env, stdout=subprocess.PIPE,
                                        stderr=self.stderr, text=True)
        line = self._first_line()
        ready = line and READY.search(line)
        if not ready:
            reason = (f"the model server did not start within {self.timeout:g} s"
                      if line is None else self._ended(line))
            self.stop()
            raise NotReady(reason, timed_out=line is None)
        self.startup_seconds = time.perf_counter() - started
        self.url, self.versions = ready.groups()
        return self.url

    def _first_line(self) -> str | None:
        """The server's first line of output ("" if it ends first), None on a timeout."""
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(self.process.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(self.timeout)
        return lines[0].strip() if lines else None

    def _ended(self, line: str) -> str:
        """Why the server ended (or spoke) without becoming ready."""
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            return f"the model server answered {line!r} instead of becoming ready"
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        stderr = self.error_output().splitlines()
        return f"the model server ended before it was ready ({how}): " \
               f"{stderr[-1] if stderr else line or 'no output'}"

    def error_output(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().strip()

    def stop(self) -> int | None:
        """SIGTERM (the server closes its request log), SIGKILL after 30 s; the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        code = self.process.wait()
        self.process.stdout.close()
        return code

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.stderr.close()
