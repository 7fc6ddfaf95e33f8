"""One artifact as HTML, by its type: the same fragments the report's sections use
(statistics with histograms, schema, anomalies, evaluation, blessing, pushed model),
for the UI's artifact pages."""
from __future__ import annotations

import json

from . import data, model
from .page import badge, esc, key_values, note, table

_NUM = "{:.4g}"


def _value(value) -> str:
    if isinstance(value, float):
        return _NUM.format(value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def properties_html(properties: dict) -> str:
    """Every recorded property, long JSON values included, as text."""
    if not properties:
        return note("No properties recorded.")
    return key_values([(k, f"<code>{esc(_value(v))}</code>") for k, v in
                       sorted(properties.items())])


def drift_html(properties: dict, kind: str = "drift") -> str:
    """The drift an ExampleValidator measured against the previous span (``kind``
    "drift"), or the training/serving skew against served traffic ("skew"), per feature."""
    measured = json.loads(properties.get(kind) or "{}")
    rows = [(split, feature, m.get("type", ""), _NUM.format(m.get("value", 0)),
             "" if m.get("threshold") is None else _NUM.format(m["threshold"]),
             badge("FAILED", "above") if m.get("above") else badge("COMPLETE", "ok"))
            for split, by_feature in sorted(measured.items())
            for feature, m in sorted(by_feature.items())]
    if not rows:
        return note("No drift was measured (no baseline span to compare with)."
                    if kind == "drift" else "No skew was measured (no serving statistics "
                    "to compare with).")
    rows = [tuple(esc(c) for c in r[:5]) + (r[5],) for r in rows]
    baseline = properties.get("baseline_span")
    against = f"<p>against span {esc(baseline)}</p>" if kind == "drift" and \
        baseline is not None else ""
    return against + table(("split", "feature", "distance", "value", "threshold", ""), rows,
                           numeric=(3, 4), raw=True)


def _served_by(properties: dict) -> str:
    """Which model versions served the traffic a skew check compared (tfpipe serve's
    request logs name them), linked to the model registry."""
    served = json.loads(properties.get("served_versions") or "[]")
    if not served:
        return ""
    names = ", ".join(f'<a href="/models#{esc(s["model"])}-v{int(s["version"])}">'
                      f'{esc(s["model"])} version {int(s["version"])}</a>' for s in served)
    return f"<p>of the traffic served by {names}</p>"


def artifact_html(type_name: str, uri: str, properties: dict) -> str:
    """What an artifact holds, drawn for its type; its properties for any other type."""
    if type_name == "ExampleStatistics":
        return data.statistics_html(uri, properties)
    if type_name == "Schema":
        return data.schema_html(uri)
    if type_name == "ExampleAnomalies":
        skew = ("<h3>Training/serving skew</h3>" + _served_by(properties) +
                drift_html(properties, "skew")) if "skew" in properties else ""
        return (data.anomalies_html(uri, properties) + "<h3>Drift</h3>" +
                drift_html(properties) + skew)
    if type_name == "ModelEvaluation":
        return model.metrics_html(uri)
    if type_name == "ModelBlessing":
        return model.blessing_html(properties)
    if type_name == "PushedModel":
        return model.pushed_html(properties, uri)
    return ""
