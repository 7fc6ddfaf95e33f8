"""Aligned, coloured tables for the terminal views."""
from __future__ import annotations

from typing import Sequence

import click


STATE_COLOURS = {"COMPLETE": "green", "CACHED": "cyan", "FAILED": "red", "RUNNING": "yellow",
                 "CANCELED": "magenta", "SKIPPED": "yellow"}

def state(name: str) -> str:
    return click.style(name, fg=STATE_COLOURS.get(name))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]],
          right: Sequence[int] = (), styles: dict[int, callable] | None = None) -> list[str]:
    """Lines of a table whose columns are padded to their widest cell; ``right`` are the
    indexes of right-aligned (numeric) columns, ``styles`` colour a column's cells after
    padding so ANSI codes never break the alignment."""
    widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]
    styles = styles or {}

    def line(cells, style_cells: bool) -> str:
        out = []
        for i, cell in enumerate(cells):
            text = str(cell).rjust(widths[i]) if i in right else str(cell).ljust(widths[i])
            if style_cells and i in styles:
                text = text.replace(str(cell), styles[i](str(cell)), 1)
            out.append(text)
        return "  ".join(out).rstrip()

    head = click.style(line(headers, False), bold=True)
    return [head] + [line(r, True) for r in rows]
