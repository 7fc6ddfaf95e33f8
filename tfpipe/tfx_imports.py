"""``import tfx`` for TFX pipeline and module files, when the real TFX is not installed.

While tfpipe loads a pipeline file or a module file (``enabled()``), a finder in
``sys.meta_path`` answers imports of ``tfx`` and ``tfx.*``: the module paths TFX's
examples use resolve to ``tfpipe.v1`` (``ALIASES``); a name tfpipe does not provide is
a DefinitionError naming it, what tfpipe offers instead, and the line that imported it.
The finder is only installed when no ``tfx`` package can be found (a folder named
``tfx`` without ``__init__.py`` is not one), so it never shadows a real TFX install.

This module imports nothing of tfpipe at import time: the targets are module names,
imported when a TFX name is first used.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
from typing import Iterator

# TFX module -> "tfpipe module" or "tfpipe module:attribute" whose names it holds.
ALIASES = {
    "tfx.v1": "tfpipe.v1",
    "tfx.v1.components": "tfpipe.v1.components",
    "tfx.v1.dsl": "tfpipe.v1.dsl",
    "tfx.v1.dsl.experimental": "tfpipe.v1.dsl:experimental",
    "tfx.v1.dsl.components": "tfpipe.v1.dsl:components",
    "tfx.v1.proto": "tfpipe.v1.proto",
    "tfx.v1.types": "tfpipe.v1.types",
    "tfx.v1.types.standard_artifacts": "tfpipe.v1.standard_artifacts",
    "tfx.v1.orchestration": "tfpipe.v1.orchestration",
    "tfx.v1.orchestration.metadata": "tfpipe.v1.orchestration:metadata",
    "tfx.components": "tfpipe.v1.components",
    "tfx.components.trainer.fn_args_utils": "tfpipe.v1.components",
    "tfx.components.tuner.component": "tfpipe.v1.components",
    "tfx.dsl.components.common.resolver": "tfpipe.v1.legacy",
    "tfx.dsl.experimental.latest_blessed_model_resolver": "tfpipe.v1.legacy",
    "tfx.dsl.experimental.latest_artifacts_resolver": "tfpipe.v1.legacy",
    "tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy": "tfpipe.v1.legacy",
    "tfx.dsl.input_resolution.strategies.latest_artifact_strategy": "tfpipe.v1.legacy",
    "tfx.dsl.experimental.conditionals.conditional": "tfpipe.v1.dsl",
    "tfx.dsl.component.experimental.decorators": "tfpipe.v1.dsl:components",
    "tfx.dsl.component.experimental.annotations": "tfpipe.v1.dsl:components",
    "tfx.orchestration.pipeline": "tfpipe.v1.orchestration",
    "tfx.orchestration.metadata": "tfpipe.v1.orchestration:metadata",
    "tfx.orchestration.beam.beam_dag_runner": "tfpipe.v1.legacy",
    "tfx.orchestration.local.local_dag_runner": "tfpipe.v1.legacy",
    "tfx.proto.trainer_pb2": "tfpipe.v1.proto",
    "tfx.proto.pusher_pb2": "tfpipe.v1.proto",
    "tfx.proto.example_gen_pb2": "tfpipe.v1.proto",
    "tfx.proto.range_config_pb2": "tfpipe.v1.proto",
    "tfx.proto.tuner_pb2": "tfpipe.v1.proto",
    "tfx.proto.infra_validator_pb2": "tfpipe.v1.proto",
    "tfx.types": "tfpipe.v1.types",
    "tfx.types.standard_artifacts": "tfpipe.v1.standard_artifacts",
    "tfx.types.artifact": "tfpipe.v1.types",
    "tfx.types.channel": "tfpipe.v1.types",
    "tfx.types.artifact_utils": "tfpipe.v1.artifact_utils",
    "tfx.utils.proto_utils": "tfpipe.v1.proto_utils",
    "tfx.utils.io_utils": "tfpipe.v1.io_utils",
    "tfx.utils.path_utils": "tfpipe.v1.path_utils",
    "tfx.dsl.io.fileio": "tfpipe.v1.fileio",
    "tfx.v1.dsl.io.fileio": "tfpipe.v1.fileio",
    "tfx.dsl.components.base.executor_spec": "tfpipe.v1.executor_spec",
    "tfx.components.trainer.executor": "tfpipe.v1.executor_spec",
    "tfx.proto.evaluator_pb2": "tfpipe.v1.proto",
    "tfx.proto.bulk_inferrer_pb2": "tfpipe.v1.proto",
    "tfx.proto.transform_pb2": "tfpipe.v1.proto",
    # TFX's older paths of each component: tfx.components.<folder>.component
    **{f"tfx.components.{folder}.component": "tfpipe.v1.components" for folder in (
        "bulk_inferrer", "evaluator", "example_gen.csv_example_gen",
        "example_gen.import_example_gen", "example_validator", "infra_validator", "pusher",
        "schema_gen", "schema_gen.import_schema_gen", "statistics_gen", "trainer",
        "transform", "tuner")},
}
# What ``tfx.__version__`` says: the TFX release whose API tfpipe's tfx.v1 follows.
TFX_VERSION = "1.16.0"
# Every package on the way to an alias ("tfx", "tfx.dsl", "tfx.dsl.components", ...).
PACKAGES = {name.rsplit(".", i)[0] for name in ALIASES for i in range(name.count(".") + 1)}
GUIDE = "docs/from-tfx.md"
_EXPORT = ("read an export of the data instead: CsvExampleGen over CSV files exported "
           "from BigQuery, or ImportExampleGen over TFRecords of tf.Examples")
# What to use instead of a TFX module tfpipe does not map, by the area of TFX it is in:
# the longest prefix of its name decides (every top-level package of TFX has one).
AREAS = {
    "tfx.benchmarks": "time tfpipe with its own benchmarks (bench/ in tfpipe's repository)",
    "tfx.components": "use the components of tfx.v1.components (tfpipe's, with TFX's "
                      "arguments), or write your own with @tfx.v1.dsl.components.component",
    "tfx.components.example_gen": "use CsvExampleGen or ImportExampleGen of tfx.v1.components",
    "tfx.dependencies": "install tfpipe (pip install tfpipe) instead of TFX's dependency sets",
    "tfx.dsl": "use tfx.v1.dsl: Resolver, Cond, Channel, and @tfx.v1.dsl.components.component "
               "for your own component",
    "tfx.experimental": "TFX's experimental APIs are not offered: use tfx.v1",
    "tfx.extensions": _EXPORT,
    "tfx.orchestration": "run the pipeline with `tfpipe run pipeline.py`; for a cluster, "
                         "`tfpipe compile pipeline.py` writes Kubeflow Pipelines YAML",
    "tfx.orchestration.airflow": "run `tfpipe run pipeline.py` from an Airflow BashOperator",
    "tfx.orchestration.kubeflow": "compile with `tfpipe compile pipeline.py` and submit the "
                                  "YAML to Kubeflow Pipelines",
    "tfx.proto": "use the protos of tfx.v1.proto",
    "tfx.scripts": "use tfpipe's commands (`tfpipe --help`)",
    "tfx.tools": "use tfpipe's commands (`tfpipe --help`): run, compile, runs, lineage, ui",
    "tfx.types": "use tfx.v1.types and tfx.v1.types.standard_artifacts",
    "tfx.utils": "use the Python standard library or tf.io.gfile directly",
    "tfx.v1": "use what tfx.v1 offers (tfpipe's TFX API)",
    "tfx.version": "read tfx.__version__",
}
# TFX's examples' own files, imported by module files as tfx.examples.<x>.<file>.
EXAMPLES = "tfx.examples"
# What to use instead of TFX names whose whole kind tfpipe has not got (a part of the name).
INSTEAD = {"extensions": _EXPORT, "BigQuery": _EXPORT}


def instead_of(name: str, module: bool = True) -> str | None:
    """What to do instead of TFX's ``name`` (a module, or else one of a module's names),
    or None."""
    part = next((text for part, text in INSTEAD.items() if part in name), None)
    if part or not module:
        return part
    areas = [a for a in AREAS if name == a or name.startswith(a + ".")]
    return AREAS[max(areas, key=len)] if areas else None

_active = 0
_lock = threading.Lock()
_finder: "_TfxFinder | None" = None


def real_tfx_installed() -> bool:
    """Whether a ``tfx`` package other than this compatibility layer can be imported. A
    folder named ``tfx`` without ``__init__.py`` (TFX's own ``~/tfx`` output folder, in
    the current directory) is not one, though Python would import it as a namespace."""
    module = sys.modules.get("tfx")
    if module is not None:
        return not isinstance(module, _AliasModule) and getattr(module, "__file__", None) \
            is not None
    spec = importlib.machinery.PathFinder.find_spec("tfx")
    return spec is not None and spec.origin not in (None, "namespace")


def _user_frame():
    """The innermost frame outside importlib and tfpipe (the import), or None."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not frame.f_code.co_filename.startswith("<frozen") and \
                not name.startswith(("tfpipe.", "importlib")):
            return frame
        frame = frame.f_back
    return None


