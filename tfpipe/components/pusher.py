"""Pusher: copy a blessed model to ``<push_destination>/<version>/``, TF Serving's layout.

The version is an integer (the push time in seconds, or one more than the newest
version already there, so versions always increase). The copy is atomic: it goes to
a hidden temporary folder inside the destination, then ``os.rename`` moves it into
place, so TensorFlow Serving (or any reader) never sees a half-copied version; the
hidden folder of a push killed mid-copy is removed by the next push.

A model that is not blessed (by the Evaluator's ``model_blessing``, and by the
InfraValidator's ``infra_blessing`` when one is wired) is not pushed and nothing in the
destination changes;
nor is a blessed model identical to the newest version already there (the same model
blessed again, e.g. against itself as the baseline): versions are distinct models.
``pushed_model`` records custom properties ``pushed`` (1/0), ``pushed_destination``
(the version folder, as in TFX) and ``pushed_version``, and holds ``push.json``
describing what happened.
"""
from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
import socket
import time
import uuid

from ..dsl import (ExecutionContext, InfraBlessing, Input, Model, ModelBlessing, Output,
                   Parameter, PushedModel, component)
from ..errors import ExecutionError, InputDataError
from ..artifacts.model import serving_model_path

RECORD_FILE = "push.json"
STAGING_PREFIX = ".tfpipe-push-"
_MAX_ATTEMPTS = 100


def existing_versions(destination: str) -> list[int]:
    """The version folders already in ``destination`` (names made of digits)."""
    if not os.path.isdir(destination):
        return []
    return sorted(int(e.name) for e in os.scandir(destination)
                  if e.is_dir() and e.name.isdigit())


def _staging_folder(destination: str) -> str:
    """Where a push copies to first: hidden, named by the host and process pushing."""
    return os.path.join(destination, f"{STAGING_PREFIX}{socket.gethostname()}-{os.getpid()}-"
                                     f"{uuid.uuid4().hex[:12]}")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:  # no /proc (macOS), or it ended just now
        return os.path.exists(f"/proc/{pid}") or not os.path.isdir("/proc")


def remove_stale_staging(destination: str) -> list[str]:
    """Remove the staging folders of pushes whose process died mid-copy (killed, or the
    machine went down): those of this host whose process is gone. Returns their paths."""
    host, removed = socket.gethostname(), []
    for entry in os.scandir(destination):
        m = re.fullmatch(rf"{re.escape(STAGING_PREFIX)}(.+)-(\d+)-[0-9a-f]+", entry.name)
        if m and m.group(1) == host and not _alive(int(m.group(2))):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


def push_atomically(source: str, destination: str) -> int:
    """Copy the folder ``source`` to ``destination/<version>`` atomically; the version.
    Staging folders left by pushes that died are removed first."""
    os.makedirs(destination, exist_ok=True)
    remove_stale_staging(destination)
    staging = _staging_folder(destination)
    try:
        shutil.copytree(source, staging)
        versions = existing_versions(destination)
        version = max(int(time.time()), versions[-1] + 1 if versions else 0)
        for _ in range(_MAX_ATTEMPTS):
            try:  # rename fails if a concurrent push took this version: take the next one
                os.rename(staging, os.path.join(destination, str(version)))
                return version
            except OSError:
                if not os.path.exists(os.path.join(destination, str(version))):
                    raise
                version += 1
        raise OSError(f"{_MAX_ATTEMPTS} concurrent pushes took every version number up to "
                      f"{version} in {destination}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def same_tree(left: str, right: str) -> bool:
    """True if two folders hold the same files with the same bytes."""
    cmp = filecmp.dircmp(left, right)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(
        same_tree(os.path.join(left, d), os.path.join(right, d)) for d in cmp.common_dirs)


def push_unless_newest(source: str, destination: str) -> dict:
    """Push ``source`` as a new version unless the newest version holds the same files
    (the same model blessed again, e.g. against itself as the baseline)."""
    versions = existing_versions(destination)
    if versions:
        newest = os.path.join(destination, str(versions[-1]))
        if same_tree(source, newest):
            return {"pushed": False, "version": versions[-1], "path": newest,
                    "reason": f"this model is already the newest version ({newest}); "
                              "nothing pushed"}
    version = push_atomically(source, destination)
    return {"pushed": True, "version": version, "path": os.path.join(destination, str(version))}


def _check_destination(destination: str, node: str) -> str:
    if not isinstance(destination, str) or not destination:
        raise ExecutionError("push_destination must be a folder path, got "
                             f"{destination!r}.", node=node,
                             fix="e.g. push_destination='serving_model/penguin'")
    path = os.path.abspath(destination)
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputDataError(f"push_destination {path} is an existing file, not a folder.",
                             node=node, fix="point push_destination at a folder (it is created "
                             "if missing), or move the file away")
    return path


_BLESSINGS = {"model_blessing": ("Evaluator", "evaluator", "blessed"),
              "infra_blessing": ("InfraValidator", "infra_validator", "infra-blessed")}


def _refusal(model: Model, blessing, name: str, node: str | None) -> str | None:
    """Why ``blessing`` does not let ``model`` be pushed (None if it does); an error if it
    blesses another model."""
    producer, variable, what = _BLESSINGS[name]
    blessed_id = blessing.custom_properties.get("current_model_id")
    if blessed_id is not None and blessed_id != model.id:
        raise InputDataError(f"{name} {blessing.id} blesses model {blessed_id}, not the model "
                             f"given to push ({model.id}, {model.uri}).", node=node,
                             fix=f"pass the model and the {producer}'s blessing of that same "
                             f"model: Pusher(model=trainer.outputs['model'], {name}="
                             f"{variable}.outputs['blessing'])")
    if blessing.blessed:
        return None
    return f"model not {what}; nothing pushed. {blessing.custom_properties.get('reason', '')}"


@component
def Pusher(model: Input[Model], model_blessing: Input[ModelBlessing],
           pushed_model: Output[PushedModel], push_destination: Parameter[str],
           infra_blessing: Input[InfraBlessing] = None, context: ExecutionContext = None):
    """Push ``model`` to ``push_destination/<version>/`` if ``model_blessing`` blessed it
    (and ``infra_blessing``, when given, infra-blessed it); otherwise record that nothing
    was pushed."""
    node = context.node_id if context else None
    destination = _check_destination(push_destination, node)
    record = {"model": model.uri, "model_id": model.id, "destination": destination,
              "blessing_id": model_blessing.id}
    refusals = [_refusal(model, model_blessing, "model_blessing", node)]
    if infra_blessing is not None:
        record["infra_blessing_id"] = infra_blessing.id
        refusals.append(_refusal(model, infra_blessing, "infra_blessing", node))
    refusal = next((r for r in refusals if r), None)
    if refusal:
        record.update(pushed=False, reason=refusal.strip())
    else:
        record.update(push_unless_newest(serving_model_path(model, node), destination))
    pushed_model.custom_properties["pushed"] = int(record["pushed"])
    if "version" in record:
        pushed_model.custom_properties.update(pushed_destination=record["path"],
                                              pushed_version=record["version"])
    if "reason" in record:
        pushed_model.custom_properties["reason"] = record["reason"]
    with open(os.path.join(pushed_model.uri, RECORD_FILE), "w") as f:
        json.dump(record, f, indent=2, sort_keys=True)
