"""One run of a pipeline at a time per pipeline root: a second run waits its turn."""
from __future__ import annotations

import contextlib
import fcntl
import os

from .. import events
from ..errors import DefinitionError

LOCK_FILE = ".tfpipe-run.lock"


@contextlib.contextmanager
def pipeline_lock(pipeline_root: str, pipeline: str, *,
                  emit: events.Listener = events.silent):
    """Hold an exclusive lock on the pipeline root while a run goes on. Runs of other
    pipelines (other roots) go on at the same time; the lock is released by the OS if
    the process dies, so a killed run never blocks the next one. Waiting for another
    run is reported to ``emit``."""
    root = os.path.abspath(pipeline_root)
    path = os.path.join(root, LOCK_FILE)
    if os.path.exists(root) and not os.path.isdir(root):
        raise DefinitionError(f"pipeline_root {root} is a file, not a folder.",
                              fix="point pipeline_root at a folder (it is created if missing), "
                              "or move the file away")
    try:
        os.makedirs(root, exist_ok=True)
        handle = open(path, "a+")
    except OSError as exc:
        raise DefinitionError(f"cannot write to the pipeline root {root}: {exc.strerror}.",
                              fix="choose a pipeline_root you can write to (Pipeline(..., "
                              "pipeline_root=...))") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            emit(events.WaitingForLock(pipeline, root, holder))
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
