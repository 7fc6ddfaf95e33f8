"""What Kubeflow Pipelines accepts, checked at compile time: each check raises a
CompileError naming the problem and the fix, before anything reaches a cluster."""
from __future__ import annotations

import math
import re
from typing import Any

from ....errors import CompileError

# KFP's own rule (kfp.dsl.utils.validate_pipeline_name).
PIPELINE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
# The Docker reference grammar (github.com/distribution/reference): [domain/]path[:tag][@digest]
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
IMAGE_REFERENCE = re.compile(
    rf"^(?:{_DOMAIN}/)?{_PATH_PART}(?:/{_PATH_PART})*"
    r"(?::[\w][\w.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$")
MAX_EXACT_INT = 2 ** 53  # KFP carries numbers as doubles (google.protobuf.Value)


def kfp_name(text: str) -> str:
    """A name as KFP's SDK sanitises it: lowercase, runs of other characters as '-'."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")


def kubeflow_name(name: str) -> str:
    """The pipeline's name on Kubeflow: TFX's snake_case names (``chicago_taxi``) become
    ``chicago-taxi``, which Kubeflow accepts; any other invalid name is a CompileError."""
    hyphenated = name.replace("_", "-")
    if PIPELINE_NAME.match(hyphenated):
        return hyphenated
    check_pipeline_name(name)
    return name


def check_pipeline_name(name: str) -> None:
    if not PIPELINE_NAME.match(name):
        suggestion = kfp_name(name)[:128] or "my-pipeline"
        raise CompileError(
            f"the pipeline name {name!r} is not valid for Kubeflow Pipelines: it must be 1-128 "
            "lowercase letters, digits and hyphens, starting with a letter or digit.",
            fix=f"rename it, e.g. Pipeline(name={suggestion!r}, ...)")


def check_image(image: str) -> None:
    problem = None
    if not image or image != image.strip():
        problem = "it is empty or has surrounding spaces"
    elif len(image.split("@")[0].rsplit(":", 1)[0]) > 255:
        problem = "the name is longer than 255 characters"
    elif not IMAGE_REFERENCE.match(image):
        lowered = image.lower()
        problem = ("repository names must be lowercase" if IMAGE_REFERENCE.match(lowered) and
                   lowered != image else "it is not [registry/]repository[:tag][@sha256:digest]")
    if problem:
        raise CompileError(f"the image {image!r} is not a valid container image reference: "
                           f"{problem}.", fix="pass --image like gcr.io/my-project/tfpipe:0.1.0 "
                           "or registry.example.com:5000/team/tfpipe@sha256:<digest>")


def number_problem(value: Any, path: str) -> str | None:
    """Why a JSON value cannot travel exactly as a KFP parameter, or None."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int):
        return (f"{path} is {value}, beyond the ±2**53 that KFP's double-precision numbers "
                "hold exactly") if abs(value) > MAX_EXACT_INT else None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path} is {value}"
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if problem := number_problem(item, f"{path}[{key!r}]"):
            return problem
    return None


def check_parameter(node_id: str, name: str, value: Any) -> None:
    if problem := number_problem(value, name):
        raise CompileError(f"parameter {name!r} cannot be passed to Kubeflow: {problem}.",
                           node=node_id, fix="pass it as a string and convert it in the "
                           "component, or use a smaller number")


def check_task_names(names: dict[str, str]) -> None:
    """Node ids map to KFP task names; two ids must not become the same name."""
    seen: dict[str, str] = {}
    for node_id, task in names.items():
        if not task:
            raise CompileError(f"the node id {node_id!r} has no letters or digits, which "
                               "Kubeflow task names need.", node=node_id,
                               fix="give it an id like .with_id('my-node')")
        if task in seen:
            raise CompileError(f"the node ids {seen[task]!r} and {node_id!r} both become the "
                               f"Kubeflow task name {task!r}.", node=node_id,
                               fix="give one of them a distinct id with .with_id(...)")
        seen[task] = node_id
