"""Runs ``tfpipe.backends.kubeflow.entrypoint`` (see the package docstring)."""
import sys

from ...backends.kubeflow.entrypoint.__main__ import cli

if __name__ == "__main__":
    sys.exit(cli())
