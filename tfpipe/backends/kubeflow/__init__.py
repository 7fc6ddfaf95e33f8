"""Kubeflow Pipelines v2, split as KFP splits its SDK: ``compile/`` turns the IR into
PipelineSpec YAML on the user's machine (it imports neither TensorFlow, Beam nor the
``kfp`` SDK: plain dicts and PyYAML); ``entrypoint/`` is the program every task runs in
the container (``python -m tfpipe.runners.kubeflow``, the command compiled YAML names)
and imports what the node's executor needs. ``contract.py`` is what both halves agree
on. See docs/kubeflow.md.
"""
