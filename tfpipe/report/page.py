"""HTML building blocks of the run report: escaping, tables, sections, the page.

The page is one self-contained file: the UI's stylesheet and graph scripts inlined
(``tfpipe.ui.assets``), no font, script or image from the network, so it opens anywhere
(offline, attached to a ticket) and looks like ``tfpipe ui``.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Iterable, Sequence

from ..ui import assets

STATE_CLASSES = {"COMPLETE": "ok", "CACHED": "cached", "FAILED": "failed", "RUNNING": "running",
                 "CANCELED": "failed", "SKIPPED": "idle", "NOT RUN": "idle"}

CSS = assets.text("tfpipe.css")


def esc(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def badge(state: str, text: str | None = None) -> str:
    return f'<span class="badge {STATE_CLASSES.get(state, "idle")}">{esc(text or state)}</span>'


def note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = (),
          raw: bool = False, css: str = "") -> str:
    """An HTML table; cells are escaped unless ``raw`` (already HTML)."""
    cell = (lambda v: str(v)) if raw else esc
    head = "".join(f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{cell(v)}</td>' if i in numeric else
                         f"<td>{cell(v)}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in rows)
    cls = f' class="{css}"' if css else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def key_values(pairs: Sequence[tuple[str, str]]) -> str:
    """A two-column table of already-built HTML values."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in pairs)
    return f'<table class="kv"><tbody>{rows}</tbody></table>'


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    body: str

    def html(self) -> str:
        return (f'<section id="{esc(self.id)}" data-section="{esc(self.id)}">'
                f"<h2>{esc(self.title)}</h2>{self.body}</section>")


def document(title: str, meta: Sequence[tuple[str, str]], sections: Sequence[Section]) -> str:
    """The whole page; ``meta`` values are HTML."""
    nav = "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in sections)
    facts = "".join(f"<span>{esc(k)}: {v}</span>" for k, v in meta)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{esc(title)}</h1><div class=\"meta\">{facts}</div></header>"
            f"<nav>{nav}</nav><main>{''.join(s.html() for s in sections)}</main>"
            f"<script>{assets.inline_script('dagre.min.js', 'graph.js')}</script>"
            "</body></html>\n")
