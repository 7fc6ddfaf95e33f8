"""The container entrypoint: one node of a KFP run, from KFP's executor input to
KFP's executor output, through the same launcher and executor as the local runner.

KFP gives the artifact URIs (``gs://...``); the executor reads and writes them
through the launcher's mounts (``/gcs/...``, see paths.py). The node is recorded in
the tfpipe MLMD store when a connection is given (``--metadata`` or
``$TFPIPE_METADATA``); without one it runs against a throwaway store, so a resolver
finds nothing. Caching is KFP's (per task ``cachingOptions``), not tfpipe's.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import typing
from dataclasses import replace
from typing import Any, Callable

from ....compiler.ir import ConditionIR, NodeIR, PipelineIR
from ....dsl.annotations import Parameter
from ....errors import ExecutionError, TfpipeError
from ....runners import executor as executor_io
from ....runners.conditions import property_value
from .artifacts import from_runtime, integral, skipped_upstream, to_runtime
from ..contract import RUNTIME_INPUT_PREFIX, is_remote
from .paths import local_path

METADATA_ENV = "TFPIPE_METADATA"


def _declared_types(fn: Callable) -> dict[str, Any]:
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable annotations: no coercion, values as sent
        return {}
    return {k: h.type for k, h in hints.items() if isinstance(h, Parameter)}


def _coerce(value: Any, declared: Any) -> Any:
    """KFP carries every number as a double: give the executor the type it declares."""
    if declared is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return integral(value)


def task_parameters(node: NodeIR, fn: Callable, values: dict[str, Any],
                    runtime_items: list | None = None) -> dict[str, Any]:
    """The node's parameters: its None ones from the IR, the rest from KFP, items of
    dict and list parameters that pipeline parameters set put in place
    (``runtime_items``: [parameter, path, task input] triples); file paths given as
    gs:// (s3://, minio://) URIs become the mounted local paths."""
    declared = _declared_types(fn)
    params = dict(node.parameters)
    carried = {k: v for k, v in values.items() if k.startswith(RUNTIME_INPUT_PREFIX)}
    for name, value in values.items():
        if name not in carried:
            params[name] = _coerce(value, declared.get(name))
    for name, path, key in runtime_items or []:
        target = params[name]
        for step in path[:-1]:
            target = target[step]
        # The compile-time value there says int or float (KFP sends both as numbers).
        target[path[-1]] = _coerce(carried[key], type(target[path[-1]]))
    for name in node.content_parameters:
        if isinstance(params.get(name), str) and is_remote(params[name]):
            params[name] = local_path(params[name])
    return params


def _inputs(node: NodeIR, executor_input: dict) -> dict[str, list]:
    given = executor_input.get("inputs", {}).get("artifacts", {})
    inputs = {}
    for name, spec in node.inputs.items():
        runtime = (given.get(name) or {}).get("artifacts") or []
        inputs[name] = [a for a in (from_runtime(r, spec.type) for r in runtime)
                        if a is not None]
    return inputs


def _declared_outputs(node: NodeIR, executor_input: dict) -> dict[str, dict]:
    given = executor_input.get("outputs", {}).get("artifacts", {})
    missing = [n for n in node.outputs if not (given.get(n) or {}).get("artifacts")]
    if missing:
        raise ExecutionError(f"the executor input declares no output artifact "
                             f"{', '.join(missing)}.", node=node.id,
                             fix="recompile the pipeline with this tfpipe (tfpipe compile)")
    declared = {n: given[n]["artifacts"][0] for n in node.outputs}
    for name, artifact in declared.items():
        uri = str(artifact.get("uri", ""))
        if not uri or ".." in uri.split("/"):
            raise ExecutionError(f"output {name!r} would be written to {uri!r}, which is not a "
                                 "folder under the pipeline root.", node=node.id,
                                 fix="KFP gives each output a URI under the pipeline root; "
                                 "check the pipeline root set for the run")
    return declared


def condition_parameters(node: NodeIR, artifacts: dict[str, list],
                         condition_outputs: dict[str, ConditionIR]) -> dict[str, Any]:
    """The output parameters KFP's condition groups downstream test: each the tested
    property of the node's output artifact, as the kind of the condition's literal."""
    return {name: property_value(condition,
                                 (artifacts.get(condition.output) or [None])[-1], node.id)
            for name, condition in sorted(condition_outputs.items())}


def run_task(executor_input: dict, task_ir: PipelineIR, *, run_id: str = "",
             metadata: str | None = None, runtime_items: list | None = None,
             condition_outputs: dict[str, ConditionIR] | None = None) -> dict:
    """Run the node of ``task_ir``; returns KFP's executor output (with the output
    parameters ``condition_outputs`` name). Raises the node's TfpipeError if it fails.
    A node skipped upstream (``context.skip``) skips this one too, with its reason."""
    from ....metadata.store import connect
    from ....runners.launcher import launch, skip

    [node] = task_ir.nodes
    fn = executor_io.load_executor(node)
    values = executor_input.get("inputs", {}).get("parameterValues", {})
    node = replace(node, parameters=task_parameters(node, fn, values, runtime_items),
                   enable_cache=False)
    declared = _declared_outputs(node, executor_input)
    scratch = tempfile.mkdtemp(prefix="tfpipe-task-")
    try:
        target = metadata or os.path.join(scratch, "metadata.sqlite")  # throwaway if none
        store = connect(target)
        ir = replace(task_ir, nodes=(node,), pipeline_root=scratch, metadata=target)
        if reason := skipped_upstream(executor_input):
            result = skip(store, ir, node, run_id or "kfp-run", {}, reason)
        else:
            result = launch(store, ir, node, run_id or "kfp-run",
                            _inputs(node, executor_input),
                            output_uris={n: local_path(d["uri"]) for n, d in declared.items()})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if result.status == "failed":
        raise result.error
    for declared_output in declared.values():
        # A resolver's outputs hold no files; KFP's launcher still uploads each output
        # path (MinIO, S3), so each exists, empty.
        os.makedirs(local_path(declared_output["uri"]), exist_ok=True)
    output: dict[str, Any] = {"artifacts": {
        name: {"artifacts": [to_runtime(d, a, record_id=bool(metadata), skipped=result.reason)
                             for a in result.artifacts.get(name) or [None]]}
        for name, d in sorted(declared.items())}}
    if condition_outputs and result.status != "skipped":
        output["parameterValues"] = condition_parameters(node, result.artifacts,
                                                         condition_outputs)
    return output


def write_executor_output(executor_input: dict, output: dict) -> str:
    path = local_path(executor_input["outputs"]["outputFile"])
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(output, f, sort_keys=True)
    return path


def main(executor_input_json: str, task_ir_json: str, *, run_id: str = "",
         metadata: str | None = None, runtime_items_json: str | None = None,
         condition_outputs_json: str | None = None) -> None:
    executor_input = json.loads(executor_input_json)
    task_ir = PipelineIR.from_json(task_ir_json)
    if len(task_ir.nodes) != 1:
        raise TfpipeError(f"--task-ir holds {len(task_ir.nodes)} nodes, not one.",
                          fix="recompile the pipeline with tfpipe compile")
    metadata = metadata or os.environ.get(METADATA_ENV) or None
    conditions = {name: ConditionIR(**c)
                  for name, c in json.loads(condition_outputs_json or "{}").items()}
    output = run_task(executor_input, task_ir, run_id=run_id, metadata=metadata,
                      runtime_items=json.loads(runtime_items_json or "null"),
                      condition_outputs=conditions)
    write_executor_output(executor_input, output)
