"""IR -> execution: the launcher shared by both runners, the local Beam runner, Kubeflow."""
from .local import run_pipeline

__all__ = ["run_pipeline"]
