"""``tfpipe lineage``: an artifact's origins as an indented tree, the data and code it
depends on, and what was made from it."""
from __future__ import annotations

import json

import click

from ..metadata.lineage import ArtifactInfo, ExecutionInfo, Lineage, Source
from ..formatting import format_time
from .table import state, table

INDENT = "    "
_STATUS_COLOURS = {"unchanged": "green", "changed": "red", "missing": "red", "unknown": None}


def _artifact_line(a: ArtifactInfo) -> str:
    line = click.style(f"{a.type_name} #{a.id}", bold=True) + f"  {a.uri}"
    if a.state != "LIVE":
        line += click.style(f"  [{a.state}]", fg="yellow")
    return line


def artifact_facts(a: ArtifactInfo) -> list[str]:
    """What a user wants to know about an artifact at a glance."""
    p = a.properties
    facts = []
    if a.type_name == "PushedModel":
        facts.append(f"pushed to {p['pushed_destination']} (version {p.get('pushed_version')})"
                     if p.get("pushed") else "not pushed (the model was not blessed)")
    if "blessed" in p and a.type_name == "ModelBlessing":
        facts.append(("blessed" if p["blessed"] else "NOT blessed") +
                     (f": {p['reason']}" if p.get("reason") else ""))
    if p.get("split_names"):
        facts.append("splits " + ", ".join(json.loads(p["split_names"])))
    if "anomaly_count" in p:
        facts.append(f"{p['anomaly_count']} anomalies")
    return facts


def _execution_line(e: ExecutionInfo) -> str:
    component = f"{e.component}, " if e.component != e.node_id else ""
    return (click.style(f"{e.node_id}", bold=True) + f" ({component}execution #{e.id}, "
            f"run {e.run_id or '?'}, {format_time(e.started)}, ") + state(e.state) + ")"


def _parameters(e: ExecutionInfo) -> list[str]:
    return [f"{k} = {json.dumps(v, sort_keys=True)}" for k, v in sorted(e.parameters.items())]


def _source_text(s: Source) -> str:
    where = s.path or "(path not recorded)"
    status = click.style(s.now, fg=_STATUS_COLOURS.get(s.now))
    return f"{s.kind} {s.name}: {where}  hash {s.recorded} ({status})"


def _upstream(lineage: Lineage, artifact_id: int, depth: int, shown: set[int],
              out: list[str], label: str = "") -> None:
    pad = INDENT * depth
    a = lineage.artifacts.get(artifact_id)
    if a is None:
        return
    out.append(pad + label + _artifact_line(a))
    if artifact_id in shown:
        out.append(pad + INDENT + click.style("(its origin is shown above)", dim=True))
        return
    for fact in artifact_facts(a):
        out.append(pad + INDENT + fact)
    _origin(lineage, artifact_id, depth + 1, shown, out)


def _origin(lineage: Lineage, artifact_id: int, depth: int, shown: set[int],
            out: list[str]) -> None:
    """The execution that produced the artifact, and recursively its inputs."""
    shown.add(artifact_id)
    pad = INDENT * depth
    execution = lineage.executions.get(lineage.producer.get(artifact_id, -1))
    if execution is None:
        out.append(pad + click.style("(no recorded producer)", dim=True))
        return
    out.append(pad + "made by " + _execution_line(execution))
    for line in _parameters(execution) + [_source_text(s) for s in execution.sources]:
        out.append(pad + INDENT + line)
    if execution.error:
        out.append(pad + INDENT + click.style(execution.error.splitlines()[0], fg="red"))
    for name, parent in sorted(lineage.inputs.get(execution.id, [])):
        _upstream(lineage, parent, depth + 1, shown, out, f"{name} ← ")


def upstream_tree(lineage: Lineage) -> list[str]:
    out: list[str] = []
    _origin(lineage, lineage.root, 0, set(), out)
    return out


def sources(lineage: Lineage) -> list[Source]:
    """Every file the artifact depends on, once each, data first."""
    upstream = {lineage.producer[a] for a in lineage.producer}
    found = {}
    for e_id in sorted(upstream):
        for s in lineage.executions[e_id].sources if e_id in lineage.executions else ():
            found.setdefault((s.kind, s.name, s.path, s.recorded), s)
    return sorted(found.values(), key=lambda s: (s.kind != "data", s.name))


def sources_table(lineage: Lineage) -> list[str]:
    rows = [(s.kind, s.name, s.path or "(not recorded)", s.recorded, s.now)
            for s in sources(lineage)]
    if not rows:
        return ["  (none recorded)"]
    colour = {4: lambda t: click.style(t, fg=_STATUS_COLOURS.get(t.strip()))}
    return ["  " + line for line in table(("KIND", "NAME", "PATH", "HASH", "ON DISK NOW"), rows,
                                          styles=colour)]


def downstream_tree(lineage: Lineage) -> list[str]:
    out: list[str] = []

    def walk(artifact_id: int, depth: int, seen: set[int]) -> None:
        for name, e_id in sorted(lineage.consumers.get(artifact_id, [])):
            if e_id not in lineage.executions:
                continue
            out.append(INDENT * depth + f"as {name} → " +
                       _execution_line(lineage.executions[e_id]))
            if e_id in seen:
                out.append(INDENT * (depth + 1) + click.style("(its outputs are shown above)",
                                                              dim=True))
                continue
            seen.add(e_id)
            for out_name, child in sorted(lineage.outputs.get(e_id, [])):
                if child in lineage.artifacts:
                    out.append(INDENT * (depth + 1) + f"{out_name}: " +
                               _artifact_line(lineage.artifacts[child]))
                    walk(child, depth + 2, seen)

    walk(lineage.root, 1, set())
    return out or [INDENT + click.style("(nothing has used it yet)", dim=True)]


def render(lineage: Lineage, *, upstream: bool = True, downstream: bool = True) -> list[str]:
    root = lineage.artifacts[lineage.root]
    out = [_artifact_line(root)] + [INDENT + fact for fact in artifact_facts(root)] + [""]
    if upstream:
        out += [click.style("Where it came from", bold=True, underline=True)]
        out += upstream_tree(lineage)
        out += ["", click.style("Data and code it depends on", bold=True, underline=True)]
        out += sources_table(lineage)
    if downstream:
        again = lineage.cached_uses.get(lineage.root, 0)
        out += ["", click.style("What used it", bold=True, underline=True)]
        out += downstream_tree(lineage)
        if again:
            out.append(INDENT + click.style(f"(also output by {again} later execution(s): "
                                            "cache hits or a resolver; not listed)", dim=True))
    return out
