"""Finding the pipeline in a file that builds it under ``if __name__ == '__main__':``,
TFX's convention: ``BeamDagRunner().run(_create_pipeline(pipeline_name=_pipeline_name,
...))``. The factory is the first function of the file called there; the arguments of
that call, evaluated in the file's namespace (its module-level constants and what the
statements before the call define), become its defaults, and ``-p name=value``
overrides them. A file whose ``__main__`` runs ``absl.app.run(main)`` builds it in
``main``."""
from __future__ import annotations

import ast
import copy
import inspect
from typing import Any, Callable

from ..errors import PipelineLoadError, user_frame


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


def _first_call(statements: list[ast.stmt], functions) -> ast.Call | None:
    calls = [c for stmt in statements for c in ast.walk(stmt)
             if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
             and c.func.id in functions]
    return min(calls, key=lambda c: (c.lineno, c.col_offset)) if calls else None


def _main_block(tree: ast.Module) -> ast.If | None:
    return next((b for b in tree.body if isinstance(b, ast.If) and _is_main_test(b.test)),
                None)


def pipeline_call(tree: ast.Module) -> ast.Call | None:
    """The first call, under the module's ``if __name__ == '__main__':`` block, of a
    function the module defines (the one building the pipeline), or None."""
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    block = _main_block(tree)
    return _first_call(block.body, functions) if block else None


def _entry(tree: ast.Module) -> tuple[list[ast.stmt], ast.Call, ast.FunctionDef | None] | None:
    """Where the pipeline is built: ``(statements, call, main)``, the statements holding
    the call, under ``__main__`` or in the ``main`` that ``absl.app.run(main)`` runs
    there (``main`` is None for the former)."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    block = _main_block(tree)
    if block is None:
        return None
    call = _first_call(block.body, functions)
    if call is not None:
        return block.body, call, None
    for run in (c for stmt in block.body for c in ast.walk(stmt) if isinstance(c, ast.Call)):
        for arg in run.args:  # app.run(main)
            if isinstance(arg, ast.Name) and arg.id in functions:
                main = functions[arg.id]
                others = {k: v for k, v in functions.items() if k != main.name}
                if (call := _first_call(main.body, others)) is not None:
                    return main.body, call, main
    return None


def _before(statements: list[ast.stmt], call: ast.Call) -> list[ast.stmt]:
    """The statements that run before the one holding ``call``."""
    return [s for s in statements if s.end_lineno < call.lineno]


def _run_statements(statements, main, module, path: str) -> dict:
    """Run the statements before the pipeline call, as ``python file.py`` would: those
    under ``__main__`` in the module's namespace, those of ``main`` in a call of it with
    ``argv = [path]``. The names they define, for the call's arguments."""
    namespace = vars(module)
    if main is not None:  # main's statements, up to the call, then `return locals()`
        ends = ast.Return(ast.Call(ast.Name("locals", ast.Load()), [], []))
        function = copy.copy(main)
        function.body, function.decorator_list = [*statements, ends], []
        code = ast.fix_missing_locations(ast.Module([function], []))
    else:
        code = ast.Module(statements, [])
    scope: dict = {}
    try:
        if main is None:
            exec(compile(code, path, "exec"), namespace)  # noqa: S102
            return namespace
        exec(compile(code, path, "exec"), namespace, scope)  # noqa: S102
        takes_argv = main.args.posonlyargs or main.args.args or main.args.vararg
        names = scope[main.name](*([[path]] if takes_argv else []))
    except (Exception, SystemExit) as exc:
        raise PipelineLoadError(
            f"{path} raised {type(exc).__name__} under __main__, before building the "
            f"pipeline: {exc}", where=user_frame(exc) or path,
            fix="fix the error at the line shown") from exc
    if not isinstance(names, dict):
        raise PipelineLoadError(f"{main.name}() in {path} returned before building the "
                                "pipeline.", where=f"{path}:{main.lineno}",
                                fix="build the pipeline in main() without returning early")
    return {**namespace, **names}


def main_call(path: str, module) -> tuple[Callable, dict[str, Any]] | None:
    """``(factory, arguments)`` of the pipeline call under ``__main__`` (or in the
    ``main`` it runs with ``absl.app.run``), or None. The statements before the call
    are run first: they define the names its arguments use."""
    with open(path, "rb") as f:  # bytes: decoded as Python decodes the file it imported
        source = f.read()
    try:
        entry = _entry(ast.parse(source, path))
    except SyntaxError as exc:  # changed since it was imported in this process
        raise PipelineLoadError(f"{path} has a syntax error: {exc.msg}.",
                                where=f"{exc.filename}:{exc.lineno}",
                                fix="correct the line shown") from exc
    if entry is None:
        return None
    statements, call, main = entry
    namespace = _run_statements(_before(statements, call), main, module, path)
    factory = getattr(module, call.func.id)
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
