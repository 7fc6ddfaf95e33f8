"""Running a compiled PipelineSpec the way a KFP v2 cluster does, minus Kubernetes:
each task in dependency order, its executor input built from the spec (constants,
pipeline parameters, upstream output artifacts with their metadata) and passed
through KFP's own ``ExecutorInput`` proto, its container argv taken from the spec
with the placeholders substituted, and its executor output read back through KFP's
``ExecutorOutput`` proto."""
from __future__ import annotations

import graphlib
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


class KfpSimulator:
    def __init__(self, spec: dict, pipeline_root: str, work_dir: Path, env: dict | None = None,
                 run_id: str = "3f1e0c2a-run"):
        self.spec = spec
        self.root = pipeline_root.rstrip("/")
        self.work = work_dir
        self.env = env or {}
        self.run_id = run_id
        self.outputs: dict[str, dict] = {}  # task -> executor output

    def _parameter(self, source: dict, run_params: dict):
        if "runtimeValue" in source:
            return source["runtimeValue"]["constant"]
        name = source["componentInputParameter"]
        if name in run_params:
            return run_params[name]
        return self.spec["root"]["inputDefinitions"]["parameters"][name]["defaultValue"]

    def executor_input(self, task: str, run_params: dict) -> dict:
        task_spec = self.spec["root"]["dag"]["tasks"][task]
        component = self.spec["components"][task_spec["componentRef"]["name"]]
        inputs = task_spec.get("inputs", {})
        in_defs = component.get("inputDefinitions", {}).get("artifacts", {})
        artifacts = {}
        for name, source in inputs.get("artifacts", {}).items():
            ref = source["taskOutputArtifact"]
            produced = self.outputs[ref["producerTask"]]["artifacts"][ref["outputArtifactKey"]]
            artifacts[name] = {"artifacts": [{  # a list: several for a resolver's window
                "name": f"{ref['producerTask']}-{ref['outputArtifactKey']}",
                "type": in_defs[name]["artifactType"], "uri": art["uri"],
                "metadata": art.get("metadata", {})} for art in produced["artifacts"]]}
        outputs = {}
        for name, d in component.get("outputDefinitions", {}).get("artifacts", {}).items():
            uri = f"{self.root}/{self.spec['pipelineInfo']['name']}/{self.run_id}/{task}/{name}"
            outputs[name] = {"artifacts": [{"name": name, "type": d["artifactType"], "uri": uri}]}
        data = {"inputs": {"parameterValues": {k: self._parameter(v, run_params)
                                               for k, v in inputs.get("parameters", {}).items()},
                           "artifacts": artifacts},
                "outputs": {"artifacts": outputs,
                            "outputFile": str(self.work / task / "output_metadata.json")}}
        data = _proto_round_trip(pb.ExecutorInput(), data)
        params = data.get("inputs", {}).get("parameterValues")
        if params:
            data["inputs"]["parameterValues"] = sorted_keys(params)
        return data

    def order(self) -> list[str]:
        """Dependency order; among tasks ready together, by name (deterministic)."""
        tasks = self.spec["root"]["dag"]["tasks"]
        sorter = graphlib.TopologicalSorter(
            {t: set(s.get("dependentTasks", [])) for t, s in tasks.items()})
        sorter.prepare()
        order: list[str] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            order += ready
            sorter.done(*ready)
        return order

    def run_task(self, task: str, run_params: dict) -> TaskRun:
        task_spec = self.spec["root"]["dag"]["tasks"][task]
        executor = self.spec["components"][task_spec["componentRef"]["name"]]["executorLabel"]
        container = self.spec["deploymentSpec"]["executors"][executor]["container"]
        executor_input = self.executor_input(task, run_params)
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

    def run(self, run_params: dict | None = None) -> list[TaskRun]:
        runs = []
        for task in self.order():
            runs.append(self.run_task(task, run_params or {}))
            if runs[-1].returncode != 0:
                break
        return runs
