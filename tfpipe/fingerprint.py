"""Fingerprints of files and folders: what the cache key and lineage compare.

A leaf module (the standard library only), shared by the runners' cache, the module-file
loader and MLMD lineage.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def file_hash(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def local_imports(module_file: str) -> list[str]:
    """The module file and, recursively, the modules it imports from its own folder
    (also as ``tfx.examples.<x>.<module>``, TFX's examples' way)."""
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
                parts = name.split(".")
                if parts[:2] == ["tfx", "examples"] and len(parts) > 3:  # beside it
                    rel, base = os.path.join(*parts[3:]), os.path.dirname(path)
                for candidate in (os.path.join(base, rel + ".py"),
                                  os.path.join(base, rel, "__init__.py")):
                    if os.path.isfile(candidate):
                        todo.append(candidate)
    return sorted(seen)


def path_fingerprint(path: str) -> str:
    if os.path.isfile(path):
        return file_hash(path)
    if os.path.isdir(path):
        listing = []
        for folder, _, files in os.walk(path):
            for name in sorted(files):
                full = os.path.join(folder, name)
                st = os.stat(full)
                listing.append((os.path.relpath(full, path), st.st_size, st.st_mtime_ns))
        return digest(sorted(listing))
    return "missing"
