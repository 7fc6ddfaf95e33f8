"""One error hierarchy for everything tfpipe reports to a user.

Every error carries the place it happened (a node id, a file and line), the cause,
and the fix, and renders them as one readable message. The CLI turns any
``TfpipeError`` into that message and a non-zero exit code; tracebacks are for
``--verbose`` only.
"""
from __future__ import annotations

import errno
import os
import traceback

_TFPIPE_DIR = os.path.dirname(os.path.abspath(__file__))


class TfpipeError(Exception):
    """Base of every error tfpipe raises on purpose."""

    exit_code = 1
    kind = "error"
    # Beam re-raises exceptions from a DoFn as a new exception of the same type with the
    # step name appended, which would drop node and fix; this marks ours as already
    # annotated so Beam passes them through unchanged.
    _tagged_with_step = True

    def __init__(self, message: str, *, node: str | None = None, fix: str | None = None,
                 where: str | None = None):
        super().__init__(message)
        self.message = message
        self.node = node
        self.fix = fix
        self.where = where

    def __str__(self) -> str:
        head = f"[{self.node}] " if self.node else ""
        text = f"{head}{self.message}"
        if self.where:
            text += f"\n  at {self.where}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text

    def __reduce__(self):  # survive pickling across Beam workers
        return (_rebuild, (type(self), self.message, self.node, self.fix, self.where))


def _rebuild(cls, message, node, fix, where):
    return cls(message, node=node, fix=fix, where=where)


class DefinitionError(TfpipeError):
    """A component or pipeline is declared wrongly in user code."""

    exit_code = 2
    kind = "definition error"


class PipelineLoadError(DefinitionError):
    """A pipeline.py file cannot be imported or exposes no pipeline."""

    kind = "cannot load pipeline"


class CompileError(DefinitionError):
    """A pipeline is well-formed Python but not a valid pipeline graph."""

    kind = "compile error"


class ExecutionError(TfpipeError):
    """A node failed while running."""

    exit_code = 3
    kind = "execution failed"


class InputDataError(ExecutionError):
    """The data a node reads is missing or malformed."""

    kind = "bad input data"


class AnomaliesFound(ExecutionError):
    """ExampleValidator found anomalies and the pipeline asked to stop on them."""

    kind = "anomalies found"


class UserCodeError(ExecutionError):
    """The user's module file or component function raised."""

    kind = "error in user code"


class MetadataError(TfpipeError):
    """The ML Metadata store cannot be opened or written."""

    exit_code = 4
    kind = "metadata store error"


class NotFoundError(MetadataError):
    """What a command asked for (a run, an artifact, a store) is not recorded."""

    kind = "not found"


class ServeError(TfpipeError):
    """``tfpipe ui`` or ``tfpipe serve`` cannot listen where it was asked to (a port in
    use), or ``tfpipe serve`` has nothing to serve there."""

    exit_code = 2
    kind = "cannot serve"


class NodeSkipped(Exception):
    """Not an error: an executor decided not to run (``ExecutionContext.skip(reason)``,
    e.g. BulkInferrer with a model that is not blessed). The node is recorded as
    skipped with ``reason``, writes no outputs, and the run still succeeds."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


def out_of_space(exc: BaseException) -> str | None:
    """The system's words for a full disk (or quota) if that is what ``exc`` is, also when
    a library reports it in its own exception (TensorFlow's ResourceExhaustedError, which
    Beam re-raises as a RuntimeError); None otherwise."""
    if isinstance(exc, OSError) and exc.errno in _FULL_DISK:
        return exc.strerror
    text = str(exc)
    return next((os.strerror(code) for code in _FULL_DISK if os.strerror(code) in text), None)


class DiskFull(OSError):
    """A full disk met inside a Beam DoFn, raised as an ``OSError`` with its errno, which
    Beam passes on as it is (without logging it with a traceback)."""

    _tagged_with_step = True


def user_frame(exc: BaseException) -> str | None:
    """file:line of the deepest traceback frame in user code (not tfpipe, not a library)."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if not os.path.isabs(frame.filename):  # compiled library code ("apache_beam/...")
            continue
        path = os.path.abspath(frame.filename)
        if path.startswith(_TFPIPE_DIR) or "-packages" in path:
            continue
        found = f"{frame.filename}:{frame.lineno}"
    return found
