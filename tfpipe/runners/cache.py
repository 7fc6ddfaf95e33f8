"""Cache keys: what a node's result depends on, hashed part by part so a miss can be explained.

The key covers the component and its executor, the parameters, the ids of the input
artifacts, the content of files the node reads through parameters (the module file and
the project-local modules it imports; data folders by name, size and mtime), and the
versions of tfpipe and the data libraries.
"""
from __future__ import annotations

import os
from functools import lru_cache
from importlib import metadata as importlib_metadata

from ..compiler.ir import NodeIR
from ..artifacts import Artifact
from ..errors import InputDataError
from ..fingerprint import digest, file_hash, local_imports, path_fingerprint
from ..metadata.runs import explain_miss  # noqa: F401 - the launcher says why a node ran

LIBRARIES = ("tfpipe", "tensorflow", "tensorflow-data-validation", "tensorflow-transform",
             "tfx-bsl", "apache-beam", "tensorflow-model-analysis", "ml-metadata")
MODULE_PARAMETERS = ("module_file",)


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def key_parts(node: NodeIR, inputs: dict[str, list[Artifact]]) -> dict[str, str]:
    """One short hash per part of the cache key, by part name. A file that cannot be
    read (a symlink loop, a broken link, no permission) is an InputDataError naming it."""
    try:
        return _key_parts(node, inputs)
    except OSError as exc:
        where = exc.filename or "a file"
        raise InputDataError(f"cannot read {where}: {exc.strerror or exc}.", node=node.id,
                             fix="remove or repair that file or link (a symbolic link "
                             "loop or a link to nothing), or give it read permission"
                             ) from exc


def _key_parts(node: NodeIR, inputs: dict[str, list[Artifact]]) -> dict[str, str]:
    parts = {
        "component": digest([node.component, node.executor]),
        "parameters": digest(node.parameters),
        "inputs": digest({k: [a.id for a in v] for k, v in sorted(inputs.items())}),
        "library versions": digest(library_versions()),
    }
    if node.source_file and os.path.isfile(node.source_file):  # a user component's own code
        parts[f"file {os.path.basename(node.source_file)}"] = file_hash(node.source_file)
    for name in node.content_parameters:
        value = node.parameters.get(name)
        if isinstance(value, str):
            if name in MODULE_PARAMETERS and os.path.isfile(value):
                for path in local_imports(value):
                    parts[f"file {os.path.basename(path)}"] = file_hash(path)
            else:
                parts[f"content of {name}"] = path_fingerprint(value)
    return parts


def cache_key(parts: dict[str, str]) -> str:
    return digest(parts)


