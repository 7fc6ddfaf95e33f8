"""Imports only go down the layers (the contracts in pyproject.toml's
[tool.importlinter]): cli -> ui/views/report -> client -> runners/backends -> components
-> io/beam/serving/usercode -> metadata -> compiler -> dsl -> artifacts -> errors; no
component imports another; metadata, dsl and compiler never import runners, backends,
components or cli; Kubeflow's compiler and entrypoint are independent; the leaf modules
import nothing of tfpipe. ``tfpipe/components/`` holds components only, and the layout the
docs name exists."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

LINT_IMPORTS = shutil.which("lint-imports") or "lint-imports"


def _lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=folder, capture_output=True,
                          text=True, timeout=300)


def test_the_import_contracts_are_kept():
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    declared = (REPO / "pyproject.toml").read_text().count("[[tool.importlinter.contracts]]")
    assert f"Contracts: {declared} kept, 0 broken." in result.stdout


def _lint_with(tmp_path: Path, module: str, line: str) -> str:
    """lint-imports' output (its lines unwrapped) on a copy of tfpipe where ``module``
    (a path under tfpipe/) ends with ``line``; it must fail."""
    shutil.copytree(REPO / "tfpipe", tmp_path / "tfpipe",
                    ignore=shutil.ignore_patterns("__pycache__", "templates"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    edited = tmp_path / "tfpipe" / module
    edited.write_text(edited.read_text() + f"\n{line}  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    return " ".join(result.stdout.split())


def test_an_upward_import_breaks_a_contract(tmp_path):
    """The check can fail: metadata importing the runners' cache is caught."""
    output = _lint_with(tmp_path, "metadata/lineage.py", "from ..runners import cache")
    assert "Metadata, dsl and compiler never import runners, backends, components or cli " \
        "BROKEN" in output
    assert "tfpipe.metadata.lineage -> tfpipe.runners.cache" in output


def test_a_component_importing_another_breaks_the_independence_contract(tmp_path):
    """The rule issue 13 set and later work broke: the Pusher importing the Trainer's
    module is caught, by the contract's name."""
    output = _lint_with(tmp_path, "components/pusher.py", "from . import trainer")
    assert "Components are independent: no component module imports another BROKEN" in output
    assert "tfpipe.components.pusher -> tfpipe.components.trainer" in output


def test_a_data_plane_module_importing_a_component_breaks_the_layers(tmp_path):
    output = _lint_with(tmp_path, "io/shards.py", "from ..components import trainer")
    assert "tfpipe.io is not allowed to import tfpipe.components" in output


def test_the_components_folder_holds_components_only():
    """Each module (or package) in tfpipe/components/ defines a component that
    tfpipe.components exports; helpers live in the layers below."""
    import tfpipe.components as components

    folder = REPO / "tfpipe" / "components"
    held = {path.stem for path in folder.iterdir()
            if path.name != "__init__.py" and path.name != "__pycache__"
            and (path.suffix == ".py" or (path / "__init__.py").exists())}
    others = [path.name for path in folder.iterdir()
              if path.name not in {"__init__.py", "__pycache__"} and path.stem not in held]
    assert not others, f"not modules or packages: {others}"
    defining = set()
    for name in components.__all__:
        exported = getattr(components, name)  # a Component, or a function making a node
        module = (exported.spec.executor.split(":")[0] if hasattr(exported, "spec")
                  else exported.__module__)
        defining.add(module.split(".")[2])
    assert held == defining, f"not components: {sorted(held - defining)}"


def test_the_old_public_import_paths_still_import():
    """``tfpipe.components.serving`` (the pipelines' module files, before issue 27) and
    ``tfpipe.components.fn_args`` (docs) are the moved modules, in a fresh process."""
    code = ("import tfpipe.serving.signatures as signatures, tfpipe.usercode.fn_args as fn_args\n"
            "from tfpipe.components.serving import export_serving_model, warm_start\n"
            "from tfpipe.components.fn_args import DataAccessor, FnArgs, TunerFnResult\n"
            "import tfpipe.components.serving, tfpipe.components.fn_args\n"
            "assert tfpipe.components.serving is signatures, tfpipe.components.serving\n"
            "assert tfpipe.components.fn_args is fn_args\n"
            "assert warm_start is signatures.warm_start and FnArgs is fn_args.FnArgs\n"
            "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stdout == "ok\n", result.stderr


def _exists(path: str) -> bool:
    """A path the docs name, from the repository or from tfpipe/."""
    return (REPO / path).exists() or (REPO / "tfpipe" / path).exists()


def test_every_path_docs_architecture_names_exists():
    text = (REPO / "docs" / "architecture.md").read_text()
    named = {token for token in re.findall(r"`([^`\s]+)`", text)
             if "/" in token and re.fullmatch(r"[a-z_][\w./-]*", token)}
    assert len(named) > 20, named
    missing = sorted(path for path in named if not _exists(path))
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_path_in_the_readme_layout_exists():
    text = (REPO / "README.md").read_text()
    block = text.split("## Layout\n", 1)[1].split("```\n", 2)[1]
    named = [path.strip() for line in block.splitlines() if line and not line[0].isspace()
             for path in re.split(r"\s{2,}", line)[0].split(",")]
    assert "tfpipe/io/" in named and len(named) > 15, named
    missing = [path for path in named if not _exists(path)]
    assert not missing, f"the README's layout names paths that do not exist: {missing}"
