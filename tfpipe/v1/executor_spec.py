"""``tfx.dsl.components.base.executor_spec`` and the executor classes TFX examples name
(``tfx.components.trainer.executor.GenericExecutor``). tfpipe runs its own executors, so
a spec is accepted where it names the executor tfpipe's component already is (the
Trainer's ``GenericExecutor``, which calls ``run_fn``); any other is refused where it is
used, saying what to do instead."""
from __future__ import annotations

__all__ = ["ExecutorClassSpec", "GenericExecutor", "Executor", "is_default_for"]


class GenericExecutor:
    """TFX's Trainer executor that calls the module file's ``run_fn``: tfpipe's Trainer."""


class Executor(GenericExecutor):
    """TFX's older Trainer executor (``trainer_fn``); tfpipe's Trainer calls ``run_fn``."""


class ExecutorClassSpec:
    def __init__(self, executor_class: type, extra_flags=None):
        self.executor_class = executor_class
        self.extra_flags = list(extra_flags or [])


def is_default_for(spec, *defaults: type) -> bool:
    """Whether ``spec`` names one of the executors tfpipe's component already runs."""
    return isinstance(spec, ExecutorClassSpec) and spec.executor_class in defaults
