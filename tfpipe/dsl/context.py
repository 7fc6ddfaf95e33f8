"""What an executor gets besides its artifacts and parameters."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ExecutionContext:
    """Passed to an executor's ``context`` argument, if it has one."""

    node_id: str
    pipeline_name: str
    pipeline_root: str
    run_id: str
    execution_id: int | None = None
    beam_pipeline_args: tuple[str, ...] = ()
    tmp_dir: str = ""
    metadata: str = ""  # the MLMD store (path or URL), for components that query it

    def warn(self, text: str) -> None:
        """Show the user a warning from inside an executor, under the node's progress line."""
        import click

        for i, line in enumerate(text.splitlines()):
            click.echo(click.style(("    ⚠ " if i == 0 else "      ") + line, fg="yellow"))

    def make_tmp_dir(self) -> str:
        os.makedirs(self.tmp_dir, exist_ok=True)
        return self.tmp_dir
