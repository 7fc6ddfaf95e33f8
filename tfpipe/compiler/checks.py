"""Validation of a pipeline definition: small checks, each raising a CompileError
that names the node, what is wrong and how to fix it."""
from __future__ import annotations

import difflib
import graphlib
import json
import math
import re
from typing import Any, Callable

from ..dsl.component import Channel, Node
from ..dsl.pipeline import Pipeline
from ..errors import CompileError


def _error(node: Node, message: str, fix: str) -> CompileError:
    return CompileError(message, node=node.id, fix=fix, where=node.defined_at)


def _did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_derived_nodes_used(pipeline: Pipeline) -> None:
    """``node.with_id(...)``/``.with_cache(...)`` return a new node: a pipeline holding
    the original while the new one is nowhere in it dropped the change (a call written
    as a statement, as TFX's mutating with_id allows)."""
    held = {id(n) for n in pipeline.components}
    for node in pipeline.components:
        for call, where, derived in node.derived:
            if id(derived) not in held and not _reaches(derived, held):
                raise CompileError(f"{node.id}{call} returned a new node, but the pipeline "
                                   f"holds the original {node.id!r}, so the change is lost.",
                                   node=node.id, where=where or node.defined_at,
                                   fix=f"use the node it returns, e.g. x = x{call}, and put "
                                   "that in the pipeline")


def _reaches(node: Node, held: set[int]) -> bool:
    """Whether a node derived from ``node`` (at any depth) is in the pipeline."""
    return any(id(d) in held or _reaches(d, held) for _, _, d in node.derived)


def check_duplicate_ids(pipeline: Pipeline) -> None:
    seen: dict[str, Node] = {}
    for node in pipeline.components:
        if node.id in seen:
            raise _error(node, f"two nodes have the id {node.id!r}.",
                         f"give one of them its own id: {node.spec.name}(...).with_id('{node.id}_2')")
        seen[node.id] = node


SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


def check_names_safe(pipeline: Pipeline) -> None:
    """Node ids and output names become folders under the pipeline root
    (``<root>/<node id>/<output>/<execution id>``): no path separators, no ``..``."""
    for node in pipeline.components:
        if not isinstance(node.id, str) or not SAFE_NAME.match(node.id) or ".." in node.id:
            raise _error(node, f"node id {node.id!r} cannot be a folder name under the "
                         "pipeline root (its outputs go to <pipeline_root>/<node id>/).",
                         "use letters, digits, '_', '-' and '.', starting with a letter, digit "
                         f"or '_', e.g. .with_id('{_safe(node.id)}')")
        for output in node.spec.outputs:
            if not SAFE_NAME.match(output) or ".." in output:
                raise _error(node, f"output name {output!r} of {node.spec.name} cannot be a "
                             "folder name under the pipeline root.",
                             "name outputs with letters, digits and '_' (Python identifiers)")


def _safe(text) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).replace("..", "_").strip("._-") or "node"


def check_arguments_known(pipeline: Pipeline) -> None:
    for node in pipeline.components:
        spec = node.spec
        known = list(spec.inputs) + list(spec.parameters)
        for name in node.arguments:
            if name not in known:
                raise _error(node, f"{spec.name} has no argument {name!r}."
                             f"{_did_you_mean(name, known)}",
                             f"use one of: {', '.join(sorted(known))}")


def check_required_present(pipeline: Pipeline) -> None:
    for node in pipeline.components:
        spec = node.spec
        for name, ispec in spec.inputs.items():
            if name not in node.arguments and not ispec.optional:
                raise _error(node, f"required input {name!r} ({ispec.type.TYPE_NAME}) "
                             "is not connected.",
                             f"pass {name}=<node>.outputs['...'] producing {ispec.type.TYPE_NAME}")
        for name, pspec in spec.parameters.items():
            if name not in node.arguments and pspec.required:
                raise _error(node, f"required parameter {name!r} is not set.",
                             f"pass {name}=<value> to {spec.name}(...)")


def check_input_types(pipeline: Pipeline) -> None:
    for node in pipeline.components:
        for name, value in node.arguments.items():
            if name in node.spec.inputs:
                want = node.spec.inputs[name].type
                if value is None and node.spec.inputs[name].optional:
                    continue
                if isinstance(value, Node):
                    outs = [k for k, t in value.spec.outputs.items() if t is want]
                    hint = f"{value.id}.outputs['{outs[0]}']" if outs else "an output channel"
                    raise _error(node, f"input {name!r} was given the node {value.id!r} "
                                 "itself, not one of its outputs.", f"pass {name}={hint}")
                if not isinstance(value, Channel):
                    raise _error(node, f"input {name!r} must be an output of another node, got "
                                 f"{type(value).__name__} {value!r}.",
                                 f"pass {name}=<node>.outputs['...'] producing {want.TYPE_NAME}")
                if value.type.TYPE_NAME != want.TYPE_NAME:
                    raise _error(node, f"input {name!r} expects {want.TYPE_NAME} but is wired to "
                                 f"{value.producer.id}.outputs['{value.output}'], which is "
                                 f"{value.type.TYPE_NAME}.",
                                 f"connect an output of type {want.TYPE_NAME}")
            elif isinstance(value, (Channel, Node)):
                raise _error(node, f"parameter {name!r} was given an artifact channel.",
                             "parameters take plain values (str, int, float, bool, list, dict)")


