"""Hostile values for every command and option of the click tree (walked, so a command
added later is fuzzed too): each invocation exits with a documented code (0, 2, 3, 4,
130), prints no Python traceback (no --verbose is ever given), and a failed look-only
command leaves the metadata store as it was and readable.

Commands run in-process with click's CliRunner, in a sandbox folder as the current
directory. Left out, with the reason:
- ``run`` and ``ui``: a valid invocation starts a pipeline run (a child process, minutes)
  or serves until stopped; their bad input has its own cases (tests/bad_input) and the
  UI its own fuzz test (test_ui_fuzz.py). Their options are still checked by click when
  other commands share them (store options).
- ``--verbose`` / ``-v``: asks for tracebacks; ``--help`` / ``--version``: print and exit 0.
- the hidden ``--trigger`` of ``run``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import event, example, given, note
from hypothesis import strategies as st

from bench.ui import fill_store
from tfpipe.cli import main

from .profiles import FUZZ

SKIPPED_COMMANDS = {"run", "ui"}
SKIPPED_OPTIONS = {"verbose", "help", "version", "trigger"}
LOOK_ONLY = {"runs", "report", "models", "lineage"}
DOCUMENTED_EXIT_CODES = {0, 2, 3, 4, 130}
# What the library's chatter setters change in os.environ; restored after each example.
QUIET_ENV = ("TFPIPE_QUIET_LIBRARIES", "TF_CPP_MIN_LOG_LEVEL", "GRPC_VERBOSITY")

PIPELINE = """import tfpipe
from tfpipe.components import CsvExampleGen


def create_pipeline(root="tfpipe_output", data="data"):
    return tfpipe.Pipeline("penguin", root, [CsvExampleGen(input_base=data)])
"""


def commands(group: click.Group, prefix: tuple[str, ...] = ()):
    """(path, command) for every command under ``group``, nested groups included."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, prefix + (name,))
        elif name not in SKIPPED_COMMANDS and not command.hidden:
            yield prefix + (name,), command


COMMANDS = list(commands(main))


@pytest.fixture(scope="module", autouse=True)
def _libraries_left_as_they_were():
    """The commands quiet the libraries in this process (warnings, log levels): undone
    after this module, so that later tests see what they would have seen."""
    import logging
    import warnings

    filters = warnings.filters[:]
    from tfpipe.quiet import _LOGGERS

    levels = {name: logging.getLogger(name).level
              for name in [None, *_LOGGERS, *logging.root.manager.loggerDict]}
    yield
    warnings.filters[:] = filters
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Path:
    """Hostile files and folders, and a store of two runs (tfpipe_output/metadata.sqlite,
    the store a pipeline.py in this folder would use)."""
    box = tmp_path_factory.mktemp("fuzz-cli")
    (box / "pristine").mkdir()
    fill_store(str(box / "pristine" / "metadata.sqlite"), 2,
               root=str(box / "tfpipe_output"))
    (box / "loop").symlink_to(box / "loop")
    (box / "dangling").symlink_to(box / "nowhere")
    return box


def _restore(box: Path) -> None:
    """The store and the files as they were: a command may legitimately write over them
    (`report -o huge.py`), and each example starts from the same sandbox."""
    for made in ("a_folder", "tfpipe_output"):
        if (box / made).is_file():
            (box / made).unlink()
        (box / made).mkdir(exist_ok=True)
    shutil.copy(box / "pristine" / "metadata.sqlite", box / "tfpipe_output")
    (box / "pipeline.py").write_text(PIPELINE)
    (box / "a_file").write_text("x")
    (box / "empty.py").write_text("")
    (box / "syntax.py").write_text("def oops(:\n")
    (box / "latin1.py").write_bytes(b"# caf\xe9\nx = 1\n")
    (box / "huge.py").write_text("# a comment line of a huge file\n" * 32_000)  # 1 MB
    (box / "binary.bin").write_bytes(bytes(range(256)) * 4096)  # 1 MB, not text
    (box / "not_a_store.sqlite").write_bytes(b"this is not a database" * 100)
    (box / os.fsdecode(b"caf\xe9.py")).write_text("x = 1\n")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


PATHS = ["pipeline.py", "nowhere", "nowhere/deeper/x.py", "a_folder", "a_folder/",
         "a_file/inside", "empty.py", "syntax.py", "latin1.py", "huge.py", "binary.bin",
         "not_a_store.sqlite", "loop", "loop/x", "dangling", os.fsdecode(b"caf\xe9.py"),
         "tfpipe_output", "tfpipe_output/metadata.sqlite", "tfpipe_output/", ".", "..", "/",
         "/dev/null", "/proc/self/mem", "~", "-", "--", "-x"]
URLS = ["mysql://u:p@127.0.0.1:70000/db", "mysql://u:p@127.0.0.1:0/db",
        "mysql://u:p@127.0.0.1:-1/db", "mysql://u:p@127.0.0.1:9/db", "mysql://127.0.0.1/",
        "mysql://u@[::1/db", "mysql://u:p@127.0.0.1:99999999999999999999/db",
        "sqlite:///nowhere/x.sqlite", "sqlite://", "sqlite:///", "sqlite:///a_folder",
        "sqlite:///tfpipe_output/metadata.sqlite", "http://127.0.0.1:1/x", "postgres://x",
        "file:///etc/passwd", "://", "mysql://%zz@127.0.0.1:9/db"]
