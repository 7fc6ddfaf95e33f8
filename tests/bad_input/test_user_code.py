"""Every module-file function's contract (preprocessing_fn, run_fn, tuner_fn): a module
file that cannot load, or a function declared so that its component cannot call it, is
an error in user code at the file's line, naming the contract. (The Transform cases run
a whole pipeline in test_bad_input.py; these check each function where it is loaded.)"""
from __future__ import annotations

import sys

import pytest

from tfpipe.usercode.module_file import load_user_function
from tfpipe.errors import UserCodeError

CONTRACTS = [
    ("preprocessing_fn", "Transform", "preprocessing_fn(inputs)",
     "Transform calls it with one argument, a dict of feature tensors, and takes back a "
     "dict of tensors (output feature name -> tensor)"),
    ("run_fn", "Trainer", "run_fn(fn_args)",
     "Trainer calls it with one argument, fn_args (train_files, eval_files, "
     "serving_model_dir, ...), and expects the model saved in fn_args.serving_model_dir"),
    ("tuner_fn", "Tuner", "tuner_fn(fn_args)",
     "Tuner calls it with one argument, fn_args, and takes back TunerFnResult(tuner=<a "
     "KerasTuner tuner>, fit_kwargs=<tuner.search's arguments>)"),
]


@pytest.fixture(autouse=True)
def _sys_path_restored(monkeypatch):
    """The folders of module files loaded here (one holds a json.py) leave sys.path after
    each test: processes started later in this process (Dask's workers) inherit it."""
    monkeypatch.setattr(sys, "path", list(sys.path))


@pytest.mark.parametrize("function, node, signature, contract", CONTRACTS,
                         ids=[c[0] for c in CONTRACTS])
@pytest.mark.parametrize("declared", ["()", "(a, b)", "(*, fn_args)"])
def test_a_function_declared_against_its_contract(tmp_path, function, node, signature,
                                                  contract, declared):
    module = tmp_path / "m.py"
    module.write_text(f"import os\n\n\ndef {function}{declared}:\n    return None\n")
    with pytest.raises(UserCodeError) as raised:
        load_user_function(str(module), function, node, signature)
    error = raised.value
    assert error.kind == "error in user code" and error.exit_code == 3
    assert str(error) == (f"[{node}] {function}{declared} cannot be called as {signature}: "
                          f"{contract}.\n  at {module}:4\n"
                          f"  fix: declare it as `def {signature}:`")


@pytest.mark.parametrize("function, node, signature",
                         [c[:3] for c in CONTRACTS], ids=[c[0] for c in CONTRACTS])
def test_a_module_file_that_cannot_load(tmp_path, function, node, signature):
    broken = tmp_path / "m.py"
    broken.write_text(f"def {function}(x)\n    return x\n")
    with pytest.raises(UserCodeError) as raised:
        load_user_function(str(broken), function, node, signature)
    assert str(raised.value) == (f"[{node}] module_file {broken} has a syntax error: "
                                 f"expected ':'.\n  at {broken}:1\n  fix: correct the line "
                                 "shown")
    failing = tmp_path / "f.py"
    failing.write_text("import os\nRATE = 1 / 0\n")
    with pytest.raises(UserCodeError) as raised:
        load_user_function(str(failing), function, node, signature)
    assert str(raised.value).startswith(
        f"[{node}] module_file {failing} raised ZeroDivisionError while loading: division by "
        f"zero\n  at {failing}:2\n")


def test_a_function_that_fits_its_contract_is_returned(tmp_path):
    module = tmp_path / "ok.py"
    module.write_text("def run_fn(fn_args, extra=None):\n    return fn_args\n")
    assert load_user_function(str(module), "run_fn", "Trainer", "run_fn(fn_args)")(3) == 3


def test_a_second_module_file_of_the_same_name_is_imported_by_its_own_name(tmp_path):
    """Two pipelines in one process whose module files share a name (penguin_utils.py in
    two folders): the second takes the name over, so Beam worker processes, which import
    the module by its name from its folder, find the function the run pickled. An
    installed module's name is never taken over."""
    import json
    import sys

    for folder, value in (("a", 1), ("b", 2)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "tfpipe_twin_utils.py").write_text(
            f"def preprocessing_fn(inputs):\n    return {value}\n")
    fns = [load_user_function(str(tmp_path / f / "tfpipe_twin_utils.py"), "preprocessing_fn",
                              "Transform", "preprocessing_fn(inputs)") for f in ("a", "b")]
    assert [fn.__module__ for fn in fns] == ["tfpipe_twin_utils"] * 2
    assert [fn(None) for fn in fns] == [1, 2]
    assert sys.modules["tfpipe_twin_utils"].__file__ == str(tmp_path / "b" / "tfpipe_twin_utils.py")
    del sys.modules["tfpipe_twin_utils"]
    import tfpipe_twin_utils  # as an unpickler in this process does: from the folder on
    # sys.path, without the loader's mark, and still taken over by the next file
    assert tfpipe_twin_utils.__file__ == str(tmp_path / "b" / "tfpipe_twin_utils.py")
    fn = load_user_function(str(tmp_path / "a" / "tfpipe_twin_utils.py"), "preprocessing_fn",
                            "Transform", "preprocessing_fn(inputs)")
    assert fn.__module__ == "tfpipe_twin_utils" and fn(None) == 1
    del sys.modules["tfpipe_twin_utils"]

    # The copy Dask's upload_file imports into an in-process scheduler: from a scratch
    # folder that is neither a user's nor an installed one. Taken over too.
    scratch = tmp_path / "dask-scratch-space"
    scratch.mkdir()
    (scratch / "tfpipe_twin_utils.py").write_text("def preprocessing_fn(inputs):\n    return 0\n")
    import importlib.util
    spec = importlib.util.spec_from_file_location("tfpipe_twin_utils",
                                                  scratch / "tfpipe_twin_utils.py")
    sys.modules["tfpipe_twin_utils"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules["tfpipe_twin_utils"])
    fn = load_user_function(str(tmp_path / "b" / "tfpipe_twin_utils.py"), "preprocessing_fn",
                            "Transform", "preprocessing_fn(inputs)")
    assert fn.__module__ == "tfpipe_twin_utils" and fn(None) == 2
    del sys.modules["tfpipe_twin_utils"]

    (tmp_path / "json.py").write_text("def preprocessing_fn(inputs):\n    return 3\n")
    fn = load_user_function(str(tmp_path / "json.py"), "preprocessing_fn", "Transform",
                            "preprocessing_fn(inputs)")
    assert fn.__module__ == "_tfpipe_user_json" and fn(None) == 3
    assert sys.modules["json"] is json and json.dumps([1]) == "[1]"
