"""IR -> local execution: the launcher (shared with the Kubeflow backend), the scheduler,
the run's supervising parent, the watch, the cache."""
from .local import run_locally

__all__ = ["run_locally"]
