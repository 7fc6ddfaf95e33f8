"""Where a TFX file builds its pipeline, for ``tfpipe migrate``: the function its
``__main__`` block calls, the arguments of that call, and whether they can become the
function's defaults (module-level names only, no absl flags)."""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

from ..dsl.main_call import pipeline_call


@dataclass
class EntryPoint:
    factory: str
    arguments: dict[str, str]  # parameter -> source of the value under __main__
    as_defaults: bool  # whether the values can be the function's defaults


def _bound_before(tree: ast.Module, line: int) -> set[str]:
    """The names the module binds at its top level before ``line``."""
    names = set(dir(builtins))
    for stmt in tree.body:
        if stmt.lineno >= line:
            break
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
        elif isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _usable_as_default(expr: ast.expr, bound: set[str]) -> bool:
    """Whether ``expr`` can be evaluated where the function is defined: it uses only names
    bound before, and no absl flag (flags are parsed under __main__, after the def)."""
    nodes = list(ast.walk(expr))
    return all(n.id in bound for n in nodes if isinstance(n, ast.Name)) and \
        not any(isinstance(n, ast.Attribute) and n.attr == "FLAGS" for n in nodes)


def entry_point(source: str) -> EntryPoint | None:
    """The function the ``__main__`` block calls to build the pipeline, and its arguments."""
    tree = ast.parse(source)
    call = pipeline_call(tree)
    if call is None:
        return None
    definition = next(n for n in tree.body
                      if isinstance(n, ast.FunctionDef) and n.name == call.func.id)
    arguments = dict(zip((a.arg for a in definition.args.args),
                         (ast.get_source_segment(source, a) for a in call.args)))
    arguments.update({k.arg: ast.get_source_segment(source, k.value)
                      for k in call.keywords if k.arg})
    bound = _bound_before(tree, definition.lineno)
    values = list(call.args) + [k.value for k in call.keywords]
    return EntryPoint(call.func.id, arguments,
                       all(_usable_as_default(v, bound) for v in values))
