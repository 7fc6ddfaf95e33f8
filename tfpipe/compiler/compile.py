"""``compile_pipeline``: a pure function from a DSL Pipeline to the IR."""
from __future__ import annotations

import graphlib
import json

from ..dsl.component import Node
from ..dsl.pipeline import Pipeline
from .checks import CHECKS
from ..dsl.condition import CUSTOM_PROPERTY, PROPERTY, Predicate
from .ir import ConditionIR, InputIR, NodeIR, PipelineIR


def _topological(nodes: list[Node]) -> list[Node]:
    """Upstream first; among nodes ready together, by id, so the order is stable."""
    by_id = {n.id: n for n in nodes}
    sorter = graphlib.TopologicalSorter(
        {n.id: {u.id for u in n.upstream_nodes} for n in nodes})
    sorter.prepare()
    order: list[Node] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(by_id[i] for i in ready)
        sorter.done(*ready)
    return order


def _condition_ir(predicate: Predicate) -> ConditionIR:
    """``.property(name)`` is the type's typed property of that name if it has one, else a
    custom property; the IR says which."""
    channel = predicate.channel
    kind = predicate.kind
    if kind == PROPERTY and predicate.name not in channel.type.PROPERTIES:
        kind = CUSTOM_PROPERTY
    return ConditionIR(channel.producer.id, channel.output, kind, predicate.name, predicate.op,
                       predicate.value)


def _node_ir(node: Node, pipeline: Pipeline) -> NodeIR:
    spec = node.spec
    params = {name: p.default for name, p in spec.parameters.items() if not p.required}
    params.update(node.parameters)
    params = json.loads(json.dumps(params))  # tuples -> lists: what a JSON round trip gives
    inputs = {name: InputIR(ch.producer.id, ch.output, ch.type.TYPE_NAME,
                            spec.inputs[name].many)
              for name, ch in sorted(node.inputs.items())}
    return NodeIR(
        id=node.id, component=spec.name, executor=spec.executor, inputs=inputs,
        outputs={name: t.TYPE_NAME for name, t in sorted(spec.outputs.items())},
        parameters=params,
        upstream=tuple(sorted({u.id for u in node.upstream_nodes})),
        enable_cache=spec.cacheable and (pipeline.enable_cache if node.enable_cache is None
                                         else node.enable_cache),
        source_file=spec.source_file,
        content_parameters=tuple(p for p in spec.content_parameters if p in params),
        conditions=tuple(_condition_ir(p) for p in node.conditions))


def compile_pipeline(pipeline: Pipeline) -> PipelineIR:
    """Validate ``pipeline`` and return its IR. Raises CompileError on the first problem."""
    for check in CHECKS:
        check(pipeline)
    return PipelineIR(
        name=pipeline.name, pipeline_root=pipeline.pipeline_root, metadata=pipeline.metadata,
        nodes=tuple(_node_ir(n, pipeline) for n in _topological(pipeline.components)),
        beam_pipeline_args=tuple(pipeline.beam_pipeline_args),
        enable_cache=pipeline.enable_cache)
