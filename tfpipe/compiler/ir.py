"""The intermediate representation: plain frozen dataclasses, stable sorted JSON.

The IR holds no logic and no Python objects, only names, types and JSON values, so
both runners (local Beam, Kubeflow) can consume it without the user's pipeline.py.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..errors import CompileError

IR_VERSION = 1
# An IR with conditions is version 2 (an older tfpipe refuses it rather than running the
# gated nodes unconditionally); without conditions it stays version 1, byte for byte.
CONDITIONS_IR_VERSION = 2
READABLE_VERSIONS = (IR_VERSION, CONDITIONS_IR_VERSION)


@dataclass(frozen=True)
class InputIR:
    """An input of a node: which upstream node's output, and its artifact type."""

    producer: str
    output: str
    type: str
    many: bool = False  # the executor takes every artifact of the channel, as a list


@dataclass(frozen=True)
class ConditionIR:
    """A node runs only if ``<producer>.outputs[output]``'s property ``property`` (a
    typed property when ``kind`` is "property", else a custom one) ``op`` ``value``."""

    producer: str
    output: str
    kind: str  # "property" or "custom_property"
    property: str
    op: str  # ==, !=, <, <=, >, >=
    value: Any  # a JSON int, float, str or bool

    def describe(self) -> str:
        return (f"{self.producer}.outputs[{self.output!r}].{self.kind}({self.property!r}) "
                f"{self.op} {json.dumps(self.value)}")


@dataclass(frozen=True)
class NodeIR:
    id: str
    component: str
    executor: str
    inputs: dict[str, InputIR] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # name -> artifact type name
    parameters: dict[str, Any] = field(default_factory=dict)
    upstream: tuple[str, ...] = ()
    enable_cache: bool = True
    source_file: str | None = None
    content_parameters: tuple[str, ...] = ()  # parameters naming files whose content matters
    conditions: tuple[ConditionIR, ...] = ()  # all must hold for the node to run (AND)


@dataclass(frozen=True)
class PipelineIR:
    name: str
    pipeline_root: str
    metadata: str
    nodes: tuple[NodeIR, ...]
    beam_pipeline_args: tuple[str, ...] = ()
    enable_cache: bool = True
    ir_version: int = IR_VERSION

    def node(self, node_id: str) -> NodeIR:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def with_options(self, *, enable_cache: bool | None = None,
                     metadata: str | None = None,
                     beam_pipeline_args: tuple[str, ...] | None = None) -> "PipelineIR":
        """A copy with caching switched for every node, another metadata store and/or
        other Beam arguments (what ``tfpipe run --no-cache``, ``--metadata`` and
        ``--beam`` change); None keeps a value."""
        ir = self
        if beam_pipeline_args is not None:
            ir = replace(ir, beam_pipeline_args=tuple(beam_pipeline_args))
        if enable_cache is not None:
            ir = replace(ir, enable_cache=enable_cache, nodes=tuple(
                replace(n, enable_cache=enable_cache and n.enable_cache) for n in ir.nodes))
        if metadata:
            ir = replace(ir, metadata=metadata)
        return ir

    def downstream(self, node_id: str) -> list[str]:
        return [n.id for n in self.nodes if node_id in n.upstream]

    def to_dict(self) -> dict:
        """The IR as JSON values; a node without conditions has no "conditions" key."""
        data = asdict(self)
        for node in data["nodes"]:
            if not node["conditions"]:
                del node["conditions"]
        if any("conditions" in node for node in data["nodes"]):
            data["ir_version"] = max(self.ir_version, CONDITIONS_IR_VERSION)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "PipelineIR":
        data = json.loads(text)
        version = data.get("ir_version")
        if version not in READABLE_VERSIONS:
            raise CompileError(f"IR version {version!r} is not supported (this tfpipe reads "
                               f"versions {IR_VERSION} and {CONDITIONS_IR_VERSION}).", fix="recompile the pipeline with this "
                               "tfpipe: tfpipe compile --ir pipeline.py")
        nodes = tuple(
            NodeIR(**{**n, "inputs": {k: InputIR(**v) for k, v in n["inputs"].items()},
                      "upstream": tuple(n["upstream"]),
                      "content_parameters": tuple(n["content_parameters"]),
                      "conditions": tuple(ConditionIR(**c) for c in n.get("conditions", ()))})
            for n in data["nodes"])
        return cls(**{**data, "nodes": nodes, "ir_version": IR_VERSION,
                      "beam_pipeline_args": tuple(data["beam_pipeline_args"])})
