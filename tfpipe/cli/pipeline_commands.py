"""Commands on a pipeline file: run, compile, init, migrate."""
from __future__ import annotations

import sys

import click

from .group import (OutputFile, beam_option, main, param_option, parse_params, verbose_option,
                    write_output)


@main.command()
@click.argument("pipeline_file", type=click.Path(dir_okay=False))
@param_option
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
@beam_option
@click.option("--dask-workers", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Worker processes of the local Dask cluster that `--beam dask` starts.")
@verbose_option
def run(pipeline_file: str, params: tuple[str, ...], explain_cache: bool, no_cache: bool,
        from_nodes: tuple[str, ...], to_nodes: tuple[str, ...], metadata: str | None,
        parallelism: int, watch: bool, interval: float | None, once: bool,
        trigger: str | None, beam: str | None, dask_workers: int, verbose: bool) -> None:
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
    from ..compiler import compile_pipeline
    from ..dsl.loader import load_pipeline
    from ..runners import supervise

    if not supervise.supervised():  # a light parent: the run is a child process it watches
        command = supervise.run_command(
            pipeline_file, params=params, from_nodes=from_nodes, to_nodes=to_nodes,
            metadata=metadata, trigger=trigger, parallelism=parallelism,
            flags={"--explain-cache": explain_cache, "--no-cache": no_cache,
                   "--verbose": verbose},
            options={"--beam": beam, "--dask-workers": dask_workers if beam else None})
        if not watch:
            sys.exit(supervise.run_supervised(command))
        from ..runners.watch import DEFAULT_INTERVAL, watch as watch_inputs

        ir = compile_pipeline(load_pipeline(pipeline_file, parse_params(params)))
        sys.exit(watch_inputs(ir, command, interval=interval or DEFAULT_INTERVAL, once=once,
                              from_node=from_nodes, to_node=to_nodes))
    from ..runners.local import run_locally
    from ..views.progress import TerminalProgress

    from ..beam.runners import ir_with_beam

    ir = ir_with_beam(compile_pipeline(load_pipeline(pipeline_file, parse_params(params))),
                      beam, dask_workers)
    run_locally(ir.with_options(enable_cache=False if no_cache else None, metadata=metadata),
                listener=TerminalProgress(explain=explain_cache), from_node=from_nodes,
                to_node=to_nodes, parallelism=parallelism, trigger=trigger,
                dask_workers=dask_workers)
    supervise.leave(0)


@main.command(name="compile")
@click.argument("pipeline_file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=OutputFile(), default=None,
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
@param_option
@beam_option
@verbose_option
def compile_(pipeline_file: str, output: str | None, as_ir: bool, image: str | None,
             runtime_params: tuple[str, ...], params: tuple[str, ...], beam: str | None,
             verbose: bool) -> None:
    """Compile PIPELINE_FILE to Kubeflow Pipelines v2 YAML (a PipelineSpec to upload to
    a KFP cluster), or with --ir to tfpipe's IR. Checks the pipeline first: every node
    wired to outputs of the right type, parameters known and serialisable, no cycles,
    a name, parameters and image Kubeflow accepts. Never imports TensorFlow or Beam.

    Paths under the project (the folder with pyproject.toml) become paths in the
    image; see docs/kubeflow.md.
    """
    if as_ir:
        from ..beam.runners import ir_with_beam
        from ..compiler import compile_pipeline
        from ..dsl.loader import load_pipeline

        ir = ir_with_beam(compile_pipeline(load_pipeline(pipeline_file, parse_params(params))),
                          beam)
        text, what = ir.to_json(), "the IR"
    else:
        from ..backends.kubeflow.compile.pipeline import compile_file

        ir, text = compile_file(pipeline_file, parse_params(params), image=image,
                                runtime_params=runtime_params, beam=beam)
        what = "Kubeflow Pipelines YAML"
    if output:
        write_output(output, text)
        click.echo(f"Wrote {what} of pipeline {ir.name} ({len(ir.nodes)} nodes) to {output}",
                   err=True)
    else:
        click.echo(text, nl=False)


@main.command(name="init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--template", default="penguin", show_default=True,
              type=click.Choice(["penguin", "taxi"]), help="The example to start from.")
@verbose_option
def init(directory: str, template: str, verbose: bool) -> None:
    """Create a ready-to-run project in DIRECTORY (new or empty): pipeline.py, its module
    file, the data, tests/test_pipeline.py, a .gitignore and a README."""
    from ..project import create_project

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
@verbose_option
def migrate(pipeline_file: str, write: bool, verbose: bool) -> None:
    """Rewrite a TFX pipeline file into tfpipe: imports, protos to dicts, the resolver,
    Pipeline arguments and the entry point (comments and layout kept). Prints the diff;
    exit code 2 if something is left to rewrite by hand (listed). See docs/from-tfx.md."""
    from ..migrate import migrate_file

    result = migrate_file(pipeline_file, write=write)
    if not result.diff and not result.problems:
        click.echo(click.style("✔ ", fg="green") + f"nothing to rewrite: {pipeline_file} "
                   "does not use TFX", err=True)
        return
    click.echo(result.diff, nl=False)
    for problem in result.problems:
        click.echo(click.style("  to do by hand: ", fg="yellow") + problem, err=True)
    done = "rewrote" if write else "would rewrite (use --write to save)"
    click.echo(click.style("✔ " if not result.problems else "! ", fg="green" if not
                           result.problems else "yellow") + f"{done} {pipeline_file}", err=True)
    if result.problems:
        sys.exit(2)
