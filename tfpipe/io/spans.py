"""Spans and versions of input data, named in file paths with TFX's placeholders.

An input pattern such as ``span-{SPAN}/*.csv`` or ``{YYYY}-{MM}-{DD}/v{VERSION}/*.csv``
(relative to ``input_base``) names where each span (a day, a week, a year of data) and
each version of it lands. ExampleGen reads one span per execution: the latest, or the
one a ``range_config`` picks, in its latest version. A date span's number is its day
count since 1970-01-01, as in TFX. Pure Python: the watcher (``tfpipe run --watch``)
and the executors share it without importing TensorFlow or Beam.
"""
from __future__ import annotations

import datetime
import glob
import hashlib
import os
import re
from dataclasses import dataclass

from ..errors import InputDataError

SPAN, VERSION = "{SPAN}", "{VERSION}"
DATE_PARTS = {"{YYYY}": "year", "{MM}": "month", "{DD}": "day"}
_GROUPS = {SPAN: "span", VERSION: "version", **DATE_PARTS}
_TOKEN = re.compile(r"\{[A-Z]+\}")
RANGE_KINDS = ("static_range", "rolling_range")


@dataclass(frozen=True)
class SpanFiles:
    """The files of one version of one span, and a fingerprint of them."""

    span: int
    version: int
    files: tuple[str, ...]
    folder: str  # the pattern's match for this span, e.g. "span-3" (for messages)

    @property
    def fingerprint(self) -> str:
        """A hash of the files' names, sizes and modification times."""
        h = hashlib.sha256()
        for path in self.files:
            st = os.stat(path)
            h.update(f"{os.path.basename(path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return h.hexdigest()[:16]

    def describe(self) -> str:
        return f"span {self.span}" + (f" version {self.version}" if self.version else "")


def has_placeholders(pattern: str) -> bool:
    return bool(_TOKEN.search(pattern or ""))


def _check_pattern(pattern: str, node: str | None) -> None:
    tokens = _TOKEN.findall(pattern)
    unknown = sorted(set(tokens) - set(_GROUPS))
    fix = ("use {SPAN}, {VERSION}, or the date {YYYY}/{MM}/{DD}, e.g. "
           "input_pattern='span-{SPAN}/*.csv'")
    if unknown:
        raise InputDataError(f"input_pattern {pattern!r} has unknown placeholder(s) "
                             f"{', '.join(unknown)}.", node=node, fix=fix)
    repeated = sorted({t for t in tokens if tokens.count(t) > 1})
    if repeated:
        raise InputDataError(f"input_pattern {pattern!r} uses {', '.join(repeated)} more than "
                             "once.", node=node, fix=fix)
    dates = [t for t in tokens if t in DATE_PARTS]
    if dates and (SPAN in tokens or len(dates) != 3):
        raise InputDataError(f"input_pattern {pattern!r} must name a span either with {{SPAN}} "
                             "or with all of {YYYY}, {MM} and {DD}.", node=node, fix=fix)
    if VERSION in tokens and not (SPAN in tokens or dates):
        raise InputDataError(f"input_pattern {pattern!r} has {{VERSION}} but no span.",
                             node=node, fix=fix)


def _regex(pattern: str) -> re.Pattern:
    """The pattern as a regular expression over paths relative to input_base."""
    out, pos = [], 0
    for m in _TOKEN.finditer(pattern):
        out.append(_glob_to_regex(pattern[pos:m.start()]))
        out.append(f"(?P<{_GROUPS[m.group()]}>[^/]+?)")
        pos = m.end()
    out.append(_glob_to_regex(pattern[pos:]))
    return re.compile("".join(out) + r"\Z")


def _glob_to_regex(text: str) -> str:
    return "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in text)


def _number(text: str, what: str, path: str, pattern: str, node: str | None) -> int:
    if not text.isdigit():
        raise InputDataError(f"{path} matches input_pattern {pattern!r}, but its {what} "
                             f"{text!r} is not a number.", node=node,
                             fix=f"name the {what} folders with whole numbers (e.g. span-3), "
                             "or move other files out of input_base")
    return int(text)


def _span_of(match: re.Match, path: str, pattern: str, node: str | None) -> int:
    groups = match.groupdict()
    if "span" in groups:
        return _number(groups["span"], "span", path, pattern, node)
    try:
        day = datetime.date(*(_number(groups[k], k, path, pattern, node)
                              for k in ("year", "month", "day")))
    except ValueError as exc:
        raise InputDataError(f"{path} matches input_pattern {pattern!r}, but its date is not "
                             f"a calendar date ({exc}).", node=node,
                             fix="name date folders YYYY-MM-DD with a real date") from None
    return (day - datetime.date(1970, 1, 1)).days


def find(input_base: str, pattern: str, node: str | None = None
         ) -> dict[int, dict[int, SpanFiles]]:
    """Every span and version present: ``{span: {version: SpanFiles}}``."""
    _check_pattern(pattern, node)
    regex = _regex(pattern)
    globbed = glob.glob(os.path.join(glob.escape(input_base), _TOKEN.sub("*", pattern)))
    found: dict[tuple[int, int], list[str]] = {}
    names: dict[tuple[str, int], str] = {}  # ("span", number) -> the text that named it
    for path in sorted(p for p in globbed if os.path.isfile(p)):
        rel = os.path.relpath(path, input_base).replace(os.sep, "/")
        match = regex.match(rel)
        if match is None:
            continue
        span = _span_of(match, rel, pattern, node)
        version = _number(match["version"], "version", rel, pattern, node) \
            if "version" in match.groupdict() else 0
        for kind, number, text in (("span", span, _span_text(match)),
                                   ("version", version, match.groupdict().get("version"))):
            if text is None:
                continue
            key = (kind if kind == "span" else f"version of span {span}", number)
            if names.setdefault(key, text) != text:
                raise InputDataError(f"two folders claim {kind} {number}: {names[key]!r} and "
                                     f"{text!r} (in {input_base}).", node=node,
                                     fix=f"keep one {kind} {number}: merge or rename the other")
        found.setdefault((span, version), []).append(path)
    spans: dict[int, dict[int, SpanFiles]] = {}
    for (span, version), files in sorted(found.items()):
        folder = os.path.dirname(os.path.relpath(files[0], input_base)) or "."
        spans.setdefault(span, {})[version] = SpanFiles(span, version, tuple(files), folder)
    return spans


def _span_text(match: re.Match) -> str:
    groups = match.groupdict()
    return groups["span"] if "span" in groups else "-".join(
        groups[k] for k in ("year", "month", "day"))


def select(input_base: str, pattern: str, range_config: dict | None = None,
           node: str | None = None) -> SpanFiles:
    """The span ExampleGen reads: the latest, or the one ``range_config`` names
    (TFX's RangeConfig as a dict), in its latest version."""
    spans = find(input_base, pattern, node)
    if not spans:
        raise InputDataError(f"no file in {input_base} matches input_pattern {pattern!r}.",
                             node=node, fix="land the first span there (e.g. "
                             f"{_TOKEN.sub('1', pattern)}), or fix input_base/input_pattern")
    span = _chosen_span(sorted(spans), range_config, node)
    if span not in spans:
        raise InputDataError(f"range_config asks for span {span}, but {input_base} holds spans "
                             f"{_ranges(sorted(spans))}.", node=node,
                             fix="land that span, or change range_config")
    return spans[span][max(spans[span])]


def _chosen_span(present: list[int], range_config: dict | None, node: str | None) -> int:
    if not range_config:
        return present[-1]
    if not isinstance(range_config, dict) or len(range_config) != 1 or \
            next(iter(range_config)) not in RANGE_KINDS:
        raise InputDataError(f"range_config {range_config!r} must be one of "
                             "{'static_range': {'start_span_number': N, 'end_span_number': N}} "
                             "or {'rolling_range': {'num_spans': 1, 'skip_num_recent_spans': K}}.",
                             node=node, fix="give range_config one of those two forms")
    kind, spec = next(iter(range_config.items()))
    window_fix = ("ExampleGen ingests one span per execution; to train on several, add "
                  "RollingWindowResolver(examples=example_gen.outputs['examples'], window=N), "
                  "which reuses the spans already ingested")
    if kind == "static_range":
        start, end = spec.get("start_span_number"), spec.get("end_span_number")
        if not isinstance(start, int) or start != end:
            raise InputDataError(f"static_range from span {start} to {end}: ExampleGen reads "
                                 "exactly one span (start_span_number == end_span_number).",
                                 node=node, fix=window_fix)
        return start
    if spec.get("num_spans", 1) != 1:
        raise InputDataError(f"rolling_range with num_spans={spec.get('num_spans')}: ExampleGen "
                             "reads one span.", node=node, fix=window_fix)
    skip = int(spec.get("skip_num_recent_spans", 0))
    if skip >= len(present):
        raise InputDataError(f"rolling_range skips the {skip} most recent span(s), but only "
                             f"{len(present)} are present.", node=node,
                             fix="lower skip_num_recent_spans, or land more spans")
    return present[-1 - skip]


def _ranges(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers[:20]) + (" ..." if len(numbers) > 20 else "")
