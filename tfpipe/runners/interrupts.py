"""Ctrl-C and SIGTERM: both stop a run the same way.

SIGINT raises KeyboardInterrupt in the main thread; while ``sigterm_raises`` is active,
SIGTERM (what a scheduler, systemd or Kubernetes sends) raises ``Terminated``, a
KeyboardInterrupt, so that one code path stops a run or a watch cleanly for both, with
the one exit code 130 ("interrupted").
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
def sigterm_raises():
    """While the block runs, SIGTERM raises Terminated in the main thread (as SIGINT
    raises KeyboardInterrupt) instead of killing the process at once."""
    def handler(signum, frame):
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: signals cannot be caught there
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
