"""Observe TFX's example pipelines under tfpipe: every pipeline file under ``tfx/examples/``
of a TFX source snapshot, compiled (``tfpipe compile --ir``) unchanged, then migrated
(``tfpipe migrate``) and compiled again. Writes what it saw into
tfx_examples_observed.json, the source of the table in docs/from-tfx.md:

    python tests/tfx_compat/observe_tfx_examples.py [SNAPSHOT] [--shared DIR] [-o OUT]

SNAPSHOT is a git checkout of tensorflow/tfx (default: TFX_SNAPSHOT, or the mirror beside
the checkout). Each file gets a scratch HOME laid out as it expects (its example folder
copied to ``~/<name>/``). tfpipe and TensorFlow Model Analysis (which the files import)
are imported once; each compile runs in a forked child, so files that define the same
absl flags do not meet. The runs of the examples in ../shared/tfx_examples are recorded
by their end-to-end tests (observed.py), not here.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
if __name__ == "__main__":  # run as a script: the tests' helpers by their package path
    sys.path.insert(0, str(REPO))

from tests.tfx_compat import observed  # noqa: E402
from tfpipe.migrate import migrate_file  # noqa: E402
from tfpipe.migrate.tfx_to_tfpipe import COMPONENTS  # noqa: E402

SNAPSHOT = Path(os.environ.get("TFX_SNAPSHOT",
                               REPO.parent / ".mirror" / "tensorflow+tfx" / "repo"))
EXAMPLES = "tfx/examples"
HOME_ROOT = re.compile(r"""os\.environ\[['"]HOME['"]\]\s*,\s*['"]([\w.-]+)['"]""")


def commit(snapshot: Path) -> str:
    return subprocess.run(["git", "-C", str(snapshot), "rev-parse", "--short=7", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()


def pipeline_files(snapshot: Path) -> dict[str, str]:
    """path under tfx/examples -> source, for each file that builds a TFX pipeline."""
    names = subprocess.run(["git", "-C", str(snapshot), "ls-tree", "-r", "--name-only", "HEAD",
                            EXAMPLES], capture_output=True, text=True, check=True).stdout.split()
    found = {}
    for name in names:
        base = os.path.basename(name)
        if not base.endswith(".py") or base.endswith("_test.py") or "pipeline" not in base:
            continue
        source = subprocess.run(["git", "-C", str(snapshot), "show", f"HEAD:{name}"],
                                capture_output=True, text=True, check=True).stdout
        if "Pipeline(" in source:
            found[name[len(EXAMPLES) + 1:]] = source
    return found


def components_used(source: str) -> list[str]:
    """The TFX components, among those tfpipe has, that ``source`` names."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add(node.name.rsplit(".", 1)[-1])
    return sorted(names & COMPONENTS)


def extract(snapshot: Path, into: Path) -> Path:
    """tfx/examples of the snapshot, as files under ``into`` (blobs the snapshot does not
    hold, its largest files, are left out)."""
    listing = subprocess.run(["git", "-C", str(snapshot), "ls-tree", "-r", "HEAD", EXAMPLES],
                             capture_output=True, text=True, check=True).stdout.splitlines()
    for line in listing:
        meta, name = line.split("\t", 1)
        blob = subprocess.run(["git", "-C", str(snapshot), "cat-file", "blob", meta.split()[2]],
                              capture_output=True)
        if blob.returncode == 0:
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            (into / name).write_bytes(blob.stdout)
    return into / EXAMPLES


def lay_out(examples: Path, example: str, source: str, home: Path) -> Path:
    """HOME for one pipeline file: its example folder as ``~/<name>/`` (the name its file
    joins to $HOME), the file inside it. Returns the file's path there."""
    folder = (examples / example).parent
    match = HOME_ROOT.search(source)
    root = home / (match.group(1) if match else folder.name)
    shutil.copytree(folder, root, dirs_exist_ok=True)
    return root / os.path.basename(example)


def compile_in_child(path: Path, home: Path, out: Path) -> tuple[int, str]:
    """``tfpipe compile --ir path -o out`` in a forked child with HOME=home and the
    current folder there: (exit code, what it printed)."""
    log = out.with_suffix(".log")
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.environ["HOME"] = str(home)
            os.chdir(home)
            from tfpipe.cli import main

            main(["compile", "--ir", str(path), "-o", str(out)], prog_name="tfpipe")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - reported through the log
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), log.read_text(errors="replace")


def observe_one(examples: Path, example: str, source: str, scratch: Path) -> dict:
    """What tfpipe does with one pipeline file, unchanged and after ``tfpipe migrate``."""
    home = scratch / example.replace("/", "+")
    home.mkdir(parents=True)
    path = lay_out(examples, example, source, home)
    code, output = compile_in_child(path, home, home / "unchanged.json")
    row = {"components": components_used(source),
           "unchanged": "compiles" if code == 0 else "stops: " +
           observed.first_error(output, home)}
    migrated = path.with_name("migrated_" + path.name)  # beside it: the same relative paths
    shutil.copy(path, migrated)
    try:
        result = migrate_file(str(migrated), write=True)
    except Exception as exc:  # noqa: BLE001 - an observation, shown in the table
        row["migrated"] = f"migrate stops: {type(exc).__name__}: {exc}".splitlines()[0]
        row["by_hand"] = []
        return row
    row["by_hand"] = [p.split(":", 1)[1].strip() for p in result.problems]
    code, output = compile_in_child(migrated, home, home / "migrated.json")
    if code != 0:
        row["migrated"] = "stops: " + observed.first_error(output, home)
    elif row["unchanged"] == "compiles":
        same = json.loads((home / "migrated.json").read_text()) == \
            json.loads((home / "unchanged.json").read_text())
        row["migrated"] = "compiles, the same IR" if same else "compiles, a different IR"
    else:
        row["migrated"] = "compiles"
    return row


def observe(snapshot: Path) -> dict:
    """The observations of every pipeline file in the snapshot, as the JSON file holds them
    (without the recorded runs)."""
    import tensorflow_model_analysis  # noqa: F401 - the files import it; once, before forking

    files = pipeline_files(snapshot)
    with tempfile.TemporaryDirectory(prefix="tfx-examples-") as scratch:
        examples = extract(snapshot, Path(scratch))
        rows = {e: observe_one(examples, e, s, Path(scratch) / "homes")
                for e, s in sorted(files.items()) if components_used(s)}
    excluded = sorted(e for e, s in files.items() if not components_used(s))
    return {"snapshot": commit(snapshot), "pipelines": rows, "excluded": excluded}


def observe_shared(shared: Path) -> dict:
    """The same observations of the pipeline files in ``shared`` (../shared/tfx_examples:
    TFX's examples laid out as in tfx/examples), for where no snapshot is at hand."""
    import tensorflow_model_analysis  # noqa: F401

    files = {str(p.relative_to(shared)): p.read_text() for p in sorted(shared.rglob("*.py"))
             if "pipeline" in p.name and "Pipeline(" in p.read_text()}
    with tempfile.TemporaryDirectory(prefix="tfx-examples-") as scratch:
        return {"pipelines": {e: observe_one(shared, e, s, Path(scratch))
                              for e, s in files.items()}}


def merge(previous: dict, fresh: dict) -> dict:
    """``fresh`` observations, keeping the runs the end-to-end tests recorded."""
    for example, row in fresh["pipelines"].items():
        run = previous.get("pipelines", {}).get(example, {}).get("run")
        if run is not None:
            row["run"] = run
    return fresh


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", nargs="?", type=Path, default=SNAPSHOT,
                        help="a git checkout of tensorflow/tfx")
    parser.add_argument("--shared", type=Path, help="observe only the pipeline files in "
                        "this folder (../shared/tfx_examples) instead")
    parser.add_argument("-o", "--output", type=Path, help="write the observations here "
                        "instead of into tfx_examples_observed.json")
    args = parser.parse_args(argv)
    fresh = observe_shared(args.shared) if args.shared else observe(args.snapshot)
    if args.output:
        args.output.write_text(json.dumps(fresh, indent=1, sort_keys=True) + "\n")
        return
    previous = observed.load() if observed.OBSERVED.is_file() else {}
    observed.save(merge(previous, fresh))
    print(f"wrote {observed.OBSERVED}")


if __name__ == "__main__":
    main(sys.argv[1:])
