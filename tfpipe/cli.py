"""The ``tfpipe`` command. Imports nothing heavy until a command needs it."""
from __future__ import annotations

import json
import os
import sys
import traceback

import click

from . import __version__
from .errors import TfpipeError

EXIT_CODES_HELP = """Exit codes: 0 success, 1 internal error, 2 bad pipeline definition or
command line (or tfpipe ui's port in use), 3 a node failed, 4 metadata store error (or
the run or artifact asked for is not in it), 130 interrupted (Ctrl-C or SIGTERM). See
docs/user-guide.md."""


def _quiet_libraries() -> None:
    """TensorFlow, absl and Beam talk a lot; keep the user's terminal readable."""
    import logging
    import warnings

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category)
    for name in ("apache_beam", "tensorflow", "absl", "tfx_bsl", "tensorflow_transform",
                 "tensorflow_data_validation", "root"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)


def _parse_params(values: tuple[str, ...]) -> dict:
    params = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError as exc:
            if raw.lstrip()[:1] in ("[", "{"):
                from .errors import DefinitionError

                raise DefinitionError(
                    f"-p {key}={raw} looks like JSON but is not: {exc.msg} at character "
                    f"{exc.pos + 1}.", fix=f"write valid JSON, quoted for the shell, e.g. "
                    f"-p '{key}=[\"--direct_num_workers=2\"]'") from None
            params[key] = raw
    return params


def _echo_error(exc: TfpipeError, verbose: bool) -> None:
    """The error as every command reports it: kind, node, cause, place and fix."""
    if verbose:
        traceback.print_exception(exc.__cause__ or exc)
    click.echo(click.style(f"Error ({exc.kind}): ", fg="red", bold=True) + str(exc), err=True)
    if not verbose and "--verbose" not in str(exc):
        click.echo(click.style("  (run with --verbose for the traceback)", dim=True), err=True)


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TfpipeError as exc:  # the command's --verbose has been read by now
            _echo_error(exc, ctx.meta.get(VERBOSE_KEY, False))
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as exc:  # SIGTERM too, in `run` (Terminated)
            click.echo(click.style("Interrupted.", fg="red") + " The nodes that were running "
                       "are CANCELED and their unfinished outputs removed; the next run "
                       "redoes them.", err=True)
            sys.stdout.flush()
            # node threads may still be inside a library; don't wait for them
            os._exit(getattr(exc, "exit_code", 130))


