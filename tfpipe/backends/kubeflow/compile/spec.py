"""The IR as a Kubeflow Pipelines v2 ``PipelineSpec``, as plain dicts.

One component, executor and task per node. Every task runs the tfpipe image with
``python -m tfpipe.runners.kubeflow`` and an argv list holding only KFP placeholders
and the node's own IR (JSON); artifacts flow as KFP artifacts typed ``tfx.<Type>``;
parameters with a value are KFP parameters (constants, or pipeline parameters for
runtime parameters), parameters that are None stay in the embedded IR.
"""
from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import Any

from .... import __version__
from ....compiler.ir import NodeIR, PipelineIR
from .checks import check_parameter, check_task_names, kfp_name
from .conditions import condition_outputs, nest, parameter_type as condition_parameter_type
from ..contract import ENTRYPOINT, EXECUTOR_INPUT, RUN_ID, RUNTIME_INPUT_PREFIX, is_remote

SCHEMA_VERSION = "2.1.0"  # of the PipelineSpec (what kfp 2.x writes)
ARTIFACT_SCHEMA_PREFIX = "tfx."  # TFX's titles, so TFX-aware KFP tools recognise them
ARTIFACT_SCHEMA_VERSION = "0.0.1"

_PARAMETER_TYPES = [(bool, "BOOLEAN"), (int, "NUMBER_INTEGER"), (float, "NUMBER_DOUBLE"),
                    (str, "STRING"), (list, "LIST"), (dict, "STRUCT")]


def parameter_type(value: Any) -> str:
    for python_type, kfp_type in _PARAMETER_TYPES:
        if isinstance(value, python_type):
            return kfp_type
    raise TypeError(f"no KFP parameter type for {value!r}")


def artifact_type(type_name: str) -> dict:
    return {"schemaTitle": ARTIFACT_SCHEMA_PREFIX + type_name,
            "schemaVersion": ARTIFACT_SCHEMA_VERSION}


def json_arg(value: Any, *, sort_keys: bool = False) -> str:
    """A JSON value as one argv item. ``{{`` is escaped so that KFP can never read a
    file name, key or value in it as a placeholder ("{{" only occurs inside JSON
    strings, where \\u007b is the same character)."""
    text = json.dumps(value, sort_keys=sort_keys, separators=(",", ":"))
    return text.replace("{{", "{\\u007b")


def task_ir_json(ir: PipelineIR, node: NodeIR) -> str:
    """The IR the entrypoint runs: this node alone, keeping only its None parameters
    (the others arrive as KFP parameters)."""
    slim = replace(node, parameters={k: v for k, v in node.parameters.items() if v is None},
                   conditions=())  # KFP evaluates them (conditions.py)
    task = replace(ir, nodes=(slim,), metadata="",
                   pipeline_root=ir.pipeline_root if is_remote(ir.pipeline_root) else "")
    return json_arg(task.to_dict(), sort_keys=True)


def _component(node: NodeIR, task: str, param_types: dict[str, str],
               condition_params: dict[str, Any]) -> dict:
    inputs: dict[str, Any] = {}
    if param_types:
        inputs["parameters"] = {k: {"parameterType": t} for k, t in sorted(param_types.items())}
    if node.inputs:
        inputs["artifacts"] = {k: {"artifactType": artifact_type(i.type)}
                               for k, i in sorted(node.inputs.items())}
    spec: dict[str, Any] = {"executorLabel": f"exec-{task}"}
    if inputs:
        spec["inputDefinitions"] = inputs
    if node.outputs:
        spec["outputDefinitions"] = {"artifacts": {
            k: {"artifactType": artifact_type(t)} for k, t in sorted(node.outputs.items())}}
    if condition_params:  # properties that conditions downstream test
        spec.setdefault("outputDefinitions", {})["parameters"] = {
            k: {"parameterType": condition_parameter_type(c)}
            for k, c in sorted(condition_params.items())}
    return spec


