"""Evaluating a node's conditions (``tfpipe.If``) on the artifacts its upstream nodes
produced: locally by the scheduler, and in a Kubeflow task, which publishes the tested
property as an output parameter for KFP to evaluate the same comparison.

The property is compared as the literal's kind: a number (an int or float literal) as
a float, a bool as a bool, a string as a string. That is how Kubeflow compares it too
(one parameter type per literal), so a condition means the same in both places.
"""
from __future__ import annotations

import operator
from typing import Any

from ..artifacts import Artifact
from ..compiler.ir import ConditionIR
from ..errors import ExecutionError

_OPERATORS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
              ">": operator.gt, ">=": operator.ge}


def value_kind(literal: Any) -> str:
    """"bool", "number" or "string": how a property is compared with ``literal``."""
    if isinstance(literal, bool):
        return "bool"
    return "number" if isinstance(literal, (int, float)) else "string"


def property_value(condition: ConditionIR, artifact: Artifact | None, node: str) -> Any:
    """The tested property of ``artifact``, as the kind of the condition's literal. An
    artifact without that property, or with a value of another kind, is an
    ExecutionError naming the condition."""
    where = f"the condition {condition.describe()}"
    if artifact is None:
        raise ExecutionError(f"{where} has no artifact to test: {condition.producer} produced "
                             f"none for {condition.output!r}.", node=node,
                             fix="test an output that always carries an artifact")
    found = (artifact.properties if condition.kind == "property"
             else artifact.custom_properties)
    if condition.property not in found or found[condition.property] is None:
        names = ", ".join(sorted(found)) or "none"
        raise ExecutionError(f"{where} tests a {condition.kind.replace('_', ' ')} that the "
                             f"artifact {artifact.uri} does not have (it has: {names}).",
                             node=node, fix="test a property that the upstream component "
                             "records, e.g. ModelBlessing's 'blessed'")
    value, kind = found[condition.property], value_kind(condition.value)
    try:
        if kind == "number":
            return float(value)
        if kind == "bool":
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            if isinstance(value, (bool, int, float)):
                return bool(value)
            raise ValueError(value)
        return value if isinstance(value, str) else str(value)
    except (TypeError, ValueError):
        raise ExecutionError(f"{where} compares with a {kind}, but the property is "
                             f"{value!r}.", node=node,
                             fix=f"compare {condition.property!r} with a value of its own "
                             "kind") from None


def holds(condition: ConditionIR, artifact: Artifact | None, node: str) -> bool:
    value = property_value(condition, artifact, node)
    literal = float(condition.value) if value_kind(condition.value) == "number" \
        else condition.value
    return _OPERATORS[condition.op](value, literal)


def first_false(conditions: tuple[ConditionIR, ...],
                artifacts: dict[tuple[str, str], Artifact | None], node: str) -> str | None:
    """Why the node is skipped ("Evaluator.outputs['blessing'].custom_property('blessed')
    == 1 is false (it is 0)"), or None when every condition holds; ``artifacts`` holds
    the tested artifact of each (producer, output)."""
    for condition in conditions:
        artifact = artifacts.get((condition.producer, condition.output))
        if not holds(condition, artifact, node):
            found = property_value(condition, artifact, node)
            shown = int(found) if isinstance(found, float) and found.is_integer() else found
            return f"{condition.describe()} is false (it is {shown!r})"
    return None
