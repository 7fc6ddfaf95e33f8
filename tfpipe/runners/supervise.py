"""A run in a child process, watched by a light parent that outlives it.

``tfpipe run`` starts the run as a child ``tfpipe run`` process and waits. A node's code
runs inside the run's process: an exception becomes a failed node, but a crash in
native code (a segfault in TensorFlow or a C extension), ``os._exit`` in a module file,
or the kernel's out-of-memory killer ends the process at once, with no chance to record
anything. The parent then does what the run could not: it takes the pipeline root's
run lock (the dead process released it), marks the executions left RUNNING FAILED
with the cause, ABANDONs and removes their half-written outputs, and exits 3 with one
clear message naming the node. The parent never imports TensorFlow or Beam.

The child learns where to report through ``RUN_INFO_ENV``: the path of a file where it
writes, once it holds the run lock, the pipeline's name, root and metadata store. Ctrl-C
reaches both processes (one process group) and the parent passes on what it gets
(SIGINT or SIGTERM: a scheduler stops the parent alone): the child stops the run once
(exit 130), however many times it is told, and the parent waits for it. If the parent
itself is killed, the child gets SIGTERM (Linux's parent-death signal) rather than
running on unsupervised.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from typing import NoReturn

from ..errors import ExecutionError
from .interrupts import EXIT_INTERRUPTED, signal_of, stop_signals_raise

RUN_INFO_ENV = "TFPIPE_RUN_INFO"
# What `tfpipe run` exits with by itself (see the README's exit-code table).
KNOWN_EXIT_CODES = {0, 1, 2, 3, 4, EXIT_INTERRUPTED}
STOP_GRACE_SECONDS = 60  # how long an interrupted run may take to stop before it is killed

_HOW_SIGNALS_HAPPEN = {
    signal.SIGSEGV: "a crash in native code (TensorFlow, a C extension, or code the "
                    "module file calls)",
    signal.SIGBUS: "a crash in native code",
    signal.SIGABRT: "a native library aborted",
    signal.SIGKILL: "often the kernel's out-of-memory killer (`dmesg` says)",
}


def run_command(pipeline_file: str, *, params=(), from_nodes=(), to_nodes=(),
                metadata: str | None = None, trigger: str | None = None,
                parallelism: int = 2, flags: dict[str, bool] | None = None,
                options: dict[str, str | None] | None = None) -> list[str]:
    """The ``tfpipe run`` command line of the child that runs the pipeline, with the
    user's options (``flags``: switches such as ``--no-cache`` that are on or off;
    ``options``: options with a value, such as ``--beam``, left out where None)."""
    command = [sys.executable, "-m", "tfpipe.cli", "run", os.path.abspath(pipeline_file),
               "-j", str(parallelism)]
    for flag, values in (("-p", params), ("--from-node", from_nodes), ("--to-node", to_nodes),
                         ("--metadata", [metadata] if metadata else []),
                         ("--trigger", [trigger] if trigger else [])):
        for value in values:
            command += [flag, value]
    for option, value in (options or {}).items():
        if value is not None:
            command += [option, str(value)]
    return command + [flag for flag, on in (flags or {}).items() if on]


def announce(pipeline: str, pipeline_root: str, metadata: str) -> None:
    """Called by the run, holding the run lock: tell the supervising parent (if any)
    which store and root to clean up should this process die."""
    path = os.environ.get(RUN_INFO_ENV)
    if path:
        with open(path, "w") as f:
            json.dump({"pipeline": pipeline, "pipeline_root": pipeline_root,
                       "metadata": metadata}, f)


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def leave(code: int) -> NoReturn:
    """End the supervised run now with ``code``, its work recorded and its output
    flushed, skipping the interpreter's teardown: TensorFlow's and Beam's clean-up of
    objects no longer needed costs time and prints "Exception ignored in:
    AtomicFunction.__del__" tracebacks under the run's summary."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def supervised() -> bool:
    """True in a run started by ``run_supervised`` (it runs the pipeline itself)."""
    return RUN_INFO_ENV in os.environ


def run_supervised(command: list[str], *, raise_interrupt: bool = False) -> int:
    """Run ``command`` (a ``tfpipe run`` command line) as a supervised child; its exit
    code, or 3 after cleaning up if it died. Interrupted, the child is waited for while
    it stops; then its exit code is returned, or with ``raise_interrupt`` (the watch,
    which stops too) the interrupt goes on."""
    with tempfile.TemporaryDirectory(prefix="tfpipe-run-") as folder:
        info = os.path.join(folder, "run.json")
        process = subprocess.Popen(command, env={**os.environ, RUN_INFO_ENV: info},
                                   preexec_fn=_die_with_parent)
        interrupted = None
        with stop_signals_raise():  # only the first signal raises: the rest are ignored
            try:
                code = process.wait()
            except KeyboardInterrupt as stop:  # passed on: a scheduler stops the parent alone
                interrupted = stop
                process.send_signal(signal_of(stop))
                code = _wait_stopping(process)
        if interrupted is not None:
            if raise_interrupt:
                raise interrupted
            return code
        if code in KNOWN_EXIT_CODES:
            return code
        return _close_dead_run(info, code)


def _wait_stopping(process: subprocess.Popen) -> int:
    try:
        return process.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def describe_death(code: int) -> str:
    """How a process ended, from its exit status as subprocess reports it."""
    if code < 0:
        try:
            sig = signal.Signals(-code)
        except ValueError:
            return f"it was killed by signal {-code}"
        how = _HOW_SIGNALS_HAPPEN.get(sig)
        return f"it was killed by {sig.name}" + (f": {how}" if how else "")
    return (f"it ended with exit code {code}, which tfpipe never uses (os._exit({code}) in "
            "a module file, or a library ending the process)")


def _close_dead_run(info_path: str, code: int) -> int:
    """The run's process died: close what it left RUNNING, then raise the error."""
    from ..metadata import executions
    from ..metadata.store import connect
    from .lock import pipeline_lock
    from .scheduler import remove_outputs

    cause = describe_death(code)
    try:
        with open(info_path) as f:
            info = json.load(f)
    except (OSError, ValueError):
        raise ExecutionError(f"the run's process died before any node started: {cause}.",
                             fix="run again with --verbose to see where") from None
    root, pipeline = info["pipeline_root"], info["pipeline"]
    with pipeline_lock(root, pipeline):
        store = connect(info["metadata"])
        closed = executions.close_running(
            store, pipeline, root, f"the run's process died while this node ran: {cause}",
            state="FAILED")
        remove_outputs(closed)
    nodes = sorted(closed)
    which = f"while {' and '.join(nodes)} ran" if nodes else "between nodes"
    raise ExecutionError(
        f"the run's process died {which}: {cause}.", node=nodes[0] if nodes else None,
        fix="nothing half-written was kept (the node is FAILED, its outputs removed); "
            "fix the cause and run again: finished nodes are reused from the cache")