def _user_line() -> str | None:
    """file:line of the innermost frame outside importlib and tfpipe (the import)."""
    frame = _user_frame()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else None


def not_supported(name: str, offered: list[str]):
    """The error for a TFX name tfpipe does not provide (a DefinitionError, so that
    ``hasattr`` and ``from x import y`` let it through as it is)."""
    from .errors import DefinitionError

    fix = (f"tfpipe offers here: {', '.join(offered)}" if offered else
           "tfpipe provides tfx.v1.components, .dsl, .proto, .types and .orchestration")
    instead = instead_of(name.removeprefix("module "), module=name.startswith("module "))
    fix = f"{instead}; {fix}" if instead else fix
    return DefinitionError(f"TFX's {name} is not supported by tfpipe.", where=_user_line(),
                           fix=f"{fix}; see {GUIDE}")


def _public_names(source) -> list[str]:
    """What a tfpipe.v1 module or namespace offers under TFX's names."""
    if source is None:
        return []
    names = getattr(source, "__all__", None) or [n for n in vars(source) if n[:1].isupper()]
    return sorted(n for n in names if not n.startswith("_"))


class _AliasModule(types.ModuleType):
    """A ``tfx...`` module whose names come from a tfpipe module (or none: a package)."""

    def __init__(self, name: str, target: str | None):
        super().__init__(name)
        self.__path__ = []  # a package, so that its submodules can be imported
        self.__tfpipe_target__ = target

    def _source(self):
        target = self.__dict__["__tfpipe_target__"]
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        source = importlib.import_module(module)
        return getattr(source, attribute) if attribute else source

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        child = f"{self.__name__}.{attr}"
        if child in PACKAGES:  # reachable as an attribute even after loading is over
            if child not in sys.modules:
                sys.modules[child] = alias_module(child)
            setattr(self, attr, sys.modules[child])
            return sys.modules[child]
        source = self._source()
        if source is not None and not attr.startswith("_") and hasattr(source, attr):
            return getattr(source, attr)
        raise not_supported(child, sorted(set(_public_names(source)) | {
            p.rsplit(".", 1)[1] for p in PACKAGES if p.rsplit(".", 1)[0] == self.__name__}))

    def __dir__(self):
        source = self._source()
        return sorted(set(super().__dir__()) | set(dir(source) if source else ()))


