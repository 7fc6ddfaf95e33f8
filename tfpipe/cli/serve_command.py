"""``tfpipe serve``: serve what a pipeline's Pusher pushes, over TF Serving's REST API."""
from __future__ import annotations

import click

from ..quiet import quiet_libraries
from .group import main, param_option, parse_params, verbose_option


@main.command(name="serve")
@click.argument("target", metavar="TARGET")
@param_option
@verbose_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; 0.0.0.0 opens it to the network.")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(0, 65535),
              help="The port to listen on (TF Serving's REST port; 0: any free port).")
@click.option("--model-name", metavar="NAME",
              help="The model's name in the URLs (default: the pipeline's name, or the "
                   "destination folder's).")
@click.option("--poll-seconds", default=2.0, show_default=True, type=click.FloatRange(0.05),
              help="How often the destination is checked for new versions.")
@click.option("--version-policy", default="latest", show_default=True,
              metavar="latest[:N]|all|specific:V1,V2",
              help="Which versions to serve, as TF Serving's model_version_policy.")
@click.option("--max-batch-size", default=32, show_default=True, type=click.IntRange(1),
              help="Server-side batching: at most this many rows run together.")
@click.option("--batch-timeout-ms", default=1.0, show_default=True,
              type=click.FloatRange(0), help="Server-side batching: how long the first "
              "request of a batch waits for others.")
@click.option("--batch-threads", default=2, show_default=True, type=click.IntRange(1),
              help="Server-side batching: how many batches run at once.")
@click.option("--max-body-bytes", default=10 * 1024 * 1024, show_default=True,
              type=click.IntRange(1), help="Larger request bodies are refused (HTTP 413).")
@click.option("--log-requests", metavar="DIR", type=click.Path(file_okay=False),
              help="Write a sample of the served rows to DIR as tf.Examples (gzipped "
                   "TFRecord, one folder per day, rotated by time), for an ExampleGen.")
@click.option("--sample-rate", default=1.0, show_default=True, type=click.FloatRange(0, 1),
              help="The share of requests --log-requests writes.")
@click.option("--log-rotate-seconds", default=60.0, show_default=True,
              type=click.FloatRange(0.01), help="A request log file is closed and a new "
              "one begun this often.")
def serve(target, params, verbose, host, port, model_name, poll_seconds, version_policy,
          max_batch_size, batch_timeout_ms, batch_threads, max_body_bytes, log_requests, sample_rate,
          log_rotate_seconds) -> None:
    """Serve the model versions in TARGET over TF Serving's REST API: TARGET is a
    Pusher's push destination (version folders), or a pipeline file (its Pusher's
    destination; -p as for `tfpipe run`).

    POST /v1/models/NAME[/versions/V]:predict takes raw rows ({"instances": [{feature:
    value, ...}]}); GET /v1/models/NAME gives the versions' states, .../metadata the
    signatures; /healthz and /metrics (Prometheus) too. A new version pushed to the
    destination is loaded, warmed up and served within --poll-seconds plus its load
    time, without dropping a request. Ctrl-C stops it. Exit 2 if the port is in use or
    TARGET is not something to serve. See docs/serving.md."""
    if not verbose:
        quiet_libraries()
    from ..serving.serve import serve as run_server

    def ready(server) -> None:
        options, versions = server.options, server.versions
        url = f"http://{options.host}:{options.port}/v1/models/{options.name}"
        shown = ", ".join(f"{v.number} {v.state}" + (f" in {v.load_seconds:.3f} s"
                                                       if v.state == "AVAILABLE" else "")
                          for v in versions.ordered()) or "none yet"
        for failed in (v for v in versions.ordered() if v.error):
            click.echo(click.style("✘ ", fg="red") + f"version {failed.number} did not "
                       f"load: {failed.error}", err=True)
        click.echo(click.style("✔ ", fg="green") + f"serving {options.name} at {url}  "
                   f"(versions: {shown}; watching {options.base} every "
                   f"{options.poll_seconds:g} s; Ctrl-C stops it)")

    run_server(target, model_name=model_name, host=host, port=port, poll_seconds=poll_seconds,
               version_policy=version_policy, params=parse_params(params), ready=ready,
               max_batch_size=max_batch_size, batch_timeout_ms=batch_timeout_ms,
               batch_threads=batch_threads,
               max_body_bytes=max_body_bytes, log_requests=log_requests,
               sample_rate=sample_rate, log_rotate_seconds=log_rotate_seconds)
