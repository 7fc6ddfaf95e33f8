"""The model sections of the report: the tuned hyperparameters, evaluation metrics per
slice, the blessing, the infra validation, where the model was pushed, and what batch
inference predicted.

Metrics come from TensorFlow Model Analysis (``tfma.load_eval_result``; TFMA and
TensorFlow are imported only when the run has an evaluation); the rest from the custom
properties of the HyperParameters, ModelBlessing, InfraBlessing, PushedModel and
InferenceResult.
"""
from __future__ import annotations

import json
import os

from .page import badge, esc, key_values, note, table


def slice_name(slice_key) -> str:
    """``()`` -> Overall; ``(("island", "Dream"),)`` -> island = Dream."""
    if not slice_key:
        return "Overall"
    return " × ".join(f"{col} = {value}" for col, value in slice_key)


def scalar(value) -> float | None:
    """A metric's number, from TFMA's JSON-like forms; None for plots, matrices..."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        for key in ("doubleValue", "value"):
            if isinstance(value.get(key), (int, float)):
                return float(value[key])
        if isinstance(value.get("boundedValue"), dict):
            return scalar(value["boundedValue"])
    return None


def metric_rows(slicing_metrics) -> tuple[list[str], list[list[str]]]:
    """Metric names (columns) and one row of values per slice."""
    per_slice: list[tuple[str, dict[str, float]]] = []
    names: list[str] = []
    for slice_key, by_output in slicing_metrics:
        found = {}
        for output, by_sub_key in sorted(by_output.items()):
            for sub_key, metrics in sorted(by_sub_key.items()):
                prefix = "/".join(p for p in (output, sub_key) if p)
                for metric, value in sorted(metrics.items()):
                    number = scalar(value)
                    if number is not None:
                        found[f"{prefix}/{metric}" if prefix else metric] = number
        names += [n for n in found if n not in names]
        per_slice.append((slice_name(slice_key), found))
    per_slice.sort(key=lambda s: (s[0] != "Overall", s[0]))
    rows = [[name] + [f"{m[n]:.4g}" if n in m else "" for n in names] for name, m in per_slice]
    return names, rows


def load_metrics(uri: str):
    """TFMA's slicing metrics of an evaluation, or an error message."""
    try:
        import tensorflow_model_analysis as tfma

        return tfma.load_eval_result(uri).slicing_metrics, None
    except Exception as exc:  # a missing or unreadable evaluation is shown, not fatal
        return None, f"cannot read the evaluation at {uri}: {type(exc).__name__}: {exc}"


def blessing_html(properties: dict | None) -> str:
    if properties is None:
        return note("No blessing was recorded.")
    blessed = bool(properties.get("blessed"))
    pairs = [("decision", badge("COMPLETE" if blessed else "FAILED",
                                "BLESSED" if blessed else "NOT BLESSED")),
             ("reason", esc(properties.get("reason", "")))]
    if properties.get("current_model"):
        pairs.append(("model", f"<code>{esc(properties['current_model'])}</code>"))
    pairs.append(("baseline", f"<code>{esc(properties['baseline_model'])}</code>"
                  if properties.get("baseline_model") else
                  "none (first blessed model: change thresholds skipped)"))
    return key_values(pairs)


def metrics_html(uri: str) -> str:
    """TFMA's metrics of the evaluation at ``uri``, a row per slice."""
    slicing_metrics, error = load_metrics(uri) if os.path.isdir(uri) else \
        (None, f"{uri} is missing.")
    if error:
        return note(error)
    names, rows = metric_rows(slicing_metrics)
    return (table(["slice"] + names, rows, numeric=range(1, len(names) + 1))
            if rows else note("TFMA computed no metrics."))


def evaluation_html(uri: str, blessing: dict | None) -> str:
    return ("<h3>Blessing</h3>" + blessing_html(blessing) + "<h3>Metrics by slice</h3>" +
            metrics_html(uri))


def hyperparameters_html(properties: dict) -> str:
    """The values the Tuner chose, the number of trials and the best trial's score."""
    values = json.loads(properties.get("values") or "{}")
    rows = [[name, value] for name, value in sorted(values.items())]
    facts = key_values([("trials", esc(properties.get("trials", ""))),
                        ("best score", esc(properties.get("best_score", "")))])
    return facts + (table(["hyperparameter", "best value"], rows) if rows
                    else note("No values were recorded."))


def infra_blessing_html(properties: dict) -> str:
    """The InfraValidator's verdict, its reason, and the load and latency figures."""
    blessed = bool(properties.get("blessed"))
    pairs = [("decision", badge("COMPLETE" if blessed else "FAILED",
                                "INFRA BLESSED" if blessed else "NOT INFRA BLESSED")),
             ("reason", esc(properties.get("reason", "")))]
    figures = [("requests", "requests", ""), ("load_seconds", "SavedModel load", " s"),
               ("startup_seconds", "server start to ready", " s"),
               ("latency_p50_ms", "latency p50", " ms"), ("latency_p90_ms", "latency p90", " ms"),
               ("latency_p99_ms", "latency p99", " ms")]
    pairs += [(label, esc(f"{properties[key]}{unit}")) for key, label, unit in figures
              if key in properties]
    if properties.get("current_model"):
        pairs.append(("model", f"<code>{esc(properties['current_model'])}</code>"))
    return key_values(pairs)


def pushed_html(properties: dict, uri: str) -> str:
    if not properties.get("pushed"):
        reason = properties.get("reason") or ("the model was not blessed, so nothing was "
                                              "copied to the serving destination.")
        return f"<p>{badge('NOT RUN', 'not pushed')} {esc(reason)}</p>"
    destination = properties.get("pushed_destination", "")
    return key_values([
        ("pushed", badge("COMPLETE", "pushed")),
        ("location", f"<code>{esc(destination)}</code>"),
        ("version", esc(properties.get("pushed_version", ""))),
        ("record", f"<code>{esc(os.path.join(uri, 'push.json'))}</code>"),
        ("where it came from", f"<code>tfpipe lineage {esc(destination)}</code>"),
    ])


def inference_html(properties: dict, uri: str) -> str:
    """What a BulkInferrer predicted: how many examples, of which splits, with which
    model, and the outputs of its signature."""
    import json

    from ..artifacts.inference import prediction_logs_pattern

    return key_values([
        ("predictions", esc(properties.get("predictions", ""))),
        ("splits", esc(", ".join(json.loads(properties.get("splits") or "[]")))),
        ("model", f"<code>{esc(properties.get('model', ''))}</code>"),
        ("signature", esc(properties.get("signature_name", ""))),
        ("outputs", esc(", ".join(json.loads(properties.get("output_keys") or "[]")))),
        ("prediction logs", f"<code>{esc(prediction_logs_pattern(uri))}</code>"),
    ])
