"""Finding a node's executor function and calling it with typed arguments."""
from __future__ import annotations

import importlib
import inspect
import os
from typing import Any, Callable

from ..compiler.ir import NodeIR
from ..artifacts import Artifact
from ..dsl.component import CONTEXT_ARG, Component
from ..dsl.context import ExecutionContext
from ..dsl.loader import load_module_from_file
from ..errors import ExecutionError, TfpipeError, UserCodeError, out_of_space, user_frame


def load_executor(node: NodeIR) -> Callable:
    module_name, _, qualname = node.executor.partition(":")
    if node.source_file:
        module = load_module_from_file(node.source_file)
    else:
        module = importlib.import_module(module_name)
    target: Any = module
    for part in qualname.split("."):
        target = getattr(target, part)
    return target.fn if isinstance(target, Component) else target


def input_arguments(node: NodeIR, inputs: dict[str, list[Artifact]]) -> dict[str, Any]:
    """What the executor gets for each input: the list for ``Input[list[T]]``, else the
    one artifact (None when an optional input got nothing)."""
    arguments: dict[str, Any] = {}
    for name, spec in node.inputs.items():
        arts = list(inputs.get(name) or [])
        if spec.many:
            arguments[name] = arts
        elif len(arts) > 1:
            raise ExecutionError(
                f"input {name!r} of {node.component} takes one {spec.type}, but "
                f"{spec.producer}.outputs['{spec.output}'] carries {len(arts)} (a window of "
                "spans).", node=node.id,
                fix=f"wire {name} to a channel of one artifact, or use a component whose "
                f"input is Input[list[{spec.type}]] (Transform and Trainer take windows)")
        else:
            arguments[name] = arts[0] if arts else None
    return arguments


def call(fn: Callable, inputs: dict[str, Artifact | None], outputs: dict[str, Artifact],
         parameters: dict[str, Any], context: ExecutionContext) -> Any:
    """Call the executor; returns what it returns (a resolver's chosen artifacts)."""
    accepted = inspect.signature(fn).parameters
    # Outputs a resolver declares with ``returns=`` are not arguments of its function.
    kwargs: dict[str, Any] = {**{k: v for k, v in outputs.items() if k in accepted},
                              **inputs, **parameters}
    if CONTEXT_ARG in accepted:
        kwargs[CONTEXT_ARG] = context
    return fn(**kwargs)


def as_tfpipe_error(exc: BaseException, node: NodeIR) -> TfpipeError:
    """Any exception from an executor as one clear error naming the node."""
    if isinstance(exc, TfpipeError):
        if exc.node is None:
            exc.node = node.id
        return exc
    full = out_of_space(exc)
    if full:
        where = f" writing {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
        return ExecutionError(f"{node.component} ran out of disk space{where}: "
                              f"{full}.", node=node.id,
                              fix="free space on the disk that holds the pipeline root "
                              "(`df -h` shows it), or set pipeline_root to a larger disk; "
                              "this node's outputs were removed")
    if isinstance(exc, PermissionError) and exc.filename:
        return ExecutionError(f"{node.component} may not open {exc.filename}: {exc.strerror}.",
                              node=node.id, fix="give the user who runs tfpipe access to it "
                              f"(e.g. chmod a+r {exc.filename} for an input file)")
    if isinstance(exc, SyntaxError) and exc.lineno and os.path.isabs(exc.filename or "") \
            and "-packages" not in exc.filename:  # user code that an executor imported
        return UserCodeError(f"{node.component} failed in user code: {exc.filename} has a "
                             f"syntax error: {exc.msg}.", node=node.id,
                             where=f"{exc.filename}:{exc.lineno}", fix="correct the line shown")
    text = str(exc).strip().split(" [while running")[0]
    lines = text.splitlines()
    summary = f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    if isinstance(exc, SystemExit):
        summary = (f"it called sys.exit({exc.code!r}); a component fails by raising an "
                   "exception, and never ends the tfpipe process")
    elif isinstance(exc, KeyboardInterrupt):
        summary = "it raised KeyboardInterrupt"
    if len(lines) > 1:
        summary += f" (+{len(lines) - 1} more lines with --verbose)"
    where = user_frame(exc)
    if where:
        return UserCodeError(f"{node.component} failed in user code: {summary}", node=node.id,
                             where=where, fix="fix the code at the line shown above; "
                             "--verbose shows the full traceback")
    return ExecutionError(f"{node.component} failed: {summary}", node=node.id,
                          fix="run with --verbose for the full traceback")