def _task(node: NodeIR, task: str, tasks: dict[str, str], wired: dict[tuple[str, tuple], str],
          runtime_types: dict[str, str]) -> tuple[dict, dict[str, str], list]:
    """The DAG task of a node, the KFP types of its input parameters, and the items of
    parameters that the entrypoint fills from pipeline parameters."""
    params, types, items = {}, {}, []
    for name, value in sorted(node.parameters.items()):
        if value is None:
            continue
        check_parameter(node.id, name, value)
        types[name] = parameter_type(value)
        whole = wired.get((name, ()))
        params[name] = ({"componentInputParameter": whole} if whole
                        else {"runtimeValue": {"constant": value}})
    for (name, path), runtime in sorted(wired.items()):
        if path:
            key = RUNTIME_INPUT_PREFIX + runtime
            params[key] = {"componentInputParameter": runtime}
            types[key] = runtime_types[runtime]
            items.append([name, list(path), key])
    inputs: dict[str, Any] = {}
    if params:
        inputs["parameters"] = params
    if node.inputs:
        inputs["artifacts"] = {k: {"taskOutputArtifact": {"producerTask": tasks[i.producer],
                                                          "outputArtifactKey": i.output}}
                               for k, i in sorted(node.inputs.items())}
    spec: dict[str, Any] = {"componentRef": {"name": f"comp-{task}"},
                            "taskInfo": {"name": task},
                            "cachingOptions": {"enableCache": node.enable_cache}}
    if inputs:
        spec["inputs"] = inputs
    if node.upstream:
        spec["dependentTasks"] = sorted(tasks[u] for u in node.upstream)
    return spec, types, items


def pipeline_spec(ir: PipelineIR, *, image: str, metadata: str | None = None,
                  runtime_parameters: dict[str, Any] | None = None,
                  wiring: dict[tuple[str, str, tuple], str] | None = None) -> dict:
    """The PipelineSpec of ``ir`` (already mapped into the image). ``runtime_parameters``
    are pipeline parameters with their defaults; ``wiring`` maps (node id, parameter,
    path of an item inside its value or ``()``) to the pipeline parameter feeding it."""
    runtime_parameters = runtime_parameters or {}
    runtime_types = {k: parameter_type(v) for k, v in runtime_parameters.items()}
    wiring = wiring or {}
    tasks = {n.id: kfp_name(n.id) for n in ir.nodes}
    check_task_names(tasks)
    components, executors, dag = {}, {}, {}
    tested = condition_outputs(ir)
    for node in ir.nodes:
        task = tasks[node.id]
        wired = {(p, path): rp for (n, p, path), rp in wiring.items() if n == node.id}
        dag[task], types, items = _task(node, task, tasks, wired, runtime_types)
        components[f"comp-{task}"] = _component(node, task, types, tested.get(node.id, {}))
        args = ["--executor-input", EXECUTOR_INPUT, "--run-id", RUN_ID,
                "--task-ir", task_ir_json(ir, node)]
        if items:
            args += ["--runtime-items", json_arg(items)]
        if node.id in tested:
            args += ["--condition-outputs", json_arg(
                {k: asdict(c) for k, c in sorted(tested[node.id].items())}, sort_keys=True)]
        if metadata:
            args += ["--metadata", metadata]
        executors[f"exec-{task}"] = {"container": {"image": image, "command": list(ENTRYPOINT),
                                                   "args": args}}
    root: dict[str, Any] = {"dag": {"tasks": nest(ir, tasks, dag, components, runtime_types)}}
    if runtime_parameters:
        root["inputDefinitions"] = {"parameters": {
            name: {"parameterType": runtime_types[name], "defaultValue": value}
            for name, value in sorted(runtime_parameters.items())}}
    spec = {"pipelineInfo": {"name": ir.name}, "components": components,
            "deploymentSpec": {"executors": executors}, "root": root,
            "schemaVersion": SCHEMA_VERSION, "sdkVersion": f"tfpipe-{__version__}"}
    if is_remote(ir.pipeline_root):
        spec["defaultPipelineRoot"] = ir.pipeline_root
    return spec
