"""Ctrl-C and SIGTERM: both stop a run the same way, once.

While ``stop_signals_raise`` is active, SIGINT raises KeyboardInterrupt in the main
thread and SIGTERM (what a scheduler, systemd or Kubernetes sends) raises
``Terminated``, a KeyboardInterrupt, so that one code path stops a run or a watch
cleanly for both, with the one exit code 130 ("interrupted"). Only the first signal
raises: the same signal arriving twice (from the terminal and from the `tfpipe run`
that started this process, or a second Ctrl-C) must not break off the cleanup the
first one started.
"""
from __future__ import annotations

import contextlib
import signal

EXIT_INTERRUPTED = 130


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt: it stops a run (or a watch)
    the way Ctrl-C does (exit code 130 too)."""

    exit_code = EXIT_INTERRUPTED


@contextlib.contextmanager
def stop_signals_raise():
    """While the block runs, the first SIGINT or SIGTERM raises KeyboardInterrupt or
    Terminated in the main thread; later ones are ignored."""
    raised = []

    def handler(signum, frame):
        if not raised:
            raised.append(signum)
            raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    try:
        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: signals cannot be caught there
        yield
        return
    try:
        yield
    finally:
        for s, before in previous.items():
            signal.signal(s, before if before is not None else signal.SIG_DFL)


def signal_of(stop: KeyboardInterrupt) -> signal.Signals:
    """The signal a KeyboardInterrupt stands for."""
    return signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT
