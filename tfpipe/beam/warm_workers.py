"""Warm Beam workers: the SDK worker processes of ``multi_processing`` are forked from
a pre-imported zygote instead of each starting Python and importing Beam, TensorFlow,
TFDV and TFT (about 7 s a worker, a pipeline each) before doing any work.

How it goes, within one run (one process running the pipeline's nodes):

- A run whose ``beam_pipeline_args`` ask for ``--direct_running_mode=multi_processing``
  starts the **zygote** as it starts (``prepare``; a node's first Beam pipeline does if
  none runs: ``use_for``), in a Python process and a session of its own
  (``_zygote_main``). It quiets the libraries as the run does (``tfpipe.quiet``),
  imports Beam's ``sdk_worker_main``, pyarrow, tfx-bsl, TensorFlow, TFDV, TFT and
  tfpipe's components (imports only: no TensorFlow op runs, no gRPC channel or server
  is made, no Python thread starts) and waits on a unix socket the run made for it. A
  node whose workers need more (the Evaluator's and BulkInferrer's TFMA) names it as it
  starts (``prepare(args, modules)``, a line each on the zygote's stdin), and the
  zygote imports it before it forks their workers.
- Beam's FnApiRunner starts every SDK worker with a command line, by default
  ``python -m apache_beam.runners.worker.sdk_worker_main``. ``use_for`` wraps
  ``FnApiRunner.run_via_runner_api`` once so that, while a zygote runs, that command in
  the pipeline's environments becomes the **client**: this file run by path, ``python -I
  -S warm_workers.py <socket>`` (standard library only, started in ~30 ms). The client
  sends the zygote its environment (``CONTROL_API_SERVICE_DESCRIPTOR``,
  ``LOGGING_API_SERVICE_DESCRIPTOR``, ``PIPELINE_OPTIONS``, ``WORKER_ID``, ``PYTHONPATH``
  ...), its working folder and its stdin/stdout/stderr; the zygote forks a **worker**
  that takes them on and runs ``sdk_worker_main.main``.
- The client lives exactly as long as its worker: it passes on SIGTERM, SIGINT, SIGHUP
  and SIGQUIT, and exits with the worker's exit code (or dies of its signal). If the
  client is killed (FnApiRunner kills it in ``stop_worker`` if it outlives its work),
  the zygote sees its connection close and SIGKILLs the worker.
- Nothing outlives the run: the zygote watches a pipe from the run (its stdin) and at
  its end, however the run ended (normal end, an exception, Ctrl-C, SIGKILL), SIGKILLs
  the workers it forked and exits; each worker also has the zygote as its parent-death
  signal's parent (PR_SET_PDEATHSIG, SIGKILL), and a client whose zygote went away
  exits. ``stop()`` (called when a local run ends) ends it at once.
- If the zygote cannot be reached, the client execs Beam's own worker command, so a
  pipeline never fails for want of a zygote. ``TFPIPE_WARM_WORKERS=0`` turns it all
  off; ``TFPIPE_WARM_WORKERS_LOG=<file>`` appends a JSON line for the zygote and each
  worker it forks (pids, parent pids), which the tests read.

Fork safety: the zygote is single-threaded in Python; the native threads its imports
start are idle thread pools with their own fork handlers (OpenBLAS's servers from
numpy and scipy, jemalloc's background thread from pyarrow). gRPC is imported but never
initialised there. A forked worker reseeds NumPy's global random generator (Python's
``random`` reseeds itself after a fork).

This module imports only the standard library at its top: the client runs it as a
plain file, without tfpipe or site-packages.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys
import threading
import time

SWITCH_ENV = "TFPIPE_WARM_WORKERS"  # "0": Beam's own worker processes
LOG_ENV = "TFPIPE_WARM_WORKERS_LOG"  # a file to append a JSON line to per zygote and worker
# What the zygote imports before it forks anything: what Beam's worker imports and
# what the DoFns of tfpipe's data nodes import when they are unpickled.
PRELOAD = ("apache_beam.runners.worker.sdk_worker_main", "pyarrow", "tfx_bsl",
           "tfx_bsl.coders.example_coder", "tfx_bsl.tfxio.record_based_tfxio",
           "tfx_bsl.public.tfxio", "tensorflow", "tensorflow_data_validation",
           "tensorflow_transform", "tensorflow_transform.beam", "tfpipe.components",
           "tfpipe.beam.pipeline", "tfpipe.io.examples", "tfpipe.io.shards",
           "tfpipe.io.arrow_twins")
# The command Beam 2.60's FnApiRunner gives multi_processing workers (fn_runner.py).
BEAM_WORKER_COMMAND = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main"
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT)
_INT = struct.Struct("!i")
_STOP_SECONDS = 1

# The zygote's command: as ``-c``, not ``-m`` (runpy would warn that tfpipe.components
# imported this module before running it).
_ZYGOTE_MAIN = ("import sys; from tfpipe.beam.warm_workers import _zygote_run; "
                "_zygote_run(sys.argv[1:])")

_zygote = None  # the run's zygote (a _Zygote), once a pipeline asked for one
_LOCK = threading.Lock()


# --- in the run's process ------------------------------------------------------------

def prepare(beam_pipeline_args, modules: tuple[str, ...] = ()) -> None:
    """At the start of a run, and of a node that runs Beam pipelines: if
    ``beam_pipeline_args`` ask for Beam workers as processes on the local runner, start
    the run's zygote now unless it runs (without importing Beam), so that it imports
    while the run does its own first work; and have it import ``modules`` too (what
    this node's workers need beyond ``PRELOAD``)."""
    if _option(beam_pipeline_args, "direct_running_mode") == "multi_processing" \
            and _local(_option(beam_pipeline_args, "runner")) and _enabled():
        _start()
        if modules:
            _zygote.preload(modules)


def _option(args, name: str) -> str | None:
    args, value = list(args), None
    for i, arg in enumerate(args):
        if arg == f"--{name}" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(f"--{name}="):
            value = arg.split("=", 1)[1]
    return value


def _local(runner) -> bool:
    return runner is None or any(name in str(runner) for name in ("Direct", "FnApi"))


def _enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1") != "0" and hasattr(os, "pidfd_open")


def use_for(options) -> None:
    """Before a Beam pipeline with ``options`` (PipelineOptions) runs: if it runs Beam
    workers as processes on the local runner, make sure the run's zygote is started and
    the runner forks its workers from it."""
    from apache_beam.options.pipeline_options import DirectOptions, StandardOptions

    if options.view_as(DirectOptions).direct_running_mode != "multi_processing" \
            or not _local(options.view_as(StandardOptions).runner) or not _enabled():
        return
    _fork_workers_from_zygote()
    _start()


def _start() -> None:
    global _zygote
    with _LOCK:
        if _zygote is None or not _zygote.alive():
            if _zygote is not None:
                _zygote.stop()
            _zygote = _Zygote()


def worker_command() -> str | None:
    """The command that gets a worker from the run's zygote, None without one."""
    zygote = _zygote
    return zygote.command if zygote is not None and zygote.alive() else None


def stop() -> None:
    """End the run's zygote (and any worker it forked), if there is one."""
    global _zygote
    with _LOCK:
        if _zygote is not None:
            _zygote.stop()
            _zygote = None


class _Zygote:
    def __init__(self):
        import shlex
        import subprocess
        import tempfile

        self.folder = tempfile.mkdtemp(prefix="tfpipe-warm-")
        address = os.path.join(self.folder, "zygote.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(address)
            listener.listen(128)  # clients wait here while the zygote still imports
            self.process = subprocess.Popen(
                [sys.executable, "-c", _ZYGOTE_MAIN,
                 str(listener.fileno()), self.folder, str(time.time())],
                stdin=subprocess.PIPE, pass_fds=(listener.fileno(),), start_new_session=True)
        finally:
            listener.close()
        self.command = "exec " + " ".join(shlex.quote(part) for part in (
            sys.executable, "-I", "-S", os.path.abspath(__file__), address))

    def alive(self) -> bool:
        return self.process.poll() is None

    def preload(self, modules) -> None:
        """Have the zygote import ``modules`` before it forks the next workers."""
        try:
            self.process.stdin.write("".join(f"{m}\n" for m in modules).encode())
            self.process.stdin.flush()
        except (OSError, ValueError):  # it went away: workers start without it
            pass

    def stop(self) -> None:
        import shutil
        import subprocess

        try:
            self.process.stdin.close()  # the zygote's cue: kill the workers and exit
            self.process.wait(_STOP_SECONDS)  # (if still importing: its workers die with it)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _fork_workers_from_zygote() -> None:
    """Wrap ``FnApiRunner.run_via_runner_api`` (once) so that environments with Beam's
    own worker command get the command of the run's zygote instead, while there is one."""
    from apache_beam.portability import python_urns
    from apache_beam.runners.portability.fn_api_runner import fn_runner

    run = fn_runner.FnApiRunner.run_via_runner_api
    if hasattr(run, "warm_workers"):
        return

    def run_via_runner_api(self, pipeline_proto, options):
        command = worker_command()
        if command is not None:
            for environment in pipeline_proto.components.environments.values():
                if environment.urn == python_urns.SUBPROCESS_SDK and \
                        environment.payload.decode("utf-8") == BEAM_WORKER_COMMAND:
                    environment.payload = command.encode("utf-8")
        return run(self, pipeline_proto, options)

    run_via_runner_api.warm_workers = True
    fn_runner.FnApiRunner.run_via_runner_api = run_via_runner_api


# --- the zygote ----------------------------------------------------------------------

def _log(**entry) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps({**entry, "at": time.time()}) + "\n").encode())
        finally:
            os.close(fd)


def _zygote_run(argv: list[str]) -> None:
    """The zygote process: ``_zygote_main``, then out without Python's exit (unloading
    TensorFlow and the rest takes about 1 s, which the run would wait for). An error
    leaves the normal way, with its traceback."""
    _zygote_main(int(argv[0]), argv[1], float(argv[2]))
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)


def _zygote_main(listen_fd: int, folder: str, asked: float) -> None:
    import select

    from tfpipe.quiet import quiet_if_asked

    quiet_if_asked()  # before the imports, which warn; its workers inherit it
    listener = socket.socket(fileno=listen_fd)
    _import(PRELOAD)
    from tfpipe.beam.pipeline import remember_dofn_specs

    remember_dofn_specs()  # as the run does: its workers set up each DoFn once
    _log(zygote=os.getpid(), run=os.getppid(), asked=asked)  # "at": when it is ready
    workers: dict[int, tuple[int, socket.socket | None]] = {}  # pidfd -> (pid, client)
    clients: dict[int, int] = {}  # client connection's fd -> its worker's pidfd
    pending = b""  # what the run wrote of a line naming modules to import
    poller = select.poll()
    poller.register(0, select.POLLIN)
    poller.register(listener, select.POLLIN)
    try:
        while True:
            for fd, _ in poller.poll():
                if fd == 0:
                    data = os.read(0, 4096)
                    if not data:
                        return  # the run ended
                    pending += data
                    *names, pending = pending.split(b"\n")
                    if names:  # a node's workers will need these: import them now
                        _log(zygote_preloaded=_import([n.decode() for n in names]))
                elif fd == listener.fileno():
                    forked = _fork_worker(listener, [0, listener.fileno(), *workers, *clients])
                    if forked is not None:
                        pidfd, pid, client = forked
                        workers[pidfd] = (pid, client)
                        clients[client.fileno()] = pidfd
                        poller.register(pidfd, select.POLLIN)
                        poller.register(client, select.POLLIN)
                elif fd in workers:  # a worker ended: pass on its exit code
                    pid, client = workers.pop(fd)
                    poller.unregister(fd)
                    os.close(fd)
                    _, status = os.waitpid(pid, 0)
                    if client is not None:
                        clients.pop(client.fileno())
                        poller.unregister(client)
                        try:
                            client.sendall(_INT.pack(os.waitstatus_to_exitcode(status)))
                        except OSError:
                            pass
                        client.close()
                elif fd in clients:  # a client went away before its worker
                    pidfd = clients.pop(fd)
                    pid, client = workers[pidfd]
                    poller.unregister(client)
                    client.close()
                    workers[pidfd] = (pid, None)
                    _kill(pid)
    finally:
        for pidfd, (pid, _) in workers.items():
            _kill(pid)
            os.waitpid(pid, 0)
        try:
            os.unlink(listener.getsockname())
            os.rmdir(folder)
        except OSError:
            pass


def _import(modules) -> list[str]:
    """Import ``modules``; those that imported."""
    import importlib

    imported = []
    for module in modules:
        try:
            importlib.import_module(module)
            imported.append(module)
        except Exception:  # noqa: BLE001 - a library not installed: its workers import it
            pass
    return imported


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _fork_worker(listener: socket.socket, inherited: list[int]):
    """Accept a client and fork its worker: (pidfd, pid, client) or None."""
    client, _ = listener.accept()
    fds: list[int] = []
    try:
        client.settimeout(10)
        data, fds, _, _ = socket.recv_fds(client, 1 << 16, 3)
        while len(data) < _INT.size or len(data) < _INT.size + _INT.unpack_from(data)[0]:
            more = client.recv(1 << 16)
            if not more:
                raise ConnectionError("the client went away")
            data += more
        request = json.loads(data[_INT.size:])
        client.settimeout(None)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:
            _become_worker(request, fds, [*inherited, client.fileno()])
        pidfd = os.pidfd_open(pid)
        try:
            client.sendall(_INT.pack(pid))
        except OSError:
            _kill(pid)
        return pidfd, pid, client
    except (OSError, ValueError, ConnectionError):
        client.close()
        return None
    finally:
        for fd in fds:
            os.close(fd)


def _become_worker(request: dict, fds: list[int], inherited: list[int]) -> None:
    """In the forked child: become the client's Beam SDK worker; never returns."""
    code = 1
    try:
        _die_with_parent()
        for signum in _FORWARDED:
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for fd in inherited:
            os.close(fd)
        for target, fd in zip(request["fds"], fds):
            os.dup2(fd, target)
        for fd in set(fds) - set(request["fds"]):
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for folder in reversed(request["env"].get("PYTHONPATH", "").split(os.pathsep)):
            if folder and folder not in sys.path:
                sys.path.insert(0, folder)
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        _log(worker=os.getpid(), parent=os.getppid(), client=request["client"],
             worker_id=request["env"].get("WORKER_ID"), asked=request["asked"])
        from apache_beam.runners.worker import sdk_worker_main

        sys.argv = [sdk_worker_main.__file__]
        preloaded = set(sys.modules)
        sdk_worker_main.main(sys.argv)
        code = 0
        _log(worker_ended=os.getpid(), cpu=sum(os.times()[:2]),  # what PRELOAD missed
             imported=sorted({m.split(".")[0] for m in set(sys.modules) - preloaded}))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported as a normal worker would
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def _die_with_parent() -> None:
    """SIGKILL this process when the zygote (its parent) dies."""
    import ctypes

    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


