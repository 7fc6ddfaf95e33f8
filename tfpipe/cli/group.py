"""The ``tfpipe`` group: error reporting, exit codes and the options commands share."""
from __future__ import annotations

import json
import os
import sys
import traceback

import click

from .. import __version__
from ..errors import TfpipeError
from ..quiet import quiet_libraries

EXIT_CODES_HELP = """Exit codes: 0 success, 1 internal error, 2 bad pipeline definition or
command line (or tfpipe ui's port in use), 3 a node failed, 4 metadata store error (or
the run or artifact asked for is not in it), 130 interrupted (Ctrl-C or SIGTERM). See
docs/user-guide.md."""


def parse_params(values: tuple[str, ...]) -> dict:
    params = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError as exc:
            if raw.lstrip()[:1] in ("[", "{"):
                from ..errors import DefinitionError

                raise DefinitionError(
                    f"-p {key}={raw} looks like JSON but is not: {exc.msg} at character "
                    f"{exc.pos + 1}.", fix=f"write valid JSON, quoted for the shell, e.g. "
                    f"-p '{key}=[\"--direct_num_workers=2\"]'") from None
            params[key] = raw
    return params


class OutputFile(click.Path):
    """A file a command writes (``-o``): its folder must exist and be writable, and the
    path must not be a folder, checked before the command does its work."""

    def __init__(self, allow_dash: bool = False):
        super().__init__(dir_okay=False, writable=True, allow_dash=allow_dash)

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        if path == "-" and self.allow_dash:
            return path
        folder = os.path.dirname(os.path.abspath(path))
        shown = os.path.dirname(path) or "."
        if os.path.exists(folder) and not os.path.isdir(folder):
            self.fail(f"cannot write {path}: {shown} is a file, not a folder (choose another "
                      "path).", param, ctx)
        if not os.path.isdir(folder):
            self.fail(f"cannot write {path}: the folder {shown} does not exist (create it "
                      "first, or choose another path).", param, ctx)
        if not os.access(folder, os.W_OK | os.X_OK):
            self.fail(f"cannot write {path}: the folder {shown} is not writable (choose "
                      "another path).", param, ctx)
        return path


def write_output(path: str, text: str, param_hint: str = "'-o' / '--output'") -> None:
    """Write a command's output file; an OSError is a bad --output, exit 2."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise click.BadParameter(f"cannot write {path}: {exc.strerror}.",
                                 param_hint=param_hint) from None


def _echo_error(exc: TfpipeError, verbose: bool) -> None:
    """The error as every command reports it: kind, node, cause, place and fix."""
    if verbose:
        traceback.print_exception(exc.__cause__ or exc)
    click.echo(click.style(f"Error ({exc.kind}): ", fg="red", bold=True) + str(exc), err=True)
    if not verbose and "--verbose" not in str(exc):
        click.echo(click.style("  (run with --verbose for the traceback)", dim=True), err=True)


def _not_utf8(exc: UnicodeEncodeError) -> TfpipeError:
    """A name from the command line with bytes that are not UTF-8 (Python keeps them as
    surrogates), which the store, protobuf or the terminal cannot take."""
    from ..errors import DefinitionError

    text = exc.object if isinstance(exc.object, str) else ""
    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return DefinitionError(f"'{shown}' is not UTF-8 text (a file name or argument with "
                           "bytes outside UTF-8).", fix="rename the file, or give tfpipe "
                           "names and values in UTF-8")


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            try:
                return super().invoke(ctx)
            except UnicodeEncodeError as exc:
                if "surrogates not allowed" not in str(exc):
                    raise
                raise _not_utf8(exc) from exc
        except TfpipeError as exc:  # the command's --verbose has been read by now
            _echo_error(exc, ctx.meta.get(VERBOSE_KEY, False))
            from ..runners import supervise

            if supervise.supervised():  # a run's child process: see supervise.leave
                supervise.leave(exc.exit_code)
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


param_option = click.option(
    "-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
    help="Argument for the pipeline file's create_pipeline(); VALUE is parsed as JSON when "
         "it can be (numbers, true/false, lists), else taken as a string. Repeatable.")


def _check_beam(ctx: click.Context, param: click.Parameter, value: str | None):
    if value is None:
        return None
    from ..beam.runners import beam_args

    try:
        beam_args(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None
    return value


beam_option = click.option(
    "--beam", metavar="TARGET", default=None, callback=_check_beam,
    help="Where every Beam node runs, in place of the runner in beam_pipeline_args: "
         "direct (the DirectRunner), multiprocessing (its worker processes), dask (a local "
         "Dask cluster started for the run) or dask://HOST:PORT (a running Dask scheduler).")


VERBOSE_KEY = "tfpipe.verbose"  # in click's context meta: errors are reported with tracebacks


def _remember_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    """Read first (eager): errors get tracebacks with --verbose; without it the libraries
    a command imports (TensorFlow's C++ start-up lines, warnings) stay quiet, also while
    a pipeline or module file loads."""
    ctx.meta[VERBOSE_KEY] = value
    if not value:
        quiet_libraries()
    return value


verbose_option = click.option("-v", "--verbose", is_flag=True, is_eager=True,
                               callback=_remember_verbose,
                               help="Show Python tracebacks and library logs on errors.")


def store_options(command):
    """Where look-only commands find the ML Metadata store; see tfpipe/metadata/locate.py."""
    command = click.option("--metadata", metavar="PATH_OR_URL",
                           help="Read this ML Metadata store: a SQLite file, sqlite:///path "
                                "or mysql://user:password@host:port/database.")(command)
    command = click.option("--pipeline-root", metavar="DIR",
                           help="Read DIR/metadata.sqlite, the store of a run with this "
                                "pipeline root.")(command)
    return verbose_option(param_option(command))


def open_client(pipeline_file, metadata, pipeline_root, params, near=None):
    """The read-only tfpipe.Client: from the options, the pipeline file, or the current
    folder."""
    from ..client import Client

    return Client(metadata, pipeline_root=pipeline_root, pipeline_file=pipeline_file,
                  params=parse_params(params), near=near)
