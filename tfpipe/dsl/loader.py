"""Loading a user's pipeline.py: a ``pipeline`` object or a ``create_pipeline()`` function."""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import os
import sys
import sysconfig
import threading
from typing import Any

from .. import tfx_imports
from . import absl_flags
from ..errors import PipelineLoadError, TfpipeError, user_frame
from .main_call import main_call
from .pipeline import Pipeline


# Nodes run on several threads and may load the same file at once (two nodes of one
# user component): a module is put in sys.modules before its code has run, so without
# this lock one thread could take another's half-executed module.
_LOADING = threading.RLock()

# The folders of users' files put on sys.path: a module imported from one of them is a
# user's module, whose name another user's file of the same name may take over.
USER_FOLDERS: set[str] = set()


@functools.lru_cache(maxsize=1)
def _installed_folders() -> tuple[str, ...]:
    """Where installed modules live: the standard library, site-packages, tfpipe itself."""
    paths = sysconfig.get_paths()
    folders = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    folders.add(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tfpipe/
    return tuple(os.path.join(os.path.realpath(f), "") for f in folders)


def is_user_module(module) -> bool:
    """Whether ``module`` is a user's file (loaded by path, imported from the folder of
    one, or from any folder that is not where installed modules live), not an installed
    module. A namespace package (no file) is not."""
    path = getattr(module, "__file__", None)
    if getattr(module, "__tfpipe_module_file__", None):
        return True
    if not path:
        return False
    path = os.path.abspath(path)
    return os.path.dirname(path) in USER_FOLDERS or \
        not os.path.realpath(path).startswith(_installed_folders())


def load_module_from_file(path: str, name: str | None = None):
    """Import a Python file by path (its folder goes on sys.path for its own imports)."""
    path = os.path.abspath(path)
    name = name or "_tfpipe_user_" + os.path.splitext(os.path.basename(path))[0]
    with _LOADING:
        existing = sys.modules.get(name)
        if existing is not None and getattr(existing, "__file__", None) == path:
            return existing
        folder = os.path.dirname(path)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        USER_FOLDERS.add(folder)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        module.__tfpipe_module_file__ = path  # a user's file: its name may be taken over
        sys.modules[name] = module
        absl_flags.import_absl()
        tfx_imports.forget_examples_elsewhere(folder)
        try:
            with tfx_imports.enabled():  # a TFX pipeline or module file: `import tfx`
                spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        finally:
            absl_flags.stash(module)  # its absl flags out of the process-wide FLAGS
        return module


def import_pipeline_file(path: str):
    try:
        digest = hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:10]
        return load_module_from_file(path, f"_tfpipe_pipeline_{digest}")
    except SyntaxError as exc:
        raise PipelineLoadError(f"{path} has a syntax error: {exc.msg}.",
                                where=f"{exc.filename}:{exc.lineno}",
                                fix="correct the line shown") from exc
    except TfpipeError:
        raise
    except Exception as exc:
        raise PipelineLoadError(f"{path} raised {type(exc).__name__} while loading: {exc}",
                                where=user_frame(exc),
                                fix="fix the error at the line shown") from exc


def _call_factory(factory, path: str, args: dict[str, Any]) -> Any:
    accepted = inspect.signature(factory).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
    unknown = [k for k in args if k not in accepted and not takes_any]
    if unknown:
        raise PipelineLoadError(
            f"{factory.__name__}() in {path} has no argument {unknown[0]!r}.",
            fix=f"use one of: {', '.join(accepted) or '(none)'}")
    try:
        return factory(**args)
    except TfpipeError:
        raise
    except Exception as exc:
        raise PipelineLoadError(f"{factory.__name__}() in {path} raised {type(exc).__name__}: {exc}",
                                where=user_frame(exc), fix="fix the error at the line shown") \
            from exc


def load_pipeline(path: str, args: dict[str, Any] | None = None) -> Pipeline:
    """The Pipeline defined by the file at ``path``; ``args`` go to ``create_pipeline``."""
    if not os.path.isfile(path):
        raise PipelineLoadError(f"no pipeline file at {path}.",
                                fix="give the path of a pipeline.py, e.g. "
                                "tfpipe run pipelines/penguin/pipeline.py")
    module = import_pipeline_file(path)
    args = dict(args or {})
    flags = {k: args.pop(k) for k in list(args) if k in absl_flags.file_flags(module)}
    with _LOADING, absl_flags.parsed(module, path, flags):
        return _build(module, path, args, flags)


def _missing(factory, args: dict) -> bool:
    """Whether ``factory`` has a required argument that ``args`` does not give."""
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
               and p.name not in args for p in inspect.signature(factory).parameters.values())


def _build(module, path: str, args: dict[str, Any], flags: dict[str, Any]) -> Pipeline:
    factory = getattr(module, "create_pipeline", None)
    call = None
    if not callable(factory) or _missing(factory, args):  # TFX's convention
        call = main_call(path, module)
    if call is not None:
        factory, defaults = call
        found = _call_factory(factory, path, {**defaults, **args})
    elif callable(factory):
        found = _call_factory(factory, path, args)
    elif isinstance(getattr(module, "pipeline", None), Pipeline):
        if args:
            raise PipelineLoadError(f"{path} has no create_pipeline() to take arguments.",
                                    fix="define create_pipeline(**args) to accept --param values")
        found = module.pipeline
    else:
        raise PipelineLoadError(f"{path} defines no pipeline.",
                                fix="define a module-level `pipeline = Pipeline(...)` or a "
                                "`create_pipeline()` function returning one (or call a "
                                "function returning one under `if __name__ == '__main__':`)")
    if not isinstance(found, Pipeline):
        raise PipelineLoadError(f"{factory.__name__}() in {path} returned {type(found).__name__}, "
                                "not a Pipeline.", fix="return tfpipe.Pipeline(...)")
    return found
