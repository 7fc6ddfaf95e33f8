"""The pipeline graph as inline SVG: one column per topological depth, left to right,
each node a box coloured by its state with its duration and whether it came from the
cache."""
from __future__ import annotations

import graphlib
from dataclasses import dataclass

from ..formatting import format_duration
from .page import esc

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 176, 56, 46, 20, 12
COLOURS = {  # state: (fill, stroke, text)
    "COMPLETE": ("#dafbe1", "#1a7f37", "#116329"),
    "CACHED": ("#ddf4ff", "#0969da", "#0550ae"),
    "FAILED": ("#ffebe9", "#cf222e", "#a40e26"),
    "RUNNING": ("#fff8c5", "#9a6700", "#7d4e00"),
    "SKIPPED": ("#fff8c5", "#bf8700", "#7d4e00"),
    "NOT RUN": ("#f6f8fa", "#8c959f", "#57606a"),
}
STATE_WORDS = {"COMPLETE": "ran", "CACHED": "cache hit", "FAILED": "failed",
               "RUNNING": "running / interrupted", "SKIPPED": "skipped (condition false)",
               "NOT RUN": "not run"}


@dataclass(frozen=True)
class GraphNode:
    id: str
    component: str
    state: str  # a key of COLOURS
    duration: float | None = None


def depths(nodes: list[str], edges: set[tuple[str, str]]) -> dict[str, int]:
    """Each node's column: the length of the longest path reaching it."""
    sorter = graphlib.TopologicalSorter({n: set() for n in nodes})
    for up, down in edges:
        sorter.add(down, up)
    depth: dict[str, int] = {}
    for n in sorter.static_order():
        depth[n] = max([depth[u] + 1 for u, d in edges if d == n and u in depth], default=0)
    for n in nodes:  # a source that feeds only late nodes (a resolver) sits next to them
        if not any(d == n for _, d in edges):
            depth[n] = max(0, min([depth[d] - 1 for u, d in edges if u == n], default=0))
    return depth


def layout(nodes: list[GraphNode], edges: set[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """Top-left corner of each node's box."""
    depth = depths([n.id for n in nodes], edges)
    columns: dict[int, list[str]] = {}
    for n in nodes:  # keep the given (run) order within a column
        columns.setdefault(depth[n.id], []).append(n.id)
    return {node_id: (PAD + d * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
            for d, ids in columns.items() for row, node_id in enumerate(ids)}


def _label(text: str, limit: int = 21) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _box(node: GraphNode, x: int, y: int) -> str:
    fill, stroke, ink = COLOURS.get(node.state, COLOURS["NOT RUN"])
    detail = STATE_WORDS.get(node.state, node.state.lower())
    if node.duration is not None and node.state in ("COMPLETE", "FAILED"):
        detail += f" · {format_duration(node.duration)}"
    title = f"{node.id} ({node.component}): {detail}"
    sub = "" if node.component == node.id else f" ({_label(node.component, 18)})"
    return (f'<g class="node" data-node="{esc(node.id)}" data-state="{esc(node.state)}">'
            f"<title>{esc(title)}</title>"
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.5"/>'
            f'<text x="{x + 12}" y="{y + 23}" font-size="13" font-weight="600" '
            f'fill="#1f2933">{esc(_label(node.id))}</text>'
            f'<text x="{x + 12}" y="{y + 43}" font-size="11.5" fill="{ink}">'
            f"{esc(detail)}{esc(sub) if len(detail) < 14 else ''}</text></g>")


def _edge(a: tuple[int, int], b: tuple[int, int]) -> str:
    x1, y1 = a[0] + BOX_W, a[1] + BOX_H / 2
    x2, y2 = b[0] - 4, b[1] + BOX_H / 2
    mid = (x1 + x2) / 2
    return (f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" fill="none" '
            f'stroke="#8c959f" stroke-width="1.4" marker-end="url(#arrow)"/>')


def svg(nodes: list[GraphNode], edges: set[tuple[str, str]]) -> str:
    """The graph as an ``<svg>`` element."""
    if not nodes:
        return ""
    known = {n.id for n in nodes}
    edges = {(u, d) for u, d in edges if u in known and d in known}
    pos = layout(nodes, edges)
    width = max(x for x, _ in pos.values()) + BOX_W + PAD
    height = max(y for _, y in pos.values()) + BOX_H + PAD
    paths = "".join(_edge(pos[u], pos[d]) for u, d in sorted(edges))
    boxes = "".join(_box(n, *pos[n.id]) for n in nodes)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" role="img" '
            'aria-label="pipeline graph">'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="#8c959f"/></marker></defs>{paths}{boxes}</svg>')