IDS = ["9" * 400, "-1", "0", "1", "18446744073709551616", "9223372036854775808", "²",
       "١٢", "1e309", "nan", "0x10", "latest", "previous", "diff"]
JSON_PARAMS = ["x=[1,", "root={}", "root=1", "root=null", "=1", "x", "root", "root=",
               "data=[\"a\"]", "root=\"unterminated", "beam_args=\"str\"", "x={\"a\": }",
               "root=" + "9" * 400, "root=nan", "root=-Infinity", "root=tfpipe_output",
               "data=data", "root=a_file", "root=loop"]
BLANK = ["", " ", "\t", "\n", " \u3000 "]
# Text without NUL (no process can be given NUL in its argv), bounded.
TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
               max_size=40)
ANY = st.one_of(st.sampled_from(PATHS + URLS + IDS + JSON_PARAMS + BLANK), TEXT)


def value_for(param: click.Parameter) -> st.SearchStrategy[str]:
    """Hostile text for ``param``, weighted to what its type expects."""
    kind = param.type
    if isinstance(kind, click.Choice):
        typed = st.sampled_from(list(kind.choices))
    elif isinstance(kind, (click.types.IntParamType, click.IntRange)):
        typed = st.integers(-2**70, 2**70).map(str)
    elif isinstance(kind, (click.types.FloatParamType, click.FloatRange)):
        typed = st.sampled_from(["nan", "inf", "-inf", "1e309", "0", "-0.0", "1e-300"])
    elif param.name in ("params", "param"):
        typed = st.sampled_from(JSON_PARAMS)
    elif param.name in ("metadata",):
        typed = st.sampled_from(URLS + PATHS)
    elif param.name in ("artifact", "targets"):
        typed = st.sampled_from(IDS + PATHS)
    else:
        typed = st.sampled_from(PATHS + BLANK)
    return st.one_of(typed, ANY)


@st.composite
def invocations(draw) -> list[str]:
    path, command = draw(st.sampled_from(COMMANDS))
    args = list(path)
    for param in command.params:
        if param.name in SKIPPED_OPTIONS or getattr(param, "hidden", False):
            continue
        if isinstance(param, click.Option):
            if draw(st.integers(0, 3)):  # a few options at a time, so that most get past click
                continue
            flag = draw(st.sampled_from(param.opts + param.secondary_opts))
            if param.is_flag:
                args.append(flag)
                continue
            for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
                args += [flag, draw(value_for(param))]
        else:  # an argument, sometimes left out, sometimes several
            many = param.nargs == -1
            count = draw(st.integers(0, 2)) if many else draw(st.sampled_from([1, 1, 1, 0]))
            args += [draw(value_for(param)) for _ in range(count)]
    if draw(st.integers(0, 9)) == 0:  # now and then, something click must reject
        args.insert(draw(st.integers(1, len(args))), draw(st.sampled_from(
            ["--no-such-option", "-Z", "extra", "--metadata", "--"])))
    return args


@FUZZ
@given(args=invocations())
# What the fuzzer found (fixed): a MySQL port out of range and a broken IPv6 host were
# ValueErrors from urllib; a pipeline file with a Latin-1 comment imported, then failed
# as the loader re-read it as UTF-8 for its __main__ call.
@example(args=["lineage", "1", "--metadata", "mysql://u:p@127.0.0.1:70000/db"])
@example(args=["report", "--metadata", "mysql://u@[::1/db"])
@example(args=["report", "latin1.py", "latin1.py"])
@example(args=["lineage", os.fsdecode(b"caf\xe9.py")])  # a file name that is not UTF-8
def test_every_command_fails_cleanly(sandbox, args):
    _restore(sandbox)
    store = sandbox / "tfpipe_output" / "metadata.sqlite"
    before = _digest(store)
    note(f"tfpipe {' '.join(args)}")
    old_cwd = os.getcwd()
    os.chdir(sandbox)
    try:
        result = CliRunner().invoke(main, args, env={k: None for k in QUIET_ENV},
                                    catch_exceptions=True)
    finally:
        os.chdir(old_cwd)
    output = result.output
    note(output[-3000:])
    event(f"{args[0]} exit {result.exit_code}")
    assert result.exit_code in DOCUMENTED_EXIT_CODES, (result.exit_code, output,
                                                       repr(result.exception))
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback (most recent call last)" not in output
    if args[0] in LOOK_ONLY and result.exit_code != 0:
        assert _digest(store) == before, "a failed look-only command changed the store"
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            assert db.execute("SELECT count(*) FROM Execution").fetchone()[0] > 0


def test_the_walk_covers_the_commands_users_see():
    """New commands are fuzzed without editing this file; only run and ui are left out."""
    seen = {" ".join(path) for path, _ in COMMANDS}
    listed = {name for name, c in main.commands.items() if not c.hidden}
    assert seen == listed - SKIPPED_COMMANDS
    assert {"compile", "init", "migrate", "runs", "report", "models", "lineage"} <= seen