def check_producers_in_pipeline(pipeline: Pipeline) -> None:
    members = {id(n) for n in pipeline.components}
    for node in pipeline.components:
        for name, channel in node.inputs.items():
            if id(channel.producer) not in members:
                raise _error(node, f"input {name!r} uses an output of {channel.producer.id!r}, "
                             "which is not in the pipeline.",
                             f"add {channel.producer.id} to Pipeline(components=[...])")
        for other in node.after_nodes:
            if id(other) not in members:
                raise _error(node, f"it runs .after({other.id!r}), which is not in the "
                             "pipeline.", f"add {other.id} to Pipeline(components=[...])")
        for predicate in node.conditions:
            producer = predicate.channel.producer
            if id(producer) not in members:
                raise CompileError(f"it runs only if {predicate.describe()}, but "
                                   f"{producer.id!r} is not in the pipeline.", node=node.id,
                                   where=predicate.where or node.defined_at,
                                   fix=f"add {producer.id} to Pipeline(components=[...])")


def _within(outer: tuple, inner: tuple) -> bool:
    """Whether the blocks ``outer`` (predicates, outermost first) enclose ``inner``."""
    return len(outer) <= len(inner) and all(a is b for a, b in zip(outer, inner))


def _first_outside(outer: tuple, inner: tuple):
    """The first of the predicates ``outer`` that ``inner`` is not under."""
    return next(p for i, p in enumerate(outer) if i >= len(inner) or p is not inner[i])


def check_condition_scopes(pipeline: Pipeline) -> None:
    """A condition tests a node created outside its ``with tfpipe.If`` block, and a node
    that takes an output of a conditional node is created in the same block (otherwise
    its input might never exist; Kubeflow refuses such a dependency too)."""
    for node in pipeline.components:
        for i, predicate in enumerate(node.conditions):
            producer = predicate.channel.producer
            if not _within(producer.conditions, node.conditions[:i]):
                gate = _first_outside(producer.conditions, node.conditions[:i])
                raise CompileError(
                    f"the condition {predicate.describe()} tests an output of "
                    f"{producer.id!r}, which runs only if {gate.describe()}; the block is not "
                    "under that condition, so the output might never exist.", node=node.id,
                    where=predicate.where or node.defined_at,
                    fix=f"open the `with tfpipe.If(...)` block inside the one {producer.id} "
                    "is created in")
        wired = [(f"input {name!r} uses an output of {ch.producer.id!r}", ch.producer)
                 for name, ch in node.inputs.items()] + \
            [(f"it runs .after({other.id!r})", other) for other in node.after_nodes]
        for what, producer in wired:
            if not _within(producer.conditions, node.conditions):
                gate = _first_outside(producer.conditions, node.conditions)
                raise _error(node, f"{what}, which runs only if "
                             f"{gate.describe()}; {node.id} is not under that condition, so "
                             "what it needs might never exist.",
                             f"create {node.id} inside the same `with tfpipe.If(...)` block "
                             f"as {producer.id}")


def _json_problem(value: Any, path: str) -> str | None:
    if value is None or isinstance(value, (bool, int, str)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path} is {value}, which JSON cannot hold"
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            if problem := _json_problem(v, f"{path}[{i}]"):
                return problem
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                return f"{path} has a non-string key {k!r}"
            if problem := _json_problem(v, f"{path}[{k!r}]"):
                return problem
        return None
    return f"{path} is a {type(value).__name__} ({value!r:.60})"


def check_parameters_serialisable(pipeline: Pipeline) -> None:
    for node in pipeline.components:
        for name, value in node.parameters.items():
            if problem := _json_problem(value, name):
                raise _error(node, f"parameter {name!r} cannot be serialised: {problem}.",
                             "use str, int, float, bool, None, or lists/dicts of them")
            json.dumps(value)


# What a value of each Parameter[T] may be (an int where a float goes; a tuple where a
# list goes). Parameters of other types (Parameter[T] of a custom class) are not checked.
_ACCEPTED = {str: (str,), int: (int,), float: (int, float), bool: (bool,),
             list: (list, tuple), dict: (dict,)}
_EXAMPLES = {str: "'text'", int: "10", float: "0.5", bool: "True", list: "['a', 'b']",
             dict: "{'key': 'value'}"}


def check_parameter_types(pipeline: Pipeline) -> None:
    """Each parameter value matches its ``Parameter[T]``; None leaves it unset."""
    for node in pipeline.components:
        for name, value in node.parameters.items():
            spec = node.spec.parameters.get(name)
            expected = getattr(spec, "type", None)
            accepted = _ACCEPTED.get(expected)
            if accepted is None or value is None:
                continue
            wrong_bool = isinstance(value, bool) and expected is not bool
            if wrong_bool or not isinstance(value, accepted):
                raise _error(node, f"parameter {name!r} of {node.spec.name} is a "
                             f"Parameter[{expected.__name__}], but was given "
                             f"{type(value).__name__} {value!r:.60}.",
                             f"pass a {expected.__name__}, e.g. {name}={_EXAMPLES[expected]}")


def check_acyclic(pipeline: Pipeline) -> None:
    graph = {n.id: {u.id for u in n.upstream_nodes} for n in pipeline.components}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        node = next(n for n in pipeline.components if n.id == cycle[0])
        raise _error(node, f"the pipeline has a cycle: {' -> '.join(cycle)}.",
                     "a node cannot depend on its own outputs; remove one of these connections")


CHECKS: list[Callable[[Pipeline], None]] = [
    check_derived_nodes_used,
    check_names_safe,
    check_duplicate_ids,
    check_arguments_known,
    check_required_present,
    check_input_types,
    check_producers_in_pipeline,
    check_condition_scopes,
    check_parameters_serialisable,
    check_parameter_types,
    check_acyclic,
]
