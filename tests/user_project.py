"""Projects as a new user makes them with ``tfpipe init``, run with ``tfpipe run``.

Runs are shared: each is done once per test session (kept under pytest's base temp
folder) however many test modules ask for it, so the suite trains one model only.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import run_cli

DONE = ".tfpipe-test-run-done"


def check(result, expected: int = 0) -> str:
    """The command's output; fails with all of it if the exit code is not ``expected``."""
    output = result.stdout + result.stderr
    assert result.returncode == expected, f"exit {result.returncode}\n{output}"
    return output


def project(tmp_path_factory, name: str, template: str = "penguin",
            run_args: tuple[str, ...] = ()) -> Path:
    """A project from ``template`` in <basetemp>/<name>, run once with ``run_args``."""
    root = tmp_path_factory.getbasetemp() / name
    if (root / DONE).exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    check(run_cli("init", str(root), "--template", template))
    check(run_cli("run", "pipeline.py", *run_args, cwd=root))
    (root / DONE).write_text("")
    return root


def full_penguin(tmp_path_factory) -> Path:
    """A penguin project run in full: trained, evaluated, blessed and pushed."""
    return project(tmp_path_factory, "full-penguin")


def data_only_penguin(tmp_path_factory) -> Path:
    """A penguin project run up to ExampleValidator (no training): a few seconds."""
    return project(tmp_path_factory, "data-penguin", run_args=("--to-node", "ExampleValidator"))


def pushed_versions(root: Path) -> list[Path]:
    """The version folders of every model pushed under the project (TF Serving layout:
    <serving_model>/<version>/saved_model.pb), oldest first."""
    return sorted((p.parent for p in root.rglob("serving_model/*/saved_model.pb")),
                  key=lambda p: int(p.name))
