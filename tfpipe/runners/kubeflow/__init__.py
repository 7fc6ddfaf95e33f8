"""Kubeflow Pipelines v2: the IR compiled to PipelineSpec YAML, and the container
entrypoint (``python -m tfpipe.runners.kubeflow``) that runs one node in a task.

Compiling imports neither TensorFlow, Beam nor the ``kfp`` SDK (plain dicts and
PyYAML); the entrypoint imports what the node's executor needs when it runs.
See docs/kubeflow.md.
"""
