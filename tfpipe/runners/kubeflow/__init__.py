"""``python -m tfpipe.runners.kubeflow``: the command every task of a compiled Kubeflow
pipeline runs, kept at this name for the YAML already compiled. The code is in
``tfpipe/backends/kubeflow/entrypoint/``."""
