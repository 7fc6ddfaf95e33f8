"""The absl flags a user's file defines (``flags.DEFINE_enum(...)``, TFX's examples).

absl's ``FLAGS`` is one registry for the whole process, so a file's flags are taken out
of it once the file has run (``stash``): another file defining a flag of the same name,
or this one loaded again, does not get a DuplicateFlagError. While tfpipe builds the
pipeline (``parsed``), the flags are put back, set to their defaults and then to the
``-p name=value`` given for them, and ``sys.argv`` is the file's name alone, as if
``python pipeline.py`` had been run.
"""
from __future__ import annotations

import contextlib
import importlib.util
import sys
from typing import Any, Iterator

from ..errors import PipelineLoadError

_STASH = "__tfpipe_flags__"


def import_absl() -> None:
    """Make ``absl.logging``, ``absl.flags`` and ``absl.app`` attributes of ``absl``,
    so that a file doing only ``import absl`` can use them, as it can under TFX."""
    if "absl.app" not in sys.modules and importlib.util.find_spec("absl") is not None:
        import absl.app  # noqa: F401  (imports absl.flags and absl.logging)


def stash(module) -> None:
    """Take the flags ``module`` defined out of absl's FLAGS and keep them on it."""
    if "absl.flags" not in sys.modules or _STASH in vars(module):
        return
    from absl import flags

    by_module = flags.FLAGS.flags_by_module_dict().get(module.__name__, [])
    kept = {f.name: f for f in by_module}
    for name, flag in kept.items():
        if flags.FLAGS._flags().get(name) is flag:
            delattr(flags.FLAGS, name)
    setattr(module, _STASH, kept)


def file_flags(module) -> dict:
    """The flags the file defined: name -> absl Flag."""
    return vars(module).get(_STASH, {})


def _argument(flag, value: Any) -> str:
    if isinstance(value, bool):
        return f"--{flag.name}" if value else f"--no{flag.name}"
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    return f"--{flag.name}={value}"


def _bad_value(flag, value: Any, path: str, exc: Exception) -> PipelineLoadError:
    allowed = getattr(flag.parser, "enum_values", None)
    fix = (f"use one of: {', '.join(map(str, allowed))}" if allowed else
           f"give a value the flag takes ({flag.help})")
    cause = "" if allowed else f" ({exc})"
    return PipelineLoadError(f"-p {flag.name}={value} is not a value of the absl flag "
                             f"--{flag.name} that {path} defines{cause}.", fix=fix)


@contextlib.contextmanager
def parsed(module, path: str, values: dict[str, Any]) -> Iterator[None]:
    """While the block runs, the file's flags are in FLAGS with their defaults and
    ``values`` (flag name -> -p value), and ``sys.argv`` is ``[path]``."""
    kept = file_flags(module)
    if not kept:
        yield
        return
    from absl import flags, logging

    registry = flags.FLAGS._flags()
    argv, verbosity = sys.argv, logging.get_verbosity()
    try:
        for name, flag in kept.items():
            if name in registry and registry[name] is not flag:
                delattr(flags.FLAGS, name)  # left by a file loaded another way
            flags.FLAGS[name] = flag
            flag.unparse()
        flags.FLAGS([path])  # parsed: the file may read FLAGS without parsing them
        for name, value in values.items():
            try:
                flags.FLAGS([path, _argument(kept[name], value)])
            except flags.Error as exc:
                raise _bad_value(kept[name], value, path, exc) from None
        sys.argv = [path]
        yield
    finally:
        sys.argv = argv
        logging.set_verbosity(verbosity)  # the file's set_verbosity is tfpipe's to decide
        for name, flag in kept.items():
            if registry.get(name) is flag:
                delattr(flags.FLAGS, name)
