"""``tfpipe migrate``: rewrite a TFX pipeline file into idiomatic tfpipe with LibCST."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import PipelineLoadError
from .tfx_to_tfpipe import MigrationResult, migrate_source

__all__ = ["FileMigration", "MigrationResult", "migrate_file", "migrate_source"]


@dataclass
class FileMigration:
    diff: str  # unified diff of the file before and after
    problems: list[str]  # what is left to rewrite by hand, with its line


def migrate_file(path: str, *, write: bool = False) -> FileMigration:
    """Migrate the TFX pipeline file at ``path``; rewrite it in place if ``write``."""
    with open(path, encoding="utf-8") as f:
        before = f.read()
    try:
        result = migrate_source(before)
    except SyntaxError as exc:
        raise PipelineLoadError(f"{path} has a syntax error: {exc.msg}.",
                                where=f"{path}:{exc.lineno}", fix="correct the line shown") \
            from exc
    diff = "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        result.source.splitlines(keepends=True),
                                        f"{path} (TFX)", f"{path} (tfpipe)"))
    if write and result.source != before:
        with open(path, "w", encoding="utf-8") as f:
            f.write(result.source)
    return FileMigration(diff, [f"{path}:{p}" for p in result.problems])
