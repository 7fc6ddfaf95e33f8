"""Runtime parameters: arguments of a pipeline file's ``create_pipeline()`` that become
Kubeflow pipeline parameters, set per run on the cluster.

Which node parameters an argument feeds is found by calling ``create_pipeline()``
twice, with the compile-time value and with a probe value: the node parameters that
change must hold exactly the probe, as their whole value (the argument passed on
unchanged, ``os.path.abspath`` of it included) or as an item of a dict or list value
(``train_args={"num_steps": train_steps}``). A whole value is wired to the pipeline
parameter (``componentInputParameter``); for an item, the task also receives the
pipeline parameter and the entrypoint puts it in place (``--runtime-items``). Anything else (a value derived from the argument, a
node added or removed by it) cannot be decided at run time and is a CompileError.
"""
from __future__ import annotations

import difflib
import inspect
from typing import Any

from ....compiler import PipelineIR, compile_pipeline
from ....dsl.loader import import_pipeline_file, load_pipeline
from ....errors import CompileError, TfpipeError

PROBE_PATH = "/tfpipe-runtime-parameter/"  # absolute and normal: abspath() keeps it


def _probe(name: str, value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 7919
    if isinstance(value, float):
        return value + 0.5 if abs(value) < 1e15 else value / 2
    if isinstance(value, str):
        return PROBE_PATH + name
    raise CompileError(f"runtime parameter {name!r} has the value {value!r} "
                       f"({type(value).__name__}); a Kubeflow pipeline parameter here must be a "
                       "str, int, float or bool.", fix=f"give {name} a simple default in "
                       f"create_pipeline(), or set one with -p {name}=VALUE")


def _compile_time_values(path: str, args: dict[str, Any], names: tuple[str, ...]) -> dict:
    factory = getattr(import_pipeline_file(path), "create_pipeline", None)
    if not callable(factory):
        raise CompileError(f"{path} has no create_pipeline() whose arguments could be runtime "
                           "parameters.", fix="define create_pipeline(name=default, ...) and "
                           "pass --runtime-param name")
    accepted = inspect.signature(factory).parameters
    values = {}
    for name in names:
        if name in args:
            values[name] = args[name]
        elif name in accepted and accepted[name].default is not inspect.Parameter.empty:
            values[name] = accepted[name].default
        else:
            close = difflib.get_close_matches(name, list(accepted), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            what = "has no default" if name in accepted else "is not an argument"
            raise CompileError(f"runtime parameter {name!r} {what} of create_pipeline() in "
                               f"{path}.{hint}", fix="name an argument of create_pipeline() "
                               f"with a default ({', '.join(accepted) or 'none'}), or pass -p "
                               f"{name}=VALUE")
    return values


def _shape(ir: PipelineIR):
    return ([(n.id, n.component, n.inputs, n.upstream) for n in ir.nodes], ir.name,
            ir.pipeline_root, ir.metadata, ir.beam_pipeline_args)


def _probe_paths(before: Any, after: Any, probe: Any, path: tuple = ()) -> list[tuple] | None:
    """Where inside a parameter's value the probe landed (``()``: the whole value);
    None if the value changed in any other way."""
    if after == before and type(after) is type(before):
        return []
    if after == probe and type(after) is type(probe):
        return [path]
    if isinstance(after, dict) and isinstance(before, dict) and after.keys() == before.keys():
        pairs = [(k, before[k], after[k]) for k in after]
    elif isinstance(after, list) and isinstance(before, list) and len(after) == len(before):
        pairs = [(i, b, a) for i, (b, a) in enumerate(zip(before, after))]
    else:
        return None
    found: list[tuple] = []
    for key, b, a in pairs:
        inner = _probe_paths(b, a, probe, path + (key,))
        if inner is None:
            return None
        found += inner
    return found


def _wired_parameters(base: PipelineIR, probed: PipelineIR, name: str,
                      probe: Any) -> list[tuple[str, str, tuple]]:
    if _shape(base) != _shape(probed):
        raise CompileError(f"runtime parameter {name!r} changes the pipeline's nodes, wiring or "
                           "settings, which are fixed when it is compiled.",
                           fix=f"make {name} a compile-time argument (-p {name}=VALUE) instead")
    wired = []
    for before, after in zip(base.nodes, probed.nodes):
        for param, value in after.parameters.items():
            paths = _probe_paths(before.parameters.get(param), value, probe)
            if paths is None:
                raise CompileError(
                    f"parameter {param!r} is computed from runtime parameter {name!r} (it is "
                    f"{value!r} when {name} is {probe!r}); Kubeflow can only pass a pipeline "
                    "parameter on unchanged (as a parameter, or as an item of a list or dict "
                    "parameter).", node=after.id,
                    fix=f"pass {name} to the component as it is, or make it a compile-time "
                    f"argument (-p {name}=VALUE)")
            wired += [(after.id, param, path) for path in paths]
    if not wired:
        raise CompileError(f"runtime parameter {name!r} does not reach any node parameter.",
                           fix=f"pass {name} to a component in create_pipeline(), or drop "
                           f"--runtime-param {name}")
    return wired


def find_wiring(path: str, args: dict[str, Any], base: PipelineIR,
                names: tuple[str, ...]) -> dict[tuple[str, str, tuple], str]:
    """(node id, parameter, path inside its value) -> the runtime parameter feeding it."""
    values = _compile_time_values(path, args, tuple(dict.fromkeys(names)))
    wiring: dict[tuple[str, str, tuple], str] = {}
    for name, value in values.items():
        probe = _probe(name, value)
        try:
            probed = compile_pipeline(load_pipeline(path, {**args, name: probe}))
        except TfpipeError as exc:
            raise CompileError(
                f"create_pipeline() failed when runtime parameter {name!r} was {probe!r} "
                f"(a stand-in for the values runs will give): {exc.message}",
                fix=f"create_pipeline() must accept any {type(value).__name__} for {name} "
                "without using it (e.g. checking that a path exists); else make it a "
                f"compile-time argument (-p {name}=VALUE)") from exc
        for key in _wired_parameters(base, probed, name, probe):
            if key in wiring:
                raise CompileError(f"parameter {key[1]!r} depends on both runtime parameters "
                                   f"{wiring[key]!r} and {name!r}.", node=key[0],
                                   fix="make one of them a compile-time argument")
            wiring[key] = name
    return wiring