@click.group(cls=_Group, epilog=EXIT_CODES_HELP,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tfpipe")
def main() -> None:
    """tfpipe: declarative ML pipelines in the style of TFX.

    Write a pipeline.py that composes components (CsvExampleGen, StatisticsGen,
    SchemaGen, ExampleValidator, ...) into a tfpipe.Pipeline, then run it locally on
    Apache Beam with `tfpipe run`, or compile it with `tfpipe compile`. Every
    execution and artifact is recorded in ML Metadata.
    """


_param_option = click.option(
    "-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
    help="Argument for the pipeline file's create_pipeline(); VALUE is parsed as JSON when "
         "it can be (numbers, true/false, lists), else taken as a string. Repeatable.")
VERBOSE_KEY = "tfpipe.verbose"  # in click's context meta: errors are reported with tracebacks


def _remember_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    ctx.meta[VERBOSE_KEY] = value
    return value


_verbose_option = click.option("-v", "--verbose", is_flag=True, is_eager=True,
                               callback=_remember_verbose,
                               help="Show Python tracebacks and library logs on errors.")


@main.command()
@click.argument("pipeline_file", type=click.Path(dir_okay=False))
@_param_option
@click.option("--explain-cache", is_flag=True,
              help="For every node that ran, say why it missed the cache.")
@click.option("--no-cache", is_flag=True, help="Run every node even if a cached result exists.")
@click.option("--from-node", "from_nodes", metavar="NODE", multiple=True,
              help="Run only NODE and what is downstream of it; inputs from upstream nodes "
                   "come from their latest successful executions. Repeatable.")
@click.option("--to-node", "to_nodes", metavar="NODE", multiple=True,
              help="Run only NODE and what is upstream of it. Repeatable.")
@click.option("--metadata", metavar="PATH_OR_URL",
              help="Record to this ML Metadata store instead of the pipeline's: a SQLite "
                   "file, sqlite:///path, or mysql://user:password@host:port/database.")
@click.option("-j", "--parallel", "parallelism", type=click.IntRange(1, 64), default=2,
              show_default=True, help="How many independent nodes may run at the same time.")
@click.option("--watch", is_flag=True,
              help="Keep running: watch the input patterns of the ExampleGen nodes that read "
                   "spans, run now, then again whenever a new span or version lands. Ctrl-C "
                   "or SIGTERM between runs stops the watch.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="With --watch: how often to look for new spans (default 60).")
@click.option("--once", is_flag=True,
              help="With --watch: no run at start; wait for the next span or version to "
                   "land, run once, and exit with that run's exit code.")
@click.option("--trigger", hidden=True, metavar="TEXT",
              help="What started this run (set by --watch on the runs it starts).")
@_verbose_option
def run(pipeline_file: str, params: tuple[str, ...], explain_cache: bool, no_cache: bool,
        from_nodes: tuple[str, ...], to_nodes: tuple[str, ...], metadata: str | None,
        parallelism: int, watch: bool, interval: float | None, once: bool,
        trigger: str | None, verbose: bool) -> None:
    """Run PIPELINE_FILE locally on Apache Beam (DirectRunner unless the pipeline's
    beam_pipeline_args say otherwise), recording to its ML Metadata store
    (<pipeline_root>/metadata.sqlite by default).

    Each node starts after its upstream nodes; progress and a summary of where the
    outputs and metadata are go to the terminal. Exits non-zero if any node fails.
    The run is a child process that this one watches: if it dies under a node (a
    segfault, os._exit, SIGKILL), the node is marked FAILED, its outputs are removed,
    and the exit code is 3. With --watch, runs whenever new data lands, each run such a
    process with the same options (see docs/user-guide.md).
    """
    if (interval is not None or once) and not watch:
        raise click.UsageError("--interval and --once go with --watch")
    if not verbose:
        _quiet_libraries()
    from .compiler import compile_pipeline
    from .dsl.loader import load_pipeline
    from .runners import supervise

    if not supervise.supervised():  # a light parent: the run is a child process it watches
        command = supervise.run_command(
            pipeline_file, params=params, from_nodes=from_nodes, to_nodes=to_nodes,
            metadata=metadata, trigger=trigger, parallelism=parallelism,
            flags={"--explain-cache": explain_cache, "--no-cache": no_cache,
                   "--verbose": verbose})
        if not watch:
            sys.exit(supervise.run_supervised(command))
        from .runners.watch import DEFAULT_INTERVAL, watch as watch_inputs

        ir = compile_pipeline(load_pipeline(pipeline_file, _parse_params(params)))
        sys.exit(watch_inputs(ir, command, interval=interval or DEFAULT_INTERVAL, once=once,
                              from_node=from_nodes, to_node=to_nodes))
    from .runners.local import run_locally
    from .views.progress import TerminalProgress

    ir = compile_pipeline(load_pipeline(pipeline_file, _parse_params(params)))
    run_locally(ir.with_options(enable_cache=False if no_cache else None, metadata=metadata),
                listener=TerminalProgress(explain=explain_cache), from_node=from_nodes,
                to_node=to_nodes, parallelism=parallelism, trigger=trigger)


@main.command(name="compile")
@click.argument("pipeline_file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the result (default: standard output).")
@click.option("--ir", "as_ir", is_flag=True,
              help="Write tfpipe's intermediate representation (versioned JSON) instead of "
                   "Kubeflow Pipelines YAML.")
@click.option("--image", default=None, metavar="IMAGE",
              help="Container image every Kubeflow task runs, e.g. "
                   "gcr.io/my-project/tfpipe:0.1.0 (default: tfpipe:<version>, as built from "
                   "tfpipe/templates/docker/Dockerfile).")
@click.option("--runtime-param", "runtime_params", multiple=True, metavar="NAME",
              help="Make the create_pipeline() argument NAME (a str, int, float or bool) a "
                   "Kubeflow pipeline parameter that each run can set; its compile-time value "
                   "is the default. Repeatable.")
@_param_option
@_verbose_option
def compile_(pipeline_file: str, output: str | None, as_ir: bool, image: str | None,
             runtime_params: tuple[str, ...], params: tuple[str, ...], verbose: bool) -> None:
    """Compile PIPELINE_FILE to Kubeflow Pipelines v2 YAML (a PipelineSpec to upload to
    a KFP cluster), or with --ir to tfpipe's IR. Checks the pipeline first: every node
    wired to outputs of the right type, parameters known and serialisable, no cycles,
    a name, parameters and image Kubeflow accepts. Never imports TensorFlow or Beam.

    Paths under the project (the folder with pyproject.toml) become paths in the
    image; see docs/kubeflow.md.
    """
    if as_ir:
        from .compiler import compile_pipeline
        from .dsl.loader import load_pipeline

        ir = compile_pipeline(load_pipeline(pipeline_file, _parse_params(params)))
        text, what = ir.to_json(), "the IR"
    else:
        from .backends.kubeflow.compile.pipeline import compile_file

        ir, text = compile_file(pipeline_file, _parse_params(params), image=image,
                                runtime_params=runtime_params)
        what = "Kubeflow Pipelines YAML"
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
        click.echo(f"Wrote {what} of pipeline {ir.name} ({len(ir.nodes)} nodes) to {output}",
                   err=True)
    else:
        click.echo(text, nl=False)



def _store_options(command):
    """Where look-only commands find the ML Metadata store; see tfpipe/metadata/locate.py."""
    command = click.option("--metadata", metavar="PATH_OR_URL",
                           help="Read this ML Metadata store: a SQLite file, sqlite:///path "
                                "or mysql://user:password@host:port/database.")(command)
    command = click.option("--pipeline-root", metavar="DIR",
                           help="Read DIR/metadata.sqlite, the store of a run with this "
                                "pipeline root.")(command)
    return _verbose_option(_param_option(command))


def _client(pipeline_file, metadata, pipeline_root, params, near=None):
    """The read-only tfpipe.Client: from the options, the pipeline file, or the current
    folder."""
    from .client import Client

    return Client(metadata, pipeline_root=pipeline_root, pipeline_file=pipeline_file,
                  params=_parse_params(params), near=near)


@main.command(name="init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--template", default="penguin", show_default=True,
              type=click.Choice(["penguin", "taxi"]), help="The example to start from.")
@_verbose_option
def init(directory: str, template: str, verbose: bool) -> None:
    """Create a ready-to-run project in DIRECTORY (new or empty): pipeline.py, its module
    file, the data, tests/test_pipeline.py, a .gitignore and a README."""
    from .project import create_project

    written = create_project(directory, template)
    click.echo(click.style("✔ ", fg="green") + f"created the {template} project in "
               f"{directory} ({len(written)} files). Next:")
    for step in (f"cd {directory}", "tfpipe run pipeline.py", "tfpipe report",
                 "tfpipe compile pipeline.py -o pipeline.yaml"):
        click.echo(f"  {step}")


@main.command(name="migrate")
@click.argument("pipeline_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--write", is_flag=True, help="Write the rewritten file in place (otherwise "
              "only print the diff).")
@_verbose_option
def migrate(pipeline_file: str, write: bool, verbose: bool) -> None:
    """Rewrite a TFX pipeline file into tfpipe: imports, protos to dicts, the resolver,
    Pipeline arguments and the entry point (comments and layout kept). Prints the diff;
    exit code 2 if something is left to rewrite by hand (listed). See docs/from-tfx.md."""
    from .migrate import migrate_file

    result = migrate_file(pipeline_file, write=write)
    click.echo(result.diff, nl=False)
    for problem in result.problems:
        click.echo(click.style("  to do by hand: ", fg="yellow") + problem, err=True)
    done = "rewrote" if write else "would rewrite (use --write to save)"
    click.echo(click.style("✔ " if not result.problems else "! ", fg="green" if not
                           result.problems else "yellow") + f"{done} {pipeline_file}", err=True)
    if result.problems:
        sys.exit(2)


@main.command(name="runs")
@click.argument("pipeline_file", required=False, type=click.Path(dir_okay=False))
@_store_options
@click.option("-n", "--limit", default=20, show_default=True, help="Show the latest N runs "
              "(0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def runs_(pipeline_file, metadata, pipeline_root, params, verbose, limit, as_json) -> None:
    """List the runs recorded in ML Metadata, oldest first: pipeline, run id, start,
    duration, state and how many nodes ran, came from the cache or failed. The store is
    PIPELINE_FILE's (only its runs are listed), or --pipeline-root/--metadata, or the
    current folder's (pipeline.py or tfpipe_output/)."""
    from .views.runs import runs_json, runs_table

    client = _client(pipeline_file, metadata, pipeline_root, params)
    runs = client.runs(client.pipeline, limit=limit if limit > 0 else None)[::-1]
    if as_json:
        click.echo(runs_json(runs))
        return
    for line in runs_table(runs) if runs else ["No runs recorded yet."]:
        click.echo(line)


@main.command(name="report")
@click.argument("targets", nargs=-1, metavar="[PIPELINE_FILE] [RUN_ID]")
@_store_options
@click.option("-o", "--output", default="report.html", show_default=True,
              type=click.Path(dir_okay=False), help="The HTML file to write ('-': stdout).")
def report(targets, metadata, pipeline_root, params, verbose, output) -> None:
    """Write a self-contained HTML report of a run (the latest by default; RUN_ID or a
    unique prefix of it picks another): the pipeline graph with each node's state and
    duration, statistics per split, schema, anomalies, evaluation metrics and blessing,
    and where the model was pushed. The store is found as for `tfpipe runs`."""
    if not verbose:
        _quiet_libraries()
    from .metadata.locate import split_targets
    from .report import build_report

    pipeline_file, run_id = split_targets(targets)
    client = _client(pipeline_file, metadata, pipeline_root, params)
    run = client.run(run_id, client.pipeline)
    ir = None
    if client.pipeline == run.pipeline:
        from .compiler import compile_pipeline

        ir = compile_pipeline(client.located.pipeline)
    html = build_report(client, run, ir=ir)
    if output == "-":
        click.echo(html, nl=False)
        return
    with open(output, "w", encoding="utf-8") as f:
        f.write(html)
    click.echo(click.style("✔ ", fg="green") + f"report of run {run.run_id} of pipeline "
               f"{run.pipeline} ({run.state}) written to {output}")
    click.echo(f"  open file://{os.path.abspath(output)}")


@main.command(name="models")
@click.argument("targets", nargs=-1, metavar="[PIPELINE_FILE] | diff A B [PIPELINE_FILE]")
@_store_options
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
    from .errors import PipelineLoadError
    from .views import models as view

    diff = bool(targets) and targets[0] == "diff"
    if diff and len(targets) not in (3, 4) or not diff and len(targets) > 1:
        raise PipelineLoadError(f"unexpected arguments: {' '.join(targets)}.",
                                fix="tfpipe models [PIPELINE_FILE], or tfpipe models diff A B "
                                "[PIPELINE_FILE] with two versions `tfpipe models` lists")
    pipeline_file = targets[3] if diff and len(targets) == 4 else \
        (targets[0] if targets and not diff else None)
    client = _client(pipeline_file, metadata, pipeline_root, params)
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
@_store_options
@click.option("--direction", type=click.Choice(["both", "up", "down"]), default="both",
              show_default=True, help="up: where it came from; down: what used it.")
def lineage(artifact, pipeline_file, metadata, pipeline_root, params, verbose,
            direction) -> None:
    """Trace ARTIFACT (an artifact id, its URI or a path inside it, or a pushed model's
    folder <push_destination>/<version>) back to the executions, parameters, code and
    data files that produced it, and forward to what used it. The store is found as for
    `tfpipe runs`, or as the metadata.sqlite nearest a path given as ARTIFACT."""
    from .views.lineage import render

    near = None if artifact.isdigit() else artifact
    client = _client(pipeline_file, metadata, pipeline_root, params, near=near)
    found = client.lineage(artifact, direction)
    for line in render(found, upstream=direction != "down", downstream=direction != "up"):
        click.echo(line)


@main.command(name="ui")
@_store_options
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
    if not verbose:  # an evaluation page loads TFMA, which logs a lot
        _quiet_libraries()
    from .ui.server import serve

    client = _client(None, metadata, pipeline_root, params)
    serve(client, host, port, ready=lambda url: click.echo(
        click.style("✔ ", fg="green") + f"tfpipe ui of {client.label} at {url}  "
        "(read-only; Ctrl-C stops it)"))


if __name__ == "__main__":  # pragma: no cover
    main()
