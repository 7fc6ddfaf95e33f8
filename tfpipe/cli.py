"""The ``tfpipe`` command. Imports nothing heavy until a command needs it."""
from __future__ import annotations

import json
import os
import sys
import traceback

import click

from . import __version__
from .errors import TfpipeError

EXIT_CODES_HELP = """Exit codes: 0 success, 1 internal error, 2 bad pipeline definition,
3 a node failed, 4 metadata store error, 130 interrupted."""


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
        except json.JSONDecodeError:
            params[key] = raw
    return params


class _Group(click.Group):
    def invoke(self, ctx):
        verbose = "--verbose" in sys.argv or "-v" in sys.argv
        try:
            return super().invoke(ctx)
        except TfpipeError as exc:
            if verbose:
                traceback.print_exception(exc.__cause__ or exc)
            click.echo(click.style(f"Error ({exc.kind}): ", fg="red", bold=True) + str(exc),
                       err=True)
            if not verbose and "--verbose" not in str(exc):
                click.echo(click.style("  (run with --verbose for the traceback)", dim=True),
                           err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo(click.style("Interrupted.", fg="red") + " Executions that were running "
                       "are left RUNNING and their outputs PENDING; the next run redoes them.",
                       err=True)
            ctx.exit(130)


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
_verbose_option = click.option("-v", "--verbose", is_flag=True,
                               help="Show Python tracebacks and library logs on errors.")


@main.command()
@click.argument("pipeline_file", type=click.Path(dir_okay=False))
@_param_option
@click.option("--explain-cache", is_flag=True,
              help="For every node that ran, say why it missed the cache.")
@click.option("--no-cache", is_flag=True, help="Run every node even if a cached result exists.")
@click.option("--from-node", metavar="NODE",
              help="Run only NODE and what is downstream of it; inputs from upstream nodes "
                   "come from their latest successful executions.")
@click.option("--to-node", metavar="NODE",
              help="Run only NODE and what is upstream of it.")
@click.option("--metadata", metavar="PATH_OR_URL",
              help="Record to this ML Metadata store instead of the pipeline's: a SQLite "
                   "file, sqlite:///path, or mysql://user:password@host:port/database.")
@_verbose_option
def run(pipeline_file: str, params: tuple[str, ...], explain_cache: bool, no_cache: bool,
        from_node: str | None, to_node: str | None, metadata: str | None,
        verbose: bool) -> None:
    """Run PIPELINE_FILE locally on Apache Beam (DirectRunner unless the pipeline's
    beam_pipeline_args say otherwise), recording to its ML Metadata store
    (<pipeline_root>/metadata.sqlite by default).

    Each node starts after its upstream nodes; progress and a summary of where the
    outputs and metadata are go to the terminal. Exits non-zero if any node fails.
    """
    if not verbose:
        _quiet_libraries()
    from .dsl.loader import load_pipeline
    from .runners.local import run_pipeline

    pipeline = load_pipeline(pipeline_file, _parse_params(params))
    if no_cache:
        pipeline.enable_cache = False
        for node in pipeline.components:
            node.enable_cache = False
    if metadata:
        pipeline.metadata = metadata
    run_pipeline(pipeline, explain_cache=explain_cache, from_node=from_node, to_node=to_node)


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
        from .runners.kubeflow.compile import compile_file

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


if __name__ == "__main__":  # pragma: no cover
    main()
