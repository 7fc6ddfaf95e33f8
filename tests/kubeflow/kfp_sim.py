"""Running a compiled PipelineSpec the way a KFP v2 cluster does, minus Kubernetes:
each task in dependency order (a condition group's sub-DAG only if its CEL
``triggerPolicy.condition`` holds for the output parameters it tests), its executor
input built from the spec (constants, pipeline parameters, upstream output artifacts
and parameters, with their metadata) and passed
through KFP's own ``ExecutorInput`` proto, its container argv taken from the spec
with the placeholders substituted, and its executor output read back through KFP's
``ExecutorOutput`` proto."""
from __future__ import annotations

import graphlib
from concurrent import futures
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2 as pb

PLACEHOLDER = re.compile(r"\{\{\$[^}]*\}\}")


@dataclass
class TaskRun:
    task: str
    argv: list[str]
    executor_input: dict
    returncode: int
    stderr: str
    executor_output: dict = field(default_factory=dict)


def _proto_round_trip(message, data: dict) -> dict:
    """What KFP's Go launcher would hand over: the proto's JSON form (strict parse)."""
    json_format.ParseDict(data, message, ignore_unknown_fields=False)
    return json_format.MessageToDict(message)


def sorted_keys(value):
    """KFP's Go backend holds Struct fields in a Go map: their insertion order is gone
    (protojson writes them sorted). Do the same, so nothing here relies on it."""
    if isinstance(value, dict):
        return {k: sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(v) for v in value]
    return value


def substitute(args: list[str], values: dict[str, str]) -> list[str]:
    """KFP's placeholder substitution; an unknown placeholder is an error."""
    out = []
    for arg in args:
        for found in PLACEHOLDER.findall(arg):
            if found not in values:
                raise AssertionError(f"placeholder {found} in {arg[:80]!r} cannot be resolved")
            arg = arg.replace(found, values[found])
        out.append(arg)
    return out


@dataclass
class Scope:
    """The inputs of the DAG being run: the pipeline's parameters at the root, a condition
    group's own inputs inside it."""

    parameters: dict
    artifacts: dict = field(default_factory=dict)


def condition_holds(expression: str, parameters: dict) -> bool:
    """A ``triggerPolicy.condition`` evaluated as KFP's driver does, with CEL (cel-python
    here, cel-go there) over the group task's resolved input parameters."""
    import celpy

    env = celpy.Environment()
    program = env.program(env.compile(expression))
    return bool(program.evaluate({"inputs": celpy.json_to_cel({"parameter_values": parameters})}))


