"""``tfpipe models``: the pushed model versions as a table or JSON, and ``models diff``."""
from __future__ import annotations

import json
from dataclasses import asdict

import click

from ..metadata.models import ModelDetails, ModelVersion
from ..formatting import format_time
from .table import table

KEY_METRICS = 3


def spans_text(spans) -> str:
    """(1, 2, 3) -> 1-3; (1, 3) -> 1, 3; () -> -."""
    spans = sorted(spans)
    if not spans:
        return "-"
    if spans == list(range(spans[0], spans[-1] + 1)) and len(spans) > 1:
        return f"{spans[0]}-{spans[-1]}"
    return ", ".join(map(str, spans))


def key_metrics(versions: list[ModelVersion], chosen: tuple[str, ...] = ()) -> list[str]:
    """The metric columns: those asked for, else up to three that most versions have
    (AUC and accuracies first; counts and loss last)."""
    if chosen:
        return list(chosen)
    counts: dict[str, int] = {}
    for v in versions:
        for name in v.metrics:
            counts[name] = counts.get(name, 0) + 1

    def rank(name: str):
        low = name.lower()
        order = 0 if "auc" in low else 1 if "accuracy" in low else \
            3 if ("count" in low or "loss" in low) else 2
        return (-counts[name], order, name)
    return sorted(counts, key=rank)[:KEY_METRICS]


def _number(value) -> str:
    return "" if value is None else f"{value:.4g}"


def _baseline(v: ModelVersion) -> str:
    if v.baseline_model_id is None:
        return "none (first)"
    if v.baseline_version is not None:
        return str(v.baseline_version)
    return f"model #{v.baseline_model_id}"


def models_table(versions: list[ModelVersion], metrics: tuple[str, ...] = ()) -> list[str]:
    names = key_metrics(versions, metrics)
    headers = ("VERSION", "PUSHED AT", "RUN ID", "SPANS", *[n.upper() for n in names],
               "BEAT", "SERVED AT")
    rows = [(v.version, format_time(v.pushed_at), v.run_id, spans_text(v.spans),
             *[_number(v.metrics.get(n)) for n in names], _baseline(v), v.served_at)
            for v in versions]
    return table(headers, rows, right=tuple(range(4, 4 + len(names))))


def version_dict(v: ModelVersion) -> dict:
    found = asdict(v)
    found["spans"] = list(v.spans)
    return found


def models_json(versions: list[ModelVersion]) -> str:
    return json.dumps([version_dict(v) for v in versions], indent=2, sort_keys=True)


def _change(a, b) -> str:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return f"{b - a:+.4g}"
    return "" if a == b else "changed"


def _value(value) -> str:
    if value is None:
        return "-"
    return _number(value) if isinstance(value, float) else \
        value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _section(title: str, rows: list[tuple], a: ModelVersion, b: ModelVersion,
             same: int = 0) -> list[str]:
    lines = ["", click.style(title, bold=True)]
    if rows:
        lines += ["  " + line for line in table(
            ("", str(a.version), str(b.version), "CHANGE"),
            [(name, _value(x), _value(y), _change(x, y)) for name, x, y in rows])]
    if same:
        lines.append(click.style(f"  {same} more the same in both", dim=True))
    if not rows and not same:
        lines.append(click.style("  none recorded", dim=True))
    return lines


def diff_lines(a: ModelVersion, b: ModelVersion, details_a: ModelDetails,
               details_b: ModelDetails) -> list[str]:
    """Two versions side by side: what each is, its metrics, and the code and parameters
    that differ."""
    lines = [click.style(f"model version {a.version} -> {b.version}", bold=True)]
    lines += ["  " + line for line in table(("", str(a.version), str(b.version)), [
        ("pushed at", format_time(a.pushed_at), format_time(b.pushed_at)),
        ("run", a.run_id, b.run_id),
        ("spans", spans_text(a.spans), spans_text(b.spans)),
        ("baseline beaten", _baseline(a), _baseline(b)),
        ("served at", a.served_at, b.served_at),
    ])]
    names = sorted(set(a.metrics) | set(b.metrics))
    lines += _section("metrics (overall, eval split)",
                      [(n, a.metrics.get(n), b.metrics.get(n)) for n in names], a, b)
    files = sorted(set(details_a.code) | set(details_b.code))
    changed = [(f, details_a.code.get(f), details_b.code.get(f)) for f in files
               if details_a.code.get(f) != details_b.code.get(f)]
    lines += _section("code (content hashes)", changed, a, b, len(files) - len(changed))
    keys = sorted(set(details_a.parameters) | set(details_b.parameters))
    differing = [(k, details_a.parameters.get(k), details_b.parameters.get(k)) for k in keys
                 if details_a.parameters.get(k) != details_b.parameters.get(k)]
    lines += _section("parameters", differing, a, b, len(keys) - len(differing))
    return lines


def diff_json(a: ModelVersion, b: ModelVersion, details_a: ModelDetails,
              details_b: ModelDetails) -> str:
    return json.dumps({"a": {**version_dict(a), **asdict(details_a)},
                       "b": {**version_dict(b), **asdict(details_b)}}, indent=2,
                      sort_keys=True, default=str)
