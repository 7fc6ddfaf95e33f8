"""The versions of one model that are served, as TF Serving's ServerCore manages them.

The destination (the Pusher's ``push_destination``: one folder per version, named by an
integer) is polled; the policy (``latest`` N, ``specific`` versions, or ``all``) says
which versions to serve. A new version is loaded in the background, warmed up with a few
requests, and only then becomes AVAILABLE and the default: the switch is one assignment
on the event loop, so a request is on the old version or the new, never between. A
version leaving the policy is UNLOADING until the requests that started on it have
finished, then END. A version that fails to load is END with its error in the status
(and ``/metrics``), and is not retried; the versions already AVAILABLE keep serving.
States are TF Serving's: START, LOADING, AVAILABLE, UNLOADING, END.
"""
from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .batching import Batcher
from .model import RequestError, ServedModel

START, LOADING, AVAILABLE, UNLOADING, END = "START", "LOADING", "AVAILABLE", "UNLOADING", "END"
STATES = (START, LOADING, AVAILABLE, UNLOADING, END)
WARMUP_REQUESTS = 3


@dataclass(frozen=True)
class Policy:
    """TF Serving's model_version_policy: ``latest`` N, ``specific`` versions, or ``all``."""

    kind: str = "latest"
    count: int = 1
    versions: tuple[int, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Policy":
        """``latest``, ``latest:N``, ``all``, or ``specific:V1,V2``; ValueError otherwise."""
        kind, _, arg = text.partition(":")
        if kind == "latest":
            count = int(arg) if arg else 1
            if count < 1:
                raise ValueError("latest:N needs N >= 1")
            return cls("latest", count)
        if kind == "all" and not arg:
            return cls("all")
        if kind == "specific" and arg:
            return cls("specific", versions=tuple(sorted(int(v) for v in arg.split(","))))
        raise ValueError(f"{text!r} is not latest[:N], all or specific:V1[,V2...]")

    def choose(self, available: list[int]) -> list[int]:
        if self.kind == "latest":
            return sorted(available)[-self.count:]
        if self.kind == "specific":
            return [v for v in sorted(available) if v in self.versions]
        return sorted(available)

    def __str__(self) -> str:
        if self.kind == "latest":
            return f"latest:{self.count}"
        return "all" if self.kind == "all" else "specific:" + ",".join(map(str, self.versions))


@dataclass
class Version:
    number: int
    path: str
    state: str = START
    error: str = ""
    model: ServedModel | None = None
    batcher: Batcher | None = None
    in_flight: int = 0
    load_seconds: float = 0.0
    since: float = field(default_factory=time.time)

    def status(self) -> dict:
        """This version in TF Serving's GetModelStatus JSON."""
        return {"version": str(self.number), "state": self.state,
                "status": {"error_code": "UNKNOWN" if self.error else "OK",
                           "error_message": self.error}}


def version_folders(base: str) -> list[int]:
    """The versions in ``base``: folders named by an integer (the Pusher renames a
    finished copy into place, so a folder is whole or absent; one that is not a
    SavedModel fails to load and is reported)."""
    if not os.path.isdir(base):
        return []
    return sorted(int(e.name) for e in os.scandir(base) if e.is_dir() and e.name.isdigit())


class Versions:
    def __init__(self, base: str, policy: Policy, batching: dict, events=None):
        self.base, self.policy, self.batching = base, policy, batching
        self.events = events  # the server's metrics: loaded(), failed(), batch(size)
        self.versions: dict[int, Version] = {}
        self.default: Version | None = None  # the newest AVAILABLE version
        self._loader = ThreadPoolExecutor(1, thread_name_prefix="tfpipe-serve-load")
        self._predictor = ThreadPoolExecutor(batching.get("threads", 2),
                                             thread_name_prefix="tfpipe-serve-predict")
        self._loading: set[int] = set()

    # -- requests ---------------------------------------------------------------------
    def get(self, name: str, number: int | None) -> Version:
        """The version a request runs on: the one asked for, or the default."""
        if number is None:
            if self.default is None:
                raise RequestError(f"no version of model {name!r} is available yet ("
                                   f"{self._describe()})", status=503)
            return self.default
        version = self.versions.get(number)
        if version is None or version.state != AVAILABLE:
            state = f"it is {version.state}" if version else "there is no such version"
            raise RequestError(f"version {number} of model {name!r} is not being served: "
                               f"{state} ({self._describe()})", status=404)
        return version

    def _describe(self) -> str:
        shown = ", ".join(f"{v.number} {v.state}" for v in self.ordered()) or "none found"
        return f"versions in {self.base}: {shown}"

    def ordered(self) -> list[Version]:
        return [self.versions[n] for n in sorted(self.versions)]

    # -- the poll ---------------------------------------------------------------------
    async def poll(self) -> None:
        """Load the versions the policy wants that are new, unload those it no longer
        wants once a wanted one is AVAILABLE (or there is none)."""
        found = version_folders(self.base)
        wanted = set(self.policy.choose(found))
        loads = [self._load(n) for n in sorted(wanted)
                 if n not in self.versions and n not in self._loading]
        if loads:
            await asyncio.gather(*loads)
        have = {n for n, v in self.versions.items() if v.state == AVAILABLE}
        if have & wanted or not wanted:
            for number in sorted(have - wanted):
                asyncio.ensure_future(self._unload(self.versions[number]))
        self._choose_default()

    async def _load(self, number: int) -> None:
        version = Version(number, os.path.join(self.base, str(number)))
        self.versions[number] = version
        self._loading.add(number)
        version.state = LOADING
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            model = await loop.run_in_executor(self._loader, self._load_and_warm, version)
        except Exception as exc:  # noqa: BLE001 - reported in the status; others serve
            version.state, version.error = END, f"{type(exc).__name__}: {exc}"[:2000]
            if self.events:
                self.events.failed(version)
            return
        finally:
            self._loading.discard(number)
        version.load_seconds = time.perf_counter() - started
        version.model = model
        version.batcher = Batcher(model, self._predictor, self.batching.get("max_batch_size", 32),
                                  self.batching.get("timeout", 0.001),
                                  on_batch=self.events.batch if self.events else None,
                                  threads=self.batching.get("threads", 2))
        version.state, version.since = AVAILABLE, time.time()
        self._choose_default()
        if self.events:
            self.events.loaded(version)

    def _load_and_warm(self, version: Version) -> ServedModel:
        model = ServedModel(version.path, version.number)
        warm_up(model)
        return model

    async def _unload(self, version: Version) -> None:
        version.state = UNLOADING
        self._choose_default()
        while version.in_flight:  # requests that started on it finish on it
            await asyncio.sleep(0.01)
        version.state, version.model, version.batcher = END, None, None
        version.since = time.time()

    def _choose_default(self) -> None:
        available = [v for v in self.ordered() if v.state == AVAILABLE]
        self.default = available[-1] if available else None  # one assignment: atomic

    def close(self) -> None:
        self._loader.shutdown(wait=False, cancel_futures=True)
        self._predictor.shutdown(wait=False, cancel_futures=True)


def warm_up(model: ServedModel) -> None:
    """A few requests through every signature before the version takes traffic (TF
    Serving's warm-up): rows of each feature's zero value, as the raw rows of a request."""
    from .model import row_to_example

    for name, features in model.features.items():
        if not features:
            continue
        zero = {"float": 0.0, "int": 0, "bytes": ""}
        row = {f.name: [zero[f.kind]] * (f.size or 1) for f in features}
        for size in range(1, WARMUP_REQUESTS + 1):
            model.predict(name, [row_to_example(features, row)] * size)
