"""Finding the pipeline in a file that builds it under ``if __name__ == '__main__':``,
TFX's convention: ``BeamDagRunner().run(_create_pipeline(pipeline_name=_pipeline_name,
...))``. The factory is the first function of the file called there; the arguments of
that call, evaluated in the file's namespace (its module-level constants), become its
defaults, and ``-p name=value`` overrides them."""
from __future__ import annotations

import ast
import inspect
from typing import Any, Callable

from ..errors import PipelineLoadError


def _is_main_test(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)
            and {ast.unparse(test.left), ast.unparse(test.comparators[0])} in
            ({"__name__", "'__main__'"}, {"__name__", '"__main__"'}))


def _evaluate(expr: ast.expr, namespace: dict, path: str) -> Any:
    try:
        return eval(compile(ast.Expression(expr), path, "eval"), namespace)  # noqa: S307
    except Exception as exc:
        raise PipelineLoadError(
            f"the argument {ast.unparse(expr)} of the pipeline call under __main__ in {path} "
            f"raised {type(exc).__name__}: {exc}", where=f"{path}:{expr.lineno}",
            fix="fix the value, or give it with -p name=value") from exc


def pipeline_call(tree: ast.Module) -> ast.Call | None:
    """The first call, under the module's ``if __name__ == '__main__':`` block, of a
    function the module defines (the one building the pipeline), or None."""
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for block in tree.body:
        if isinstance(block, ast.If) and _is_main_test(block.test):
            calls = [c for stmt in block.body for c in ast.walk(stmt)
                     if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
                     and c.func.id in functions]
            if calls:
                return min(calls, key=lambda c: (c.lineno, c.col_offset))
    return None


def main_call(path: str, module) -> tuple[Callable, dict[str, Any]] | None:
    """``(factory, arguments)`` of the pipeline call under ``__main__``, or None."""
    with open(path, "rb") as f:  # bytes: decoded as Python decodes the file it imported
        source = f.read()
    try:
        call = pipeline_call(ast.parse(source, path))
    except SyntaxError as exc:  # changed since it was imported in this process
        raise PipelineLoadError(f"{path} has a syntax error: {exc.msg}.",
                                where=f"{exc.filename}:{exc.lineno}",
                                fix="correct the line shown") from exc
    if call is None:
        return None
    factory = getattr(module, call.func.id)
    namespace = vars(module)
    args = [_evaluate(a, namespace, path) for a in call.args]
    kwargs = {k.arg: _evaluate(k.value, namespace, path) for k in call.keywords if k.arg}
    try:
        bound = inspect.signature(factory).bind_partial(*args, **kwargs)
    except TypeError as exc:
        raise PipelineLoadError(f"the call of {call.func.id}() under __main__ in {path} "
                                f"does not match its definition: {exc}.",
                                where=f"{path}:{call.lineno}",
                                fix="pass the arguments the function takes") from exc
    return factory, dict(bound.arguments)