# --- the client (Beam's worker command) ----------------------------------------------

def _client_main(address: str) -> None:
    worker = [None]
    pending: list[int] = []

    def forward(signum, _frame):
        if worker[0] is None:
            pending.append(signum)
        else:
            os.kill(worker[0], signum)

    for signum in _FORWARDED:
        signal.signal(signum, forward)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(address)
        streams = [fd for fd in (0, 1, 2) if _is_open(fd)]
        request = json.dumps({"env": dict(os.environ), "cwd": os.getcwd(),
                              "client": os.getpid(), "fds": streams,
                              "asked": time.time()}).encode()
        data = _INT.pack(len(request)) + request
        sent = socket.send_fds(connection, [data], streams)
        connection.sendall(data[sent:])
        worker[0] = _receive_int(connection)
    except (OSError, ConnectionError):  # no zygote: Beam's own worker
        for signum in _FORWARDED:
            signal.signal(signum, signal.SIG_DFL)
        python = sys.executable
        os.execv(python, [python, "-m", "apache_beam.runners.worker.sdk_worker_main"])
    for signum in pending:
        os.kill(worker[0], signum)
    try:
        code = _receive_int(connection)
    except (OSError, ConnectionError):
        os._exit(1)  # the zygote went away, and its worker with it
    if code < 0:  # the worker died of a signal: so does its client
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        code = 1
    os._exit(code)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def _receive_int(connection: socket.socket) -> int:
    data = b""
    while len(data) < _INT.size:
        more = connection.recv(_INT.size - len(data))
        if not more:
            raise ConnectionError("closed")
        data += more
    return _INT.unpack(data)[0]


if __name__ == "__main__":
    _client_main(sys.argv[1])
