"""Graphs as the UI and the report draw them: the nodes and edges as JSON inside a
``<div class="graph">``, laid out in the browser by dagre (vendored, see
``tfpipe/ui/static/VENDORED.md``) and drawn as SVG by ``tfpipe/ui/static/graph.js``.

A run's graph has a box per node coloured by its state, with its duration or whether it
came from the cache; a lineage graph has the artifacts and executions around one
artifact, each linking to its page.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from ..formatting import format_duration
from .page import esc

STATE_WORDS = {"COMPLETE": "ran", "CACHED": "cache hit", "FAILED": "failed",
               "RUNNING": "running", "CANCELED": "canceled", "SKIPPED": "skipped (condition false)",
               "NOT RUN": "not run"}


@dataclass(frozen=True)
class GraphNode:
    id: str
    component: str  # shown under the id when it differs (or the artifact's type)
    state: str  # COMPLETE, CACHED, FAILED, RUNNING, CANCELED, NOT RUN; LIVE, ... for artifacts
    duration: float | None = None
    href: str = ""  # where clicking it goes (the UI only)
    kind: str = "node"  # node, artifact or execution
    label: str = ""  # shown instead of the id
    root: bool = False  # the artifact a lineage graph is about (drawn bolder)

    def detail(self) -> str:
        text = STATE_WORDS.get(self.state, self.state.lower())
        if self.duration is not None and self.state in ("COMPLETE", "FAILED"):
            text += f" · {format_duration(self.duration)}"
        return text


def run_nodes(run, href=None) -> list[GraphNode]:
    """A run's nodes (a ``tfpipe.client`` Run), then those it planned and has not run
    (yet) as NOT RUN; ``href(node)`` links each node that ran."""
    return [GraphNode(n.node_id, n.component, n.state, n.duration,
                      href(n) if href else "") for n in run.nodes] + \
        [GraphNode(node, component, "NOT RUN") for node, component in run.waiting]


def data(nodes: list[GraphNode], edges, direction: str = "LR") -> dict:
    """What graph.js draws: nodes and the edges between known nodes, sorted, laid out
    left to right (LR) or top to bottom (TB)."""
    known = {n.id for n in nodes}
    shown = [{**{k: v for k, v in asdict(n).items() if k != "duration"},
              "label": n.label or n.id,
              "sub": "" if n.component == (n.label or n.id) else n.component,
              "detail": n.detail()} for n in nodes]
    return {"direction": direction, "nodes": shown,
            "edges": sorted([u, d] for u, d in edges if u in known and d in known)}


def script_json(value) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` as such."""
    return (json.dumps(value, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))


def figure(nodes: list[GraphNode], edges, *, graph_id: str = "graph",
           direction: str = "LR") -> str:
    """The ``<div class="graph">`` graph.js fills in (the same in the UI and the
    report); with scripts off it says it needs them."""
    if not nodes:
        return ""
    return (f'<div class="graph" id="{esc(graph_id)}">'
            f'<script type="application/json" class="graph-data">'
            f"{script_json(data(nodes, edges, direction))}"
            "</script><noscript>The graph needs JavaScript.</noscript></div>")


def lineage_graph(lineage, artifact_href, execution_href) -> tuple[list[GraphNode], set]:
    """The artifacts (``a<id>``) and executions (``e<id>``) of a ``Lineage`` and the
    edges between them; ``artifact_href(info)`` and ``execution_href(info)`` link them."""
    nodes = [GraphNode(f"a{a.id}", a.type_name, a.state, href=artifact_href(a),
                       kind="artifact", label=f"{a.type_name} #{a.id}",
                       root=a.id == lineage.root)
             for a in lineage.artifacts.values()]
    nodes += [GraphNode(f"e{e.id}", e.component, e.state, href=execution_href(e),
                        kind="execution", label=e.node_id)
              for e in lineage.executions.values()]
    edges = {(f"e{e}", f"a{a}") for a, e in lineage.producer.items()}
    edges |= {(f"a{a}", f"e{e}") for e, ports in lineage.inputs.items() for _, a in ports}
    edges |= {(f"a{a}", f"e{e}") for a, ports in lineage.consumers.items() for _, e in ports}
    edges |= {(f"e{e}", f"a{a}") for e, ports in lineage.outputs.items() for _, a in ports}
    return nodes, edges
