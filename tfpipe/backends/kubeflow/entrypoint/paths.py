"""Paths in the container: the URIs KFP gives (``gs://bucket/x``) become the local paths
of the mounts the KFP v2 launcher uses (``/gcs/bucket/x``), so executors read and write
plain files."""
from __future__ import annotations

import os

from ....errors import ExecutionError
from ..contract import MOUNTS

MOUNT_ROOT_ENV = "TFPIPE_KFP_MOUNT_ROOT"  # a folder holding gcs/, s3/, minio/ (tests, fuse)


def local_path(uri: str) -> str:
    """The local path through which the container reads and writes ``uri``."""
    for prefix, mount in MOUNTS.items():
        if uri.startswith(prefix):
            root = os.environ.get(MOUNT_ROOT_ENV, "").rstrip("/")
            return root + mount + uri[len(prefix):]
    if uri.startswith("file://"):
        return uri[len("file://"):]
    if "://" in uri:
        raise ExecutionError(f"cannot access {uri}: tfpipe maps only "
                             f"{', '.join(MOUNTS)} URIs to local paths.",
                             fix="use a pipeline root on GCS, S3 or MinIO (as KFP does by "
                             "default), or a local path in the container")
    return uri
