"""Conditions (``tfpipe.If``) as Kubeflow condition groups, the way kfp's compiler
writes ``dsl.If``: the nodes under a condition go into a sub-DAG component
``comp-condition-N``, run by a task whose ``triggerPolicy.condition`` (CEL) tests an
output *parameter* of the upstream task. That task's entrypoint publishes the tested
property of its output artifact as the parameter (``--condition-outputs``).

A sub-DAG sees nothing of its parent but its own inputs, so every artifact, condition
parameter and pipeline parameter its tasks take from outside it is declared as an
input of the group (``pipelinechannel--<task>-<key>``, as kfp names them) and passed
in by the group's task; dependencies on tasks outside become the group task's.
"""
from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from ....compiler.ir import ConditionIR, PipelineIR
from ....errors import CompileError
from ....runners.conditions import value_kind

_PARAMETER_TYPES = {"number": "NUMBER_DOUBLE", "bool": "BOOLEAN", "string": "STRING"}
_CHANNEL = "pipelinechannel--"


def output_parameter(condition: ConditionIR) -> str:
    """The output parameter of the upstream task that carries the tested property."""
    return f"{condition.output}-{condition.property}"


def parameter_type(condition: ConditionIR) -> str:
    return _PARAMETER_TYPES[value_kind(condition.value)]


def condition_outputs(ir: PipelineIR) -> dict[str, dict[str, ConditionIR]]:
    """For each tested node, its output parameters and a condition reading each. Two
    conditions reading one property as different kinds (a number and a string) or as a
    property and a custom property cannot share a parameter: a CompileError."""
    found: dict[str, dict[str, ConditionIR]] = {}
    for node in ir.nodes:
        for condition in node.conditions:
            name = output_parameter(condition)
            seen = found.setdefault(condition.producer, {}).setdefault(name, condition)
            if (seen.kind, parameter_type(seen)) != (condition.kind, parameter_type(condition)):
                raise CompileError(
                    f"the conditions {seen.describe()} and {condition.describe()} read one "
                    "property in two ways, which one Kubeflow parameter cannot carry.",
                    node=node.id, fix="compare the property with literals of one kind "
                    "(all numbers, all strings or all bools)")
    return found


def cel(condition: ConditionIR, channel: str) -> str:
    """The comparison in CEL, as kfp writes it, on the group task's input ``channel``."""
    operand = f"inputs.parameter_values['{channel}']"
    kind = value_kind(condition.value)
    literal = (("true" if condition.value else "false") if kind == "bool" else
               repr(float(condition.value)) if kind == "number" else
               json.dumps(condition.value))
    return f"{operand} {condition.op} {literal}"


@dataclass
class _Needs:
    """What the tasks of a DAG take from outside it."""

    artifacts: dict[str, tuple[str, str, dict]] = field(default_factory=dict)
    parameters: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # from tasks
    runtime: set[str] = field(default_factory=set)  # pipeline parameters
    after: set[str] = field(default_factory=set)  # node ids


