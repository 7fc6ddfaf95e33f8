"""The ``tfpipe`` command. Imports nothing heavy until a command needs it.

``group`` holds the click group, error reporting and shared options;
``pipeline_commands`` the commands on a pipeline file (run, compile, init, migrate);
``store_commands`` those that look at what ran (runs, report, models, lineage, ui);
``serve_command`` serving what a Pusher pushed (serve)."""
from . import pipeline_commands, serve_command, store_commands  # noqa: F401 - they register the commands
from .group import main

__all__ = ["main"]
