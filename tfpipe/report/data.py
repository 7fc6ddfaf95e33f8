"""The data sections of the report: statistics per split, the schema, anomalies.

They read TFX's files through the artifacts layer, with tensorflow_metadata's protos
alone (no TensorFlow): statistics, the schema and anomalies.
Statistics are drawn as compact tables with a small histogram per feature rather than
TFDV's Facets view, which loads its code from the web (see docs/user-guide.md).
"""
from __future__ import annotations

import json
import os

from ..artifacts.anomalies import anomalies_path, load_anomalies
from ..artifacts.base import splits_on_disk
from ..artifacts.schema import load_schema, schema_path
from ..artifacts.statistics import load_statistics, statistics_path
from .page import esc, note, table

HIST_W, HIST_H = 100, 26


def _num(value, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e7:
        return str(int(value))
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def splits(uri: str, properties: dict) -> list[str]:
    names = json.loads(properties.get("split_names") or "[]")
    return names or splits_on_disk(uri)


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def feature_name(feature) -> str:
    return ".".join(feature.path.step) if feature.path.step else feature.name


def histogram_svg(histogram) -> str:
    """A tiny bar chart of a standard (equal-width) histogram."""
    buckets = list(histogram.buckets)
    top = max((b.sample_count for b in buckets), default=0)
    if not buckets or top <= 0:
        return ""
    w = HIST_W / len(buckets)
    bars = "".join(
        f'<rect x="{i * w + 0.5:.1f}" y="{HIST_H - h:.1f}" width="{max(w - 1, 1):.1f}" '
        f'height="{h:.1f}"><title>{_num(b.low_value)}–{_num(b.high_value)}: '
        f'{_num(b.sample_count, 3)}</title></rect>'
        for i, b in enumerate(buckets) for h in [max(HIST_H * b.sample_count / top, 1)])
    return (f'<svg class="hist" width="{HIST_W}" height="{HIST_H}" '
            f'viewBox="0 0 {HIST_W} {HIST_H}">{bars}</svg>')


def _feature_row(feature) -> list[str]:
    from tensorflow_metadata.proto.v0 import statistics_pb2

    kind = feature.WhichOneof("stats")
    stats = getattr(feature, kind) if kind else None
    common = stats.common_stats if stats is not None and hasattr(stats, "common_stats") \
        else None
    present = common.num_non_missing if common else 0
    missing = common.num_missing if common else 0
    total = present + missing
    row = [esc(feature_name(feature)), esc(statistics_pb2.FeatureNameStatistics.Type.Name(
        feature.type)), _num(present), f"{100 * missing / total:.1f}%" if total else ""]
    if kind == "num_stats":
        hist = next((h for h in stats.histograms if h.type == h.STANDARD), None)
        row += [_num(stats.mean), _num(stats.std_dev), _num(stats.min), _num(stats.median),
                _num(stats.max), "", "", histogram_svg(hist) if hist else ""]
    elif kind == "string_stats":
        tops = ", ".join(f'<span title="{esc(v.value)}">{esc(_short(v.value))}</span> '
                         f"({_num(v.frequency)})" for v in stats.top_values[:3])
        row += ["", "", "", "", "", _num(stats.unique), tops, ""]
    else:
        row += [""] * 8
    return row


STATS_HEADERS = ("feature", "type", "count", "missing", "mean", "std dev", "min", "median",
                 "max", "unique", "top values", "histogram")


def statistics_html(uri: str, properties: dict) -> str:
    parts = []
    for split in splits(uri, properties):
        path = statistics_path(uri, split)
        if not os.path.isfile(path):
            parts.append(f"<h3>{esc(split)}</h3>" + note(f"{path} is missing."))
            continue
        for dataset in load_statistics(uri, split).datasets:
            rows = [_feature_row(f) for f in dataset.features]
            parts.append(f'<h3 data-split="{esc(split)}">Split {esc(split)}: '
                         f"{_num(dataset.num_examples)} examples, {len(rows)} features</h3>" +
                         '<div class="scroll">' +
                         table(STATS_HEADERS, rows, numeric=range(2, 10), raw=True,
                               css="stats") + "</div>")
    return "".join(parts) or note("No split statistics were found.")


def _domain(feature, string_domains: dict) -> str:
    kind = feature.WhichOneof("domain_info")
    if kind == "domain":
        values = string_domains.get(feature.domain, [])
        return f"{feature.domain}: " + ", ".join(values[:8]) + (" …" if len(values) > 8 else "")
    if kind == "string_domain":
        return ", ".join(feature.string_domain.value[:8])
    if kind in ("int_domain", "float_domain"):
        d = getattr(feature, kind)
        low = _num(d.min) if d.HasField("min") else "−∞"
        high = _num(d.max) if d.HasField("max") else "+∞"
        return f"[{low}, {high}]"
    return kind.replace("_", " ") if kind else ""


def schema_html(uri: str) -> str:
    from tensorflow_metadata.proto.v0 import schema_pb2

    if not os.path.isfile(schema_path(uri)):
        return note(f"{schema_path(uri)} is missing.")
    schema = load_schema(uri)
    domains = {d.name: list(d.value) for d in schema.string_domain}
    rows = []
    for f in schema.feature:
        presence = ("required" if f.presence.min_fraction >= 1 else
                    f"optional (≥{_num(f.presence.min_fraction)})" if f.presence.min_fraction
                    else "optional")
        valency = ("single" if f.HasField("shape") or (f.value_count.min == f.value_count.max
                                                       == 1) else "multiple")
        rows.append((f.name, schema_pb2.FeatureType.Name(f.type), presence, valency,
                     _domain(f, domains)))
    return table(("feature", "type", "presence", "valency", "domain"), rows)


def anomalies_html(uri: str, properties: dict) -> str:
    rows, checked = [], []
    for split in splits(uri, properties):
        if not os.path.isfile(anomalies_path(uri, split)):
            continue
        checked.append(split)
        found = load_anomalies(uri, split)
        for feature, info in sorted(found.anomaly_info.items()):
            rows.append((split, feature, info.short_description, info.description))
        if found.HasField("dataset_anomaly_info"):
            info = found.dataset_anomaly_info
            rows.append((split, "(dataset)", info.short_description, info.description))
    if not checked:
        return note("No anomalies files were found.")
    if not rows:
        return (f'<p><span class="badge ok">no anomalies</span> in split(s) '
                f"{esc(', '.join(checked))}.</p>")
    return (f'<p><span class="badge failed">{len(rows)} anomalies</span></p>' +
            table(("split", "feature", "anomaly", "description"), rows))
