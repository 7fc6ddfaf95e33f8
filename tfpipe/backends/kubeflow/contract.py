"""What the compiled YAML and the container entrypoint agree on: the command a task runs,
the placeholders it is given, how pipeline parameters reach items of a task's parameters,
and which URIs the KFP launcher mounts as local files."""
from __future__ import annotations

# The command of every task. Compiled pipelines in the wild name this module; it stays.
ENTRYPOINT = ["python", "-m", "tfpipe.runners.kubeflow"]
EXECUTOR_INPUT = "{{$}}"
RUN_ID = "{{$.pipeline_job_uuid}}"
RUNTIME_INPUT_PREFIX = "runtime__"  # task inputs carrying a pipeline parameter into an item
# As the KFP v2 launcher mounts them: gs://bucket/x is /gcs/bucket/x in the container.
MOUNTS = {"gs://": "/gcs/", "s3://": "/s3/", "minio://": "/minio/"}


def is_remote(value: str) -> bool:
    return any(value.startswith(prefix) for prefix in MOUNTS)
