"""``tfpipe migrate``: rewrite a TFX pipeline file into idiomatic tfpipe with LibCST."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from libcst import ParserSyntaxError

from ..errors import PipelineLoadError
from .tfx_to_tfpipe import MigrationResult, migrate_source

__all__ = ["FileMigration", "MigrationResult", "migrate_file", "migrate_source"]


@dataclass
class FileMigration:
    diff: str  # unified diff of the file before and after
    problems: list[str]  # what is left to rewrite by hand, with its line


def _read_source(path: str) -> str:
    """The file's text, or a PipelineLoadError saying why it cannot be read as Python."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise PipelineLoadError(f"cannot read {path}: {exc.strerror}.",
                                fix="give the path of a readable TFX pipeline file") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PipelineLoadError(f"{path} is not UTF-8 text: byte {data[exc.start]:#04x} on "
                                f"line {line}.", where=f"{path}:{line}",
                                fix="save the file as UTF-8 (Python source is UTF-8)") \
            from None


def migrate_file(path: str, *, write: bool = False) -> FileMigration:
    """Migrate the TFX pipeline file at ``path``; rewrite it in place if ``write``."""
    before = _read_source(path)
    try:
        result = migrate_source(before)
    except SyntaxError as exc:
        raise PipelineLoadError(f"{path} has a syntax error: {exc.msg}.",
                                where=f"{path}:{exc.lineno}" if exc.lineno else None,
                                fix="correct the line shown") from exc
    except (ValueError, ParserSyntaxError) as exc:  # NUL bytes, what LibCST cannot parse
        raise PipelineLoadError(f"{path} is not Python source: {str(exc).splitlines()[0]}",
                                fix="give tfpipe migrate a TFX pipeline file (.py)") from exc
    diff = "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        result.source.splitlines(keepends=True),
                                        f"{path} (TFX)", f"{path} (tfpipe)"))
    if write and result.source != before:
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(result.source)
        except OSError as exc:
            raise PipelineLoadError(f"cannot write {path}: {exc.strerror}.",
                                    fix="make the file writable, or run without --write and "
                                    "apply the diff yourself") from exc
    return FileMigration(diff, [f"{path}:{p}" for p in result.problems])
