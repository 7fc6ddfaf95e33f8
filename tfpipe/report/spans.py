"""The span history section of the report: one row per span the pipeline ingested (its
examples per split, the drift against the span before, the model trained when it was
the newest span), a bar chart of the examples per span, and the drift of each feature
over the spans, cells above their threshold marked."""
from __future__ import annotations

import os

from ..metadata.history import SpanRecord
from ..views.models import spans_text
from ..formatting import format_time
from ..artifacts.statistics import load_statistics, statistics_path
from .data import _num
from .page import esc, note, table

BAR_W, BAR_H = 120, 12
DISTANCES = {"L_INFTY": "L-infinity", "JENSEN_SHANNON_DIVERGENCE": "Jensen-Shannon"}


def examples_per_split(record: SpanRecord) -> dict[str, int]:
    """{split: number of examples} from the span's statistics files."""
    counts = {}
    for split in record.statistics_splits:
        if os.path.isfile(statistics_path(record.statistics_uri, split)):
            counts[split] = sum(d.num_examples for d in
                                load_statistics(record.statistics_uri, split).datasets)
    return counts


def _bar(value: int, top: int) -> str:
    width = max(BAR_W * value / top, 1) if top else 0
    return (f'<svg class="hist" width="{BAR_W}" height="{BAR_H}" viewBox="0 0 {BAR_W} '
            f'{BAR_H}"><rect x="0" y="0" width="{width:.1f}" height="{BAR_H}">'
            f"<title>{value} examples</title></rect></svg>")


def _worst(drift: dict) -> tuple[str, dict] | None:
    """The (feature, measurement) furthest above (or closest to) its threshold."""
    found = [(f, m) for by_feature in drift.values() for f, m in by_feature.items()]
    if not found:
        return None
    return max(found, key=lambda fm: (bool(fm[1].get("above")),
                                      fm[1]["value"] / (fm[1].get("threshold") or 1)))


def _drift_cell(record: SpanRecord) -> str:
    if record.baseline_span is None:
        return '<span class="note">no baseline (first span)</span>'
    worst = _worst(record.drift)
    if worst is None:
        return f"vs span {record.baseline_span}: no thresholds set"
    feature, m = worst
    above = [f for by_feature in record.drift.values() for f, x in by_feature.items()
             if x.get("above")]
    text = (f"vs span {record.baseline_span}: {esc(feature)} {_num(m['value'])} "
            f"(threshold {_num(m.get('threshold'))})")
    if above:
        return (f'<span class="badge failed">DRIFT</span> {text}, '
                f"{len(set(above))} feature(s) above")
    return f'<span class="badge ok">OK</span> {text}'


def _model_cell(record: SpanRecord) -> str:
    if record.model_id is None:
        return '<span class="note">none trained</span>'
    pushed = (f'pushed as version <code>{record.model_version}</code>'
              if record.model_version is not None else "not pushed")
    return f"model #{record.model_id} on spans {spans_text(record.model_spans)}, {pushed}"


def _drift_matrix(records: list[SpanRecord]) -> str:
    """Features × spans: each feature's drift against the span before."""
    checked = [r for r in records if r.drift]
    split = next((s for r in checked for s in r.drift if s == "train"), None) or \
        next((s for r in checked for s in r.drift), None)
    if split is None:
        return ""
    features = sorted({f for r in checked for f in r.drift.get(split, {})})
    rows = []
    for feature in features:
        row = [esc(feature)]
        for r in checked:
            m = r.drift.get(split, {}).get(feature)
            if m is None:
                row.append("")
                continue
            kind = DISTANCES.get(m.get("type"), esc(m.get("type", "")))
            cell = f'<span title="{kind} distance; threshold {_num(m.get("threshold"))}">' \
                   f"{_num(m['value'])}</span>"
            row.append(f'<span class="badge failed">{cell}</span>' if m.get("above") else cell)
        rows.append(row)
    headers = ["feature"] + [f"span {r.span} vs {r.baseline_span}" for r in checked]
    return (f"<h3>Drift per feature (split {esc(split)}; marked: above its threshold)</h3>"
            + table(headers, rows, numeric=range(1, len(headers)), raw=True))


def span_history_html(records: list[SpanRecord], current_spans: set[int]) -> str:
    if not records:
        return note("This pipeline has ingested no spans yet.")
    if len(records) == 1 and records[0].span == 0:
        return note("This pipeline reads one fixed input (span 0); give ExampleGen an "
                    "input_pattern with {SPAN} to train on spans as they land "
                    "(docs/continuous-training.md).")
    counts = {r.span: examples_per_split(r) for r in records}
    top = max((sum(c.values()) for c in counts.values()), default=0)
    rows = []
    for r in records:
        split_text = ", ".join(f"{s} {n}" for s, n in counts[r.span].items())
        total = sum(counts[r.span].values())
        span = f"<b>{r.span}</b> (this run)" if r.span in current_spans else str(r.span)
        rows.append((span, str(r.version), esc(format_time(r.ingested)),
                     f"{_bar(total, top)} {total} <span class=\"note\">"
                     f"{esc(split_text)}</span>", _drift_cell(r), _model_cell(r)))
    return (table(("span", "version", "ingested", "examples", "drift", "model trained"),
                  rows, raw=True) + _drift_matrix(records))