class _Nesting:
    """One condition group per distinct chain of conditions (nested blocks), each a DAG
    built from the flat tasks of its nodes and the tasks of its sub-groups."""

    def __init__(self, ir: PipelineIR, tasks: dict[str, str], flat: dict[str, dict],
                 components: dict[str, dict], runtime_types: dict[str, str]):
        self.ir, self.tasks, self.flat = ir, tasks, flat
        self.components, self.runtime_types = components, runtime_types
        self.groups: dict[tuple, str] = {}  # condition-1, condition-2... as kfp names them
        names = (f"condition-{i}" for i in itertools.count(1)
                 if f"condition-{i}" not in tasks.values())
        for node in ir.nodes:
            for i in range(1, len(node.conditions) + 1):
                if node.conditions[:i] not in self.groups:
                    self.groups[node.conditions[:i]] = next(names)
        self.node_of = {t: n for n, t in tasks.items()}

    def _in_scope(self, node_id: str, key: tuple) -> bool:
        conditions = self.ir.node(node_id).conditions
        return conditions[:len(key)] == key

    def build(self, key: tuple) -> tuple[dict, _Needs]:
        """The tasks of the DAG of ``key`` (a chain of conditions; () is the root) and
        what they take from outside it."""
        tasks, needs = {}, _Needs()
        for node in self.ir.nodes:
            if node.conditions == key:
                task = self.tasks[node.id]
                tasks[task] = self._localise(copy.deepcopy(self.flat[task]), key, needs)
        for child, group in self.groups.items():
            if len(child) == len(key) + 1 and child[:len(key)] == key:
                tasks[group] = self._group_task(child, group, key, needs)
        return tasks, needs

    def _localise(self, spec: dict, key: tuple, needs: _Needs) -> dict:
        """A node's task with references to outside ``key`` turned into group inputs."""
        if not key:
            return spec
        inputs = spec.get("inputs", {})
        for name, source in inputs.get("artifacts", {}).items():
            ref = source["taskOutputArtifact"]
            producer = self.node_of[ref["producerTask"]]
            if not self._in_scope(producer, key):
                channel = f"{_CHANNEL}{ref['producerTask']}-{ref['outputArtifactKey']}"
                needs.artifacts[channel] = (ref["producerTask"], ref["outputArtifactKey"],
                                            self._artifact_type(producer,
                                                                ref["outputArtifactKey"]))
                inputs["artifacts"][name] = {"componentInputArtifact": channel}
        for source in inputs.get("parameters", {}).values():
            if "componentInputParameter" in source:
                needs.runtime.add(source["componentInputParameter"])
        outside = [t for t in spec.get("dependentTasks", [])
                   if not self._in_scope(self.node_of[t], key)]
        needs.after.update(self.node_of[t] for t in outside)
        if outside:
            kept = [t for t in spec["dependentTasks"] if t not in outside]
            spec.pop("dependentTasks")
            if kept:
                spec["dependentTasks"] = kept
        return spec

    def _artifact_type(self, producer: str, output: str) -> dict:
        task = self.tasks[producer]
        return copy.deepcopy(self.components[f"comp-{task}"]["outputDefinitions"]["artifacts"][
            output]["artifactType"])

    def _group_task(self, key: tuple, group: str, parent: tuple, needs: _Needs) -> dict:
        condition = key[-1]
        tasks, inner = self.build(key)
        producer_task = self.tasks[condition.producer]
        channel = f"{_CHANNEL}{producer_task}-{output_parameter(condition)}"
        inner.parameters[channel] = (producer_task, output_parameter(condition),
                                     parameter_type(condition))
        inputs: dict[str, Any] = {}
        definitions: dict[str, Any] = {}
        after: set[str] = set()
        for kind, word, found, needed, typed in (
                ("artifacts", "Artifact", inner.artifacts, needs.artifacts,
                 lambda t: {"artifactType": copy.deepcopy(t)}),
                ("parameters", "Parameter", inner.parameters, needs.parameters,
                 lambda t: {"parameterType": t})):
            for name, (task, output, type_) in sorted(found.items()):
                definitions.setdefault(kind, {})[name] = typed(type_)
                if self._in_scope(self.node_of[task], parent):
                    source = {f"taskOutput{word}": {"producerTask": task,
                                                    f"output{word}Key": output}}
                    after.add(task)
                else:
                    source = {f"componentInput{word}": name}
                    needed[name] = (task, output, type_)
                inputs.setdefault(kind, {})[name] = source
        for name in sorted(inner.runtime):
            definitions.setdefault("parameters", {})[name] = {
                "parameterType": self.runtime_types[name]}
            inputs.setdefault("parameters", {})[name] = {"componentInputParameter": name}
            if parent:
                needs.runtime.add(name)
        for node_id in inner.after:
            if self._in_scope(node_id, parent):
                after.add(self.tasks[node_id])
            else:
                needs.after.add(node_id)
        self.components[f"comp-{group}"] = {"dag": {"tasks": tasks},
                                            "inputDefinitions": definitions}
        spec: dict[str, Any] = {"componentRef": {"name": f"comp-{group}"}, "inputs": inputs,
                                "taskInfo": {"name": group},
                                "triggerPolicy": {"condition": cel(condition, channel)}}
        if after:
            spec["dependentTasks"] = sorted(after)
        return spec


def nest(ir: PipelineIR, tasks: dict[str, str], flat: dict[str, dict],
         components: dict[str, dict], runtime_types: dict[str, str]) -> dict[str, dict]:
    """The root DAG's tasks, with the conditional nodes' tasks (``flat``, all written
    as if in the root) moved into condition groups, whose components are added to
    ``components``. Without conditions, ``flat`` itself."""
    if not any(n.conditions for n in ir.nodes):
        return flat
    root, _ = _Nesting(ir, tasks, flat, components, runtime_types).build(())
    return root
