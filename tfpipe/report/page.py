"""HTML building blocks of the run report: escaping, tables, sections, the page.

The page is one self-contained file: inline CSS, inline SVG, no script, no font or
image from the network, so it opens anywhere (offline, attached to a ticket).
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Iterable, Sequence

STATE_CLASSES = {"COMPLETE": "ok", "CACHED": "cached", "FAILED": "failed", "RUNNING": "running",
                 "CANCELED": "failed", "SKIPPED": "idle", "NOT RUN": "idle"}

CSS = """
:root { --ink:#1f2933; --muted:#65748b; --line:#e3e8ef; --bg:#f6f8fb; --card:#fff;
  --ok:#1a7f37; --ok-bg:#dafbe1; --cached:#0969da; --cached-bg:#ddf4ff; --failed:#cf222e;
  --failed-bg:#ffebe9; --running:#9a6700; --running-bg:#fff8c5; --idle:#8c959f;
  --idle-bg:#f0f2f5; --accent:#6639ba; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink); background:var(--bg); }
header { background:#24292f; color:#fff; padding:20px 32px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:600; }
header .meta { color:#c9d1d9; font-size:13px; }
header .meta span { margin-right:18px; }
nav { padding:8px 32px; background:#fff; border-bottom:1px solid var(--line);
  position:sticky; top:0; z-index:1; }
nav a { color:var(--accent); text-decoration:none; margin-right:18px; font-weight:500; }
main { padding:20px 24px 40px; max-width:1400px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px;
  padding:16px 20px; margin-bottom:20px; }
h2 { margin:0 0 12px; font-size:17px; }
h3 { margin:16px 0 8px; font-size:14px; color:var(--muted); font-weight:600; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line);
  vertical-align:top; }
th { background:#f6f8fa; font-weight:600; color:#444d56; white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr:hover td { background:#fafbfc; }
code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; font-size:12px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px;
  font-weight:600; }
.ok { color:var(--ok); background:var(--ok-bg); }
.cached { color:var(--cached); background:var(--cached-bg); }
.failed { color:var(--failed); background:var(--failed-bg); }
.running { color:var(--running); background:var(--running-bg); }
.idle { color:var(--idle); background:var(--idle-bg); }
.note { color:var(--muted); font-style:italic; margin:4px 0; }
.error { color:var(--failed); white-space:pre-wrap; }
.kv th { width:220px; }
.graph, .scroll { overflow-x:auto; }
table.stats td:nth-child(11) { min-width:160px; }
.graph svg text { font-family:system-ui,sans-serif; }
.hist rect { fill:#8b6fd1; }
"""


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
            "</body></html>\n")
