"""Assemble the report of one run from MLMD: the graph, then one section per kind of
output, each saying plainly when the run produced none (a partial run, a failure)."""
from __future__ import annotations

from dataclasses import dataclass

from ..formatting import format_duration, format_time
from . import data, graph, model, spans
from .page import Section, badge, document, esc, note, table


@dataclass(frozen=True)
class Output:
    node_id: str
    name: str
    artifact: object  # a tfpipe.client ArtifactInfo


def collect_outputs(run) -> dict[str, list[Output]]:
    """The run's output artifacts by type name, in node order."""
    found: dict[str, list[Output]] = {}
    for node in run.nodes:
        for port in node.outputs:
            found.setdefault(port.artifact.type_name, []).append(
                Output(node.node_id, port.name, port.artifact))
    return found


def _graph_section(run, ir) -> Section:
    nodes = graph.run_nodes(run)  # with the nodes its plan names and it did not run
    edges = set(run.edges)
    if ir is not None and not run.plan:  # a run recorded before runs kept their plan
        ran = {n.node_id for n in run.nodes}
        nodes += [graph.GraphNode(n.id, n.component, "NOT RUN") for n in ir.nodes
                  if n.id not in ran]
        edges = {(u, n.id) for n in ir.nodes for u in n.upstream}
    rows = []
    for n in run.nodes:
        detail = (n.error.splitlines()[0] if n.error else
                  f"skipped: {n.skipped_reason}" if n.skipped_reason else n.cache_reason)
        rows.append((esc(n.node_id), esc(n.component), badge(n.state),
                     format_duration(n.duration), str(n.execution_id),
                     f'<span class="error">{esc(detail)}</span>' if n.error else esc(detail)))
    not_run = [n.id for n in nodes if n.state == "NOT RUN"]
    body = (graph.figure(nodes, edges) +
            table(("node", "component", "state", "duration", "execution", "notes"), rows,
                  numeric=(3, 4), raw=True) +
            (note("Not run in this run (a partial run, or skipped after a failure): " +
                  ", ".join(not_run)) if not_run else ""))
    return Section("graph", "Pipeline", body)


def _per_node(outputs: list[Output], render, missing: str) -> str:
    if not outputs:
        return note(missing)
    many = len(outputs) > 1
    return "".join((f"<h3>{esc(o.node_id)}</h3>" if many else "") +
                   f'<p class="note">from {esc(o.node_id)}: <code>{esc(o.artifact.uri)}</code>'
                   f"</p>" + render(o) for o in outputs)


def _evaluation(o: Output, outputs: dict[str, list[Output]]) -> str:
    blessing = next((b.artifact.properties for b in outputs.get("ModelBlessing", [])
                     if b.node_id == o.node_id), None)
    return model.evaluation_html(o.artifact.uri, blessing)


def sections(client, run, ir=None) -> list[Section]:
    outputs = collect_outputs(run)

    def of(type_name):
        return outputs.get(type_name, [])

    evaluations = of("ModelEvaluation")
    blessings_alone = [b for b in of("ModelBlessing")
                       if b.node_id not in {e.node_id for e in evaluations}]
    return [
        _graph_section(run, ir),
        Section("statistics", "Statistics", _per_node(
            of("ExampleStatistics"),
            lambda o: data.statistics_html(o.artifact.uri, o.artifact.properties),
            "This run computed no statistics (no StatisticsGen ran).")),
        Section("schema", "Schema", _per_node(
            of("Schema"), lambda o: data.schema_html(o.artifact.uri),
            "This run produced no schema.")),
        Section("anomalies", "Anomalies", _per_node(
            of("ExampleAnomalies"),
            lambda o: data.anomalies_html(o.artifact.uri, o.artifact.properties),
            "This run validated no data (no ExampleValidator ran).")),
        Section("spans", "Span history", spans.span_history_html(
            client.span_history(run.pipeline),
            {o.artifact.properties.get("span") for o in of("Examples")})),
        Section("hyperparameters", "Tuned hyperparameters", _per_node(
            of("HyperParameters"),
            lambda o: model.hyperparameters_html(o.artifact.properties),
            "This run tuned no hyperparameters (no Tuner ran).")),
        Section("evaluation", "Model evaluation", _per_node(
            evaluations, lambda o: _evaluation(o, outputs),
            "This run evaluated no model (no Evaluator ran).") + "".join(
                model.blessing_html(b.artifact.properties) for b in blessings_alone)),
        Section("infra-validation", "Infra validation", _per_node(
            of("InfraBlessing"), lambda o: model.infra_blessing_html(o.artifact.properties),
            "This run did not check that the model serves (no InfraValidator ran).")),
        Section("pushed-model", "Pushed model", _per_node(
            of("PushedModel"),
            lambda o: model.pushed_html(o.artifact.properties, o.artifact.uri),
            "This run pushed no model (no Pusher ran).")),
        Section("inference", "Batch inference", _per_node(
            of("InferenceResult"),
            lambda o: model.inference_html(o.artifact.properties, o.artifact.uri),
            "This run inferred nothing (no BulkInferrer ran).")),
    ]


def build_report(client, run, *, ir=None) -> str:
    """The report of ``run`` (a ``tfpipe.client.RunDetail`` read by ``client``) as one
    self-contained HTML page. With the pipeline's ``ir`` the graph also shows the nodes
    the run did not run."""
    counts = ", ".join(f"{run.count(s)} {w}" for s, w in
                       (("COMPLETE", "ran"), ("CACHED", "cached"), ("FAILED", "failed"),
                        ("SKIPPED", "skipped"))
                       if run.count(s))
    meta = [("run", f"<code>{esc(run.run_id)}</code>"), ("state", badge(run.state)),
            ("started", esc(format_time(run.started))), ("duration", esc(format_duration(
                run.duration))), ("nodes", esc(counts or "none"))]
    meta.append(("metadata", f"<code>{esc(client.label)}</code>"))
    return document(f"Pipeline {run.pipeline}: run report", meta, sections(client, run, ir))