class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        if spec.name == EXAMPLES:
            return _AliasModule(spec.name, None)
        if spec.name not in PACKAGES:
            parent = spec.name.rsplit(".", 1)[0]
            raise not_supported(f"module {spec.name}", sorted(
                p for p in PACKAGES if "." in p and p.rsplit(".", 1)[0] == parent))
        return alias_module(spec.name)

    def exec_module(self, module):
        pass


class _FolderPackage(importlib.abc.Loader):
    """``tfx.examples.<x>``: a package whose modules are the files in its folders."""

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        pass


def _example_folders() -> list[str]:
    """Where ``tfx.examples.<x>`` modules are looked for: beside the file importing
    them, then beside the module file a Beam worker was started for (an import by a
    pickled reference comes from no user's file)."""
    folders = []
    frame = _user_frame()
    if frame is not None and os.path.isabs(frame.f_code.co_filename):
        folders.append(os.path.dirname(frame.f_code.co_filename))
    module_file = os.environ.get("TFPIPE_MODULE_FILE")
    if module_file and os.path.dirname(module_file) not in folders:
        folders.append(os.path.dirname(module_file))
    return folders


def _example_spec(fullname: str):
    """TFX's examples import their own files by TFX package path (``from
    tfx.examples.penguin import penguin_utils_base``): the file beside the importer."""
    parent, _, leaf = fullname.rpartition(".")
    if parent == EXAMPLES:
        spec = importlib.machinery.ModuleSpec(fullname, _FolderPackage(), is_package=True)
        spec.submodule_search_locations = _example_folders()
        return spec
    folders = list(getattr(sys.modules.get(parent), "__path__", None) or [])
    spec = importlib.machinery.PathFinder.find_spec(fullname, folders)
    if spec is None:
        from .errors import DefinitionError

        looked = " or ".join(os.path.join(f, leaf + ".py") for f in folders) or "nowhere"
        raise DefinitionError(
            f"{fullname} names a file beside the file importing it (as in TFX's "
            f"examples), but there is no {looked}.", where=_user_line(),
            fix=f"put {leaf}.py beside the file that imports it, or import it by its own "
            f"name (`import {leaf}`)")
    return spec


