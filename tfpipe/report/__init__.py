"""``tfpipe report``: one run as a self-contained HTML page (graph, statistics, schema,
anomalies, evaluation, pushed model)."""
from .build import build_report

__all__ = ["build_report"]
