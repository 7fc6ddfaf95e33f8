"""Cache keys: what a node's result depends on, hashed part by part so a miss can be explained.

The key covers the component and its executor, the parameters, the ids of the input
artifacts, the content of files the node reads through parameters (the module file and
the project-local modules it imports; data folders by name, size and mtime), and the
versions of tfpipe and the data libraries.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
from functools import lru_cache
from importlib import metadata as importlib_metadata

from ..compiler.ir import NodeIR
from ..dsl.artifacts import Artifact
from ..errors import InputDataError

LIBRARIES = ("tfpipe", "tensorflow", "tensorflow-data-validation", "tensorflow-transform",
             "tfx-bsl", "apache-beam", "tensorflow-model-analysis", "ml-metadata")
MODULE_PARAMETERS = ("module_file",)


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _file_hash(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def local_imports(module_file: str) -> list[str]:
    """The module file and, recursively, the modules it imports from its own folder."""
    root = os.path.dirname(os.path.abspath(module_file))
    seen: list[str] = []
    todo = [os.path.abspath(module_file)]
    while todo:
        path = todo.pop()
        if path in seen or not os.path.isfile(path):
            continue
        seen.append(path)
        try:
            tree = ast.parse(open(path, encoding="utf-8").read(), path)
        except (SyntaxError, UnicodeDecodeError):
            continue
        for stmt in ast.walk(tree):
            names = ([a.name for a in stmt.names] if isinstance(stmt, ast.Import) else
                     [stmt.module or ""] + [f"{stmt.module}.{a.name}" if stmt.module else a.name
                                            for a in stmt.names]
                     if isinstance(stmt, ast.ImportFrom) else [])
            for name in names:
                rel = name.replace(".", os.sep)
                base = os.path.dirname(path) if isinstance(stmt, ast.ImportFrom) and \
                    stmt.level else root
                for candidate in (os.path.join(base, rel + ".py"),
                                  os.path.join(base, rel, "__init__.py")):
                    if os.path.isfile(candidate):
                        todo.append(candidate)
    return sorted(seen)


def _path_fingerprint(path: str) -> str:
    if os.path.isfile(path):
        return _file_hash(path)
    if os.path.isdir(path):
        listing = []
        for folder, _, files in os.walk(path):
            for name in sorted(files):
                full = os.path.join(folder, name)
                st = os.stat(full)
                listing.append((os.path.relpath(full, path), st.st_size, st.st_mtime_ns))
        return _digest(sorted(listing))
    return "missing"


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
        "component": _digest([node.component, node.executor]),
        "parameters": _digest(node.parameters),
        "inputs": _digest({k: [a.id for a in v] for k, v in sorted(inputs.items())}),
        "library versions": _digest(library_versions()),
    }
    if node.source_file and os.path.isfile(node.source_file):  # a user component's own code
        parts[f"file {os.path.basename(node.source_file)}"] = _file_hash(node.source_file)
    for name in node.content_parameters:
        value = node.parameters.get(name)
        if isinstance(value, str):
            if name in MODULE_PARAMETERS and os.path.isfile(value):
                for path in local_imports(value):
                    parts[f"file {os.path.basename(path)}"] = _file_hash(path)
            else:
                parts[f"content of {name}"] = _path_fingerprint(value)
    return parts


def cache_key(parts: dict[str, str]) -> str:
    return _digest(parts)


def explain_miss(old: dict[str, str] | None, new: dict[str, str]) -> str:
    """Which parts changed since the node's latest successful execution."""
    if not old:
        return "no earlier successful execution"
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "changed: " + ", ".join(changed) if changed else "earlier outputs are gone"
