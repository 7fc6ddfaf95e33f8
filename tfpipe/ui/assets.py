"""The UI's scripts and styles (``static/``), shared with the self-contained report:
the UI serves them as files, the report inlines them. No tornado here."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"


@lru_cache(maxsize=None)
def text(name: str) -> str:
    """The content of ``static/<name>``."""
    return (STATIC / name).read_text(encoding="utf-8")


def inline_script(*names: str) -> str:
    """Scripts to put inside one ``<script>`` element (``</`` escaped so no file can
    close the element early)."""
    return "\n;\n".join(text(n) for n in names).replace("</", "<\\/")
