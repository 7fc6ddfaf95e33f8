"""Loading a user's module file and finding the function a component calls in it
(``preprocessing_fn`` for Transform, ``run_fn`` for Trainer, ``tuner_fn`` for Tuner), as
TFX does.

The module is imported under its own name (``penguin_utils``) so that Beam worker
processes can import it too: TFT pickles ``preprocessing_fn`` into a Beam step, and
``worker_pythonpath`` puts the module's folder on the workers' ``PYTHONPATH`` (local
multi-process runs; on a cluster the code must be installed on the workers).
"""
from __future__ import annotations

import contextlib
import difflib
import inspect
import os
import sys
from typing import Callable, Iterator

from .. import tfx_imports
from ..dsl.loader import is_user_module, load_module_from_file
from ..errors import TfpipeError, UserCodeError, user_frame
from ..fingerprint import local_imports


# What each component does with the function it calls, for the error when the function
# is declared so that it cannot be called that way.
CONTRACTS = {
    "preprocessing_fn": "Transform calls it with one argument, a dict of feature tensors, "
                        "and takes back a dict of tensors (output feature name -> tensor)",
    "run_fn": "Trainer calls it with one argument, fn_args (train_files, eval_files, "
              "serving_model_dir, ...), and expects the model saved in "
              "fn_args.serving_model_dir",
    "tuner_fn": "Tuner calls it with one argument, fn_args, and takes back "
                "TunerFnResult(tuner=<a KerasTuner tuner>, fit_kwargs=<tuner.search's "
                "arguments>)",
}


def _forget_loaded_copies(module_file: str) -> None:
    """Drop the module file and the modules it imports from its own folder from
    ``sys.modules``, so that a file edited since it was last loaded in this process
    (a notebook running the pipeline again) runs as it is now: the cache key already
    treats it as changed."""
    paths = set(local_imports(module_file))
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path) in paths:
            del sys.modules[name]
            parent, _, leaf = name.rpartition(".")  # `from package import leaf` reads it
            if getattr(sys.modules.get(parent), leaf, None) is module:
                delattr(sys.modules[parent], leaf)


def _module_name(module_file: str) -> str | None:
    """The file's own module name, unless that is not a Python name or is taken by an
    installed module already imported (then the loader picks a private name, which
    worker processes cannot import). A name taken by another user's module file of the
    same name (another pipeline run in this process, or the copy that Dask's
    ``upload_file`` imports into an in-process scheduler) is taken over: workers import
    the module by its name from this file's folder."""
    name = os.path.splitext(os.path.basename(module_file))[0]
    taken = sys.modules.get(name)
    if not name.isidentifier() or \
            (taken is not None and not is_user_module(taken)):
        return None
    return name


@contextlib.contextmanager
def worker_pythonpath(module_file: str) -> Iterator[None]:
    """While the block runs, processes it starts (Beam's multi-process workers) find
    the module file's folder on their PYTHONPATH (and, for a TFX module file, the
    ``tfx`` that tfpipe provides)."""
    before = os.environ.get("PYTHONPATH")
    os.environ["TFPIPE_MODULE_FILE"] = os.path.abspath(module_file)  # shipped to Dask workers
    folders = [os.path.dirname(os.path.abspath(module_file))]
    if tfx_imports.in_use():  # a TFX module file: `import tfx` in the workers too
        folders.append(tfx_imports.WORKER_PATH)
    os.environ["PYTHONPATH"] = os.pathsep.join(folders + ([before] if before else []))
    try:
        yield
    finally:
        os.environ.pop("TFPIPE_MODULE_FILE", None)
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


def load_user_function(module_file: str, function: str, node: str, signature: str) -> Callable:
    """``function`` from the Python file ``module_file``, or a UserCodeError naming the
    node, the file and the fix. ``signature`` is how the function should be declared."""
    if not isinstance(module_file, str) or not os.path.isfile(module_file):
        raise UserCodeError(f"module_file {module_file!r} does not exist.", node=node,
                            fix=f"point module_file at a Python file that defines "
                            f"`def {signature}`")
    _forget_loaded_copies(module_file)
    module = _load(module_file, node)
    fn = getattr(module, function, None)
    if callable(fn):
        _check_signature(fn, function, node, signature)
        return fn
    public = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")]
    close = difflib.get_close_matches(function, public, n=1)
    hint = f" (it has {close[0]!r}: a typo?)" if close else ""
    what = "is not a function" if fn is not None else "is not defined"
    raise UserCodeError(f"{function} {what} in module_file {module_file}{hint}.", node=node,
                        where=module_file,
                        fix=f"define `def {signature}:` at the top level of "
                        f"{os.path.basename(module_file)}")


def _load(module_file: str, node: str):
    """The module file imported, or a UserCodeError at its line if it cannot be."""
    try:
        return load_module_from_file(module_file, _module_name(module_file))
    except SyntaxError as exc:
        raise UserCodeError(f"module_file {module_file} has a syntax error: {exc.msg}.",
                            node=node, where=f"{exc.filename or module_file}:{exc.lineno}",
                            fix="correct the line shown") from exc
    except TfpipeError:  # a TFX name tfpipe has not got, with its own fix
        raise
    except (Exception, SystemExit) as exc:
        raise UserCodeError(f"module_file {module_file} raised {type(exc).__name__} while "
                            f"loading: {exc}", node=node, where=user_frame(exc),
                            fix="fix the error at the line shown; --verbose shows the full "
                            "traceback") from exc


def _check_signature(fn: Callable, function: str, node: str, signature: str) -> None:
    """A UserCodeError at the ``def`` line if ``fn`` cannot be called as ``signature``
    (e.g. ``preprocessing_fn()`` declared without its argument), naming the contract."""
    try:
        declared = inspect.signature(fn)
    except (TypeError, ValueError):  # not introspectable (a builtin): let the call tell
        return
    wanted = [a for a in signature[signature.index("(") + 1:-1].split(",") if a.strip()]
    try:
        declared.bind(*wanted)
    except TypeError:
        contract = CONTRACTS.get(function, f"it is called as {signature}")
        raise UserCodeError(f"{function}{declared} cannot be called as {signature}: "
                            f"{contract}.", node=node, where=def_line(fn),
                            fix=f"declare it as `def {signature}:`") from None


def def_line(fn: Callable) -> str | None:
    """``file:line`` of a function's ``def``, where an error about what it returns points."""
    code = getattr(fn, "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code else None


class ReturnsDict:
    """A user function of one argument that must return a dict (``preprocessing_fn``): any other result is
    a UserCodeError at the function's ``def`` line, saying what it must return. A class,
    not a closure, so that Beam can pickle it for its workers."""

    def __init__(self, fn: Callable, node: str, contract: str):
        self.fn, self.node, self.contract = fn, node, contract
        self.__name__ = getattr(fn, "__name__", "function")

    def __call__(self, inputs):
        result = self.fn(inputs)
        if not isinstance(result, dict):
            raise UserCodeError(f"{self.__name__} returned a {type(result).__name__}, but it "
                                f"must return {self.contract}.", node=self.node,
                                where=def_line(self.fn),
                                fix=f"end {self.__name__} with `return {{'name': tensor, ...}}`")
        return result