class _TfxFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if _active <= 0 or not (fullname == "tfx" or fullname.startswith("tfx.")):
            return None
        if fullname.startswith(EXAMPLES + "."):
            return _example_spec(fullname)
        return importlib.machinery.ModuleSpec(fullname, _Loader(), is_package=True)


def forget_examples_elsewhere(folder: str) -> None:
    """Drop the ``tfx.examples.<x>`` packages (and their modules) imported from another
    folder than ``folder`` (another pipeline's files of the same TFX path), before a
    file there is loaded."""
    stale = [name for name, module in list(sys.modules.items())
             if name.count(".") == 2 and name.startswith(EXAMPLES + ".")
             and (getattr(module, "__path__", None) or [None])[0] != folder]
    for name in list(sys.modules):
        if any(name == s or name.startswith(s + ".") for s in stale):
            del sys.modules[name]


def _install(check: bool = True) -> None:
    global _finder
    if _finder is None and not (check and real_tfx_installed()):
        _finder = _TfxFinder()
        sys.meta_path.insert(0, _finder)  # before a `tfx` folder taken for a namespace


@contextlib.contextmanager
def enabled() -> Iterator[None]:
    """While the block runs, ``import tfx...`` resolves to tfpipe's TFX API (unless the
    real TFX is installed)."""
    global _active
    with _lock:
        _install()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1


def in_use() -> bool:
    """Whether a file loaded in this process imported ``tfx`` from tfpipe."""
    return isinstance(sys.modules.get("tfx"), _AliasModule)


def alias_module(name: str) -> types.ModuleType:
    module = _AliasModule(name, ALIASES.get(name))
    if name in ("tfx", "tfx.v1"):  # TFX's tfx.v1 re-exports tfx.__version__
        module.__version__ = TFX_VERSION
    return module


def serve_this_process() -> None:
    """Answer ``import tfx...`` for the rest of this process (a Beam worker whose
    parent found no real TFX)."""
    global _active
    with _lock:
        _install(check=False)
        _active += 1


# A folder holding a ``tfx`` package that calls serve_this_process(): worker processes
# get it on their PYTHONPATH when the module file they import uses tfx (in_use()).
WORKER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_tfx_shim")