class KfpSimulator:
    """``parallel`` tasks at a time, as KFP starts every task whose inputs are ready (then
    ``run`` lists the tasks as they finished); one at a time in dependency order else."""

    def __init__(self, spec: dict, pipeline_root: str, work_dir: Path, env: dict | None = None,
                 run_id: str = "3f1e0c2a-run", parallel: int = 1):
        self.spec = spec
        self.parallel = parallel
        self.root = pipeline_root.rstrip("/")
        self.work = work_dir
        self.env = env or {}
        self.run_id = run_id
        self.outputs: dict[str, dict] = {}  # task -> executor output
        self.skipped: dict[str, str] = {}  # condition group task -> its condition

    def _root_scope(self, run_params: dict) -> Scope:
        defaults = {k: d["defaultValue"] for k, d in self.spec["root"].get(
            "inputDefinitions", {}).get("parameters", {}).items()}
        return Scope({**defaults, **run_params})

    def _parameter(self, source: dict, scope: Scope):
        if "runtimeValue" in source:
            return source["runtimeValue"]["constant"]
        if "taskOutputParameter" in source:
            ref = source["taskOutputParameter"]
            return self.outputs[ref["producerTask"]]["parameterValues"][ref["outputParameterKey"]]
        return scope.parameters[source["componentInputParameter"]]

    def _artifacts(self, source: dict, scope: Scope) -> list[dict]:
        if "componentInputArtifact" in source:
            return scope.artifacts[source["componentInputArtifact"]]
        ref = source["taskOutputArtifact"]
        produced = self.outputs[ref["producerTask"]]["artifacts"][ref["outputArtifactKey"]]
        return [{"name": f"{ref['producerTask']}-{ref['outputArtifactKey']}",
                 "uri": art["uri"], "metadata": art.get("metadata", {})}
                for art in produced["artifacts"]]  # a list: several for a resolver's window

    def _inputs(self, task_spec: dict, scope: Scope) -> Scope:
        inputs = task_spec.get("inputs", {})
        return Scope(
            {k: self._parameter(v, scope) for k, v in inputs.get("parameters", {}).items()},
            {k: self._artifacts(v, scope) for k, v in inputs.get("artifacts", {}).items()})

    def executor_input(self, task: str, task_spec: dict, given: Scope) -> dict:
        component = self.spec["components"][task_spec["componentRef"]["name"]]
        in_defs = component.get("inputDefinitions", {}).get("artifacts", {})
        artifacts = {name: {"artifacts": [{**a, "type": in_defs[name]["artifactType"]}
                                          for a in arts]}
                     for name, arts in given.artifacts.items()}
        outputs = {}
        for name, d in component.get("outputDefinitions", {}).get("artifacts", {}).items():
            uri = f"{self.root}/{self.spec['pipelineInfo']['name']}/{self.run_id}/{task}/{name}"
            outputs[name] = {"artifacts": [{"name": name, "type": d["artifactType"], "uri": uri}]}
        parameters = {name: {"outputFile": str(self.work / task / "parameters" / name)}
                      for name in component.get("outputDefinitions", {}).get("parameters", {})}
        data = {"inputs": {"parameterValues": given.parameters, "artifacts": artifacts},
                "outputs": {"artifacts": outputs, "parameters": parameters,
                            "outputFile": str(self.work / task / "output_metadata.json")}}
        data = _proto_round_trip(pb.ExecutorInput(), data)
        params = data.get("inputs", {}).get("parameterValues")
        if params:
            data["inputs"]["parameterValues"] = sorted_keys(params)
        return data

    @staticmethod
    def order(dag: dict) -> list[str]:
        """Dependency order; among tasks ready together, by name (deterministic)."""
        tasks = dag["tasks"]
        sorter = graphlib.TopologicalSorter(
            {t: set(s.get("dependentTasks", [])) for t, s in tasks.items()})
        sorter.prepare()
        order: list[str] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            order += ready
            sorter.done(*ready)
        return order

    def run_task(self, task: str, task_spec: dict, scope: Scope) -> TaskRun:
        executor = self.spec["components"][task_spec["componentRef"]["name"]]["executorLabel"]
        container = self.spec["deploymentSpec"]["executors"][executor]["container"]
        executor_input = self.executor_input(task, task_spec, self._inputs(task_spec, scope))
        argv = substitute(container["command"] + container["args"],
                          {"{{$}}": json.dumps(executor_input),
                           "{{$.pipeline_job_uuid}}": self.run_id})
        assert argv[0] == "python"
        proc = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True,
                              env={**os.environ, **self.env}, timeout=900)
        run = TaskRun(task, argv, executor_input, proc.returncode, proc.stderr)
        if proc.returncode == 0:
            path = Path(executor_input["outputs"]["outputFile"])
            run.executor_output = _proto_round_trip(pb.ExecutorOutput(),
                                                    json.loads(path.read_text()))
            self.outputs[task] = run.executor_output
        return run

    def _run_one(self, dag: dict, task: str, scope: Scope, runs: list[TaskRun]) -> bool:
        """One task of a DAG, or a condition group's sub-DAG if its condition holds;
        False if a task failed."""
        task_spec = dag["tasks"][task]
        component = self.spec["components"][task_spec["componentRef"]["name"]]
        if "dag" not in component:
            runs.append(self.run_task(task, task_spec, scope))
            return runs[-1].returncode == 0
        given = self._inputs(task_spec, scope)
        condition = task_spec.get("triggerPolicy", {}).get("condition")
        if condition and not condition_holds(condition, given.parameters):
            self.skipped[task] = condition
            return True
        return self._run_dag(component["dag"], given, runs)

    def _run_dag(self, dag: dict, scope: Scope, runs: list[TaskRun]) -> bool:
        """Run a DAG's tasks, a condition group only if its condition holds; False once a
        task failed (tasks already running finish, no new one starts)."""
        if self.parallel == 1:
            return all(self._run_one(dag, task, scope, runs) for task in self.order(dag))
        sorter = graphlib.TopologicalSorter(
            {t: set(s.get("dependentTasks", [])) for t, s in dag["tasks"].items()})
        sorter.prepare()
        ok, running = True, {}
        with futures.ThreadPoolExecutor(self.parallel) as pool:
            while ok and sorter.is_active() or running:
                if ok:
                    for task in sorted(sorter.get_ready()):
                        running[pool.submit(self._run_one, dag, task, scope, runs)] = task
                done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
                for future in done:
                    task = running.pop(future)
                    if future.result():
                        sorter.done(task)
                    else:
                        ok = False
        return ok

    def run(self, run_params: dict | None = None) -> list[TaskRun]:
        runs: list[TaskRun] = []
        self._run_dag(self.spec["root"]["dag"], self._root_scope(run_params or {}), runs)
        return runs
