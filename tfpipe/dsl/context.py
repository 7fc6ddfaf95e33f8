"""What an executor gets besides its artifacts and parameters."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Callable, NoReturn

from ..errors import NodeSkipped


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
    # Where warn() goes: set by the runner (to its listener); else standard error.
    on_warning: Callable[[str], None] | None = field(default=None, compare=False, repr=False)

    def warn(self, text: str) -> None:
        """Show the user a warning from inside an executor, under the node's progress line."""
        if self.on_warning is not None:
            self.on_warning(text)
        else:
            print(f"warning [{self.node_id}]: {text}", file=sys.stderr)

    def skip(self, reason: str) -> NoReturn:
        """Stop here without failing: the node is shown and recorded as skipped with
        ``reason``, its outputs are discarded, the nodes that need them are skipped too,
        and the run still succeeds (TFX components that "do nothing" on an unblessed
        model)."""
        raise NodeSkipped(reason)

    def make_tmp_dir(self) -> str:
        os.makedirs(self.tmp_dir, exist_ok=True)
        return self.tmp_dir
