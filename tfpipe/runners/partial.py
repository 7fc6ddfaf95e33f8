"""Partial runs: a slice of the pipeline between two nodes, with the inputs from
outside the slice taken from the latest successful executions in MLMD."""
from __future__ import annotations

import difflib
from typing import Sequence

from ..compiler.ir import PipelineIR
from ..artifacts import Artifact
from ..errors import DefinitionError, ExecutionError
from ..metadata import contexts as mlmd_contexts
from ..metadata import executions


def _check_known(ir: PipelineIR, node_id: str, option: str) -> None:
    ids = [n.id for n in ir.nodes]
    if node_id not in ids:
        close = difflib.get_close_matches(node_id, ids, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DefinitionError(f"{option} {node_id!r} is not a node of pipeline {ir.name}.{hint}",
                              fix=f"use one of: {', '.join(ids)}")


def _closure(ir: PipelineIR, start: str, step) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(step(node))
    return seen


def _as_list(nodes: str | Sequence[str] | None) -> list[str]:
    return [nodes] if isinstance(nodes, str) else list(nodes or ())


def select(ir: PipelineIR, from_nodes: str | Sequence[str] | None,
           to_nodes: str | Sequence[str] | None) -> set[str]:
    """Nodes downstream of any of ``from_nodes`` and upstream of any of ``to_nodes``
    (each inclusive); all nodes when neither is given."""
    chosen = {n.id for n in ir.nodes}
    froms, tos = _as_list(from_nodes), _as_list(to_nodes)
    for option, names, step in (("--from-node", froms, ir.downstream),
                                ("--to-node", tos, lambda n: ir.node(n).upstream)):
        if names:
            reach: set[str] = set()
            for name in names:
                _check_known(ir, name, option)
                reach |= _closure(ir, name, step)
            chosen &= reach
    if not chosen:
        raise DefinitionError(f"no node lies between --from-node {', '.join(froms)} and "
                              f"--to-node {', '.join(tos)}.",
                              fix="a from-node must be upstream of a to-node")
    return chosen


def latest_outputs(store, ir: PipelineIR, node_id: str) -> dict[str, Artifact]:
    """Outputs of the node's latest COMPLETE (or CACHED) execution."""
    ctx = mlmd_contexts.node_context(store, ir.name, node_id)
    done = [] if ctx is None else [
        e for e in store.get_executions_by_context(ctx.id)
        if executions.state_name(e) in ("COMPLETE", "CACHED")]
    if not done:
        raise ExecutionError(f"node {node_id!r} has no successful execution to take inputs "
                             "from.", node=node_id,
                             fix=f"run it first, or start the slice earlier: --from-node "
                             f"{node_id}")
    return executions.outputs_of(store, max(done, key=lambda e: e.id).id)
