"""``python -m tfpipe ...``: the ``tfpipe`` command."""
from .cli import main

main(prog_name="tfpipe")
