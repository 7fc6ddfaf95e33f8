"""Commands that look at what ran (through tfpipe.Client): runs, report, models,
lineage, ui."""
from __future__ import annotations

import os

import click

from .group import OutputFile, main, open_client, store_options, write_output


@main.command(name="runs")
@click.argument("pipeline_file", required=False, type=click.Path(dir_okay=False))
@store_options
@click.option("-n", "--limit", default=20, show_default=True, help="Show the latest N runs "
              "(0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def runs_(pipeline_file, metadata, pipeline_root, params, verbose, limit, as_json) -> None:
    """List the runs recorded in ML Metadata, oldest first: pipeline, run id, start,
    duration, state and how many nodes ran, came from the cache or failed. The store is
    PIPELINE_FILE's (only its runs are listed), or --pipeline-root/--metadata, or the
    current folder's (pipeline.py or tfpipe_output/)."""
    from ..views.runs import runs_json, runs_table

    client = open_client(pipeline_file, metadata, pipeline_root, params)
    runs = client.runs(client.pipeline, limit=limit if limit > 0 else None)[::-1]
    if as_json:
        click.echo(runs_json(runs))
        return
    for line in runs_table(runs) if runs else ["No runs recorded yet."]:
        click.echo(line)


@main.command(name="report")
@click.argument("targets", nargs=-1, metavar="[PIPELINE_FILE] [RUN_ID]")
@store_options
@click.option("-o", "--output", default="report.html", show_default=True,
              type=OutputFile(allow_dash=True), help="The HTML file to write ('-': stdout).")
def report(targets, metadata, pipeline_root, params, verbose, output) -> None:
    """Write a self-contained HTML report of a run (the latest by default; RUN_ID or a
    unique prefix of it picks another): the pipeline graph with each node's state and
    duration, statistics per split, schema, anomalies, evaluation metrics and blessing,
    and where the model was pushed. The store is found as for `tfpipe runs`."""
    from ..metadata.locate import split_targets
    from ..report import build_report

    pipeline_file, run_id = split_targets(targets)
    client = open_client(pipeline_file, metadata, pipeline_root, params)
    run = client.run(run_id, client.pipeline)
    ir = None
    if client.pipeline == run.pipeline:
        from ..compiler import compile_pipeline

        ir = compile_pipeline(client.located.pipeline)
    html = build_report(client, run, ir=ir)
    if output == "-":
        click.echo(html, nl=False)
        return
    write_output(output, html)
    click.echo(click.style("✔ ", fg="green") + f"report of run {run.run_id} of pipeline "
               f"{run.pipeline} ({run.state}) written to {output}")
    click.echo(f"  open file://{os.path.abspath(output)}")


@main.command(name="models")
@click.argument("targets", nargs=-1, metavar="[PIPELINE_FILE] | diff A B [PIPELINE_FILE]")
@store_options
@click.option("-m", "--metric", "metrics", multiple=True, metavar="NAME",
              help="A metric column to show (default: up to three key metrics, AUC and "
                   "accuracy first). Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def models(targets, metadata, pipeline_root, params, verbose, metrics, as_json) -> None:
    """The model registry: every model version the pipeline's Pusher pushed, oldest
    first: version, when it was pushed, by which run, the spans it trained on, its
    overall metrics, the version (or model) it beat as the Evaluator's baseline, and
    where it is served.

    `tfpipe models diff A B` compares two versions (a version number, latest or
    previous): metrics, spans, the module files' content hashes, and every parameter
    of the nodes that made each model. The store is found as for `tfpipe runs`.
    """
    from ..errors import PipelineLoadError
    from ..views import models as view

    diff = bool(targets) and targets[0] == "diff"
    if diff and len(targets) not in (3, 4) or not diff and len(targets) > 1:
        raise PipelineLoadError(f"unexpected arguments: {' '.join(targets)}.",
                                fix="tfpipe models [PIPELINE_FILE], or tfpipe models diff A B "
                                "[PIPELINE_FILE] with two versions `tfpipe models` lists")
    pipeline_file = targets[3] if diff and len(targets) == 4 else \
        (targets[0] if targets and not diff else None)
    client = open_client(pipeline_file, metadata, pipeline_root, params)
    versions = client.models(client.pipeline)
    if diff:
        a, b = (client.model(ref, client.pipeline) for ref in targets[1:3])
        render = view.diff_json if as_json else view.diff_lines
        shown = render(a, b, client.model_details(a), client.model_details(b))
        for line in [shown] if as_json else shown:
            click.echo(line)
    elif as_json:
        click.echo(view.models_json(versions))
    else:
        for line in view.models_table(versions, metrics) if versions else [
                "No model version has been pushed yet (the Pusher pushes a model once the "
                "Evaluator blesses it)."]:
            click.echo(line)


@main.command(name="lineage")
@click.argument("artifact", metavar="ARTIFACT")
@click.argument("pipeline_file", required=False, type=click.Path(dir_okay=False))
@store_options
@click.option("--direction", type=click.Choice(["both", "up", "down"]), default="both",
              show_default=True, help="up: where it came from; down: what used it.")
def lineage(artifact, pipeline_file, metadata, pipeline_root, params, verbose,
            direction) -> None:
    """Trace ARTIFACT (an artifact id, its URI or a path inside it, or a pushed model's
    folder <push_destination>/<version>) back to the executions, parameters, code and
    data files that produced it, and forward to what used it. The store is found as for
    `tfpipe runs`, or as the metadata.sqlite nearest a path given as ARTIFACT."""
    from ..views.lineage import render

    near = None if artifact.isascii() and artifact.isdigit() else artifact
    client = open_client(pipeline_file, metadata, pipeline_root, params, near=near)
    found = client.lineage(artifact, direction)
    for line in render(found, upstream=direction != "down", downstream=direction != "up"):
        click.echo(line)


@main.command(name="ui")
@store_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; 127.0.0.1 lets only this machine in. "
                   "0.0.0.0 opens it to the network (anyone who reaches it sees the store).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="The port to listen on (0: any free port).")
def ui(metadata, pipeline_root, params, verbose, host, port) -> None:
    """Serve a read-only web UI over a metadata store: runs (filter by pipeline and
    state), each run's graph updating live while it runs with every node's duration,
    cache hit and why, parameters, inputs, outputs and error; artifact pages
    (statistics, schema, anomalies and drift, metrics, blessing, pushed model) with
    their lineage; the model registry and comparisons. The store is found as for
    `tfpipe runs` (--metadata, --pipeline-root, or the current folder's). Ctrl-C stops
    it. Exit 4 if the store cannot be opened, 2 if the port is in use. See docs/ui.md."""
    from ..ui.server import serve

    client = open_client(None, metadata, pipeline_root, params)
    serve(client, host, port, ready=lambda url: click.echo(
        click.style("✔ ", fg="green") + f"tfpipe ui of {client.label} at {url}  "
        "(read-only; Ctrl-C stops it)"))
