"""Headless Chromium for the report tests: load a page and collect what went wrong.

Chromium runs with networking features off and its own profile folder; the test talks
to it over the DevTools protocol (a websocket) to collect console messages, uncaught
exceptions, log errors and every request that is not to a file: or data: URL, and to
read the DOM once the page has loaded.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


def available() -> bool:
    return os.access(CHROMIUM, os.X_OK)


@dataclass
class PageLoad:
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, log errors
    requests: list[str] = field(default_factory=list)  # every URL the page fetched
    result: object = None  # what the script evaluated after load returned

    @property
    def remote_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:"))]


class _Session:
    def __init__(self, ws):
        self.ws, self.ids, self.events = ws, itertools.count(1), []

    def call(self, method: str, session: str | None = None, **params):
        msg_id = next(self.ids)
        message = {"id": msg_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv(timeout=30))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(method)
            self.events.append(json.loads(self.ws.recv(timeout=remaining)))


@contextlib.contextmanager
def chromium(profile_dir: str):
    """A headless Chromium with remote debugging; yields its browser websocket URL."""
    port_file = os.path.join(profile_dir, "DevToolsActivePort")
    if os.path.exists(port_file):  # left by an earlier Chromium using this profile
        os.remove(port_file)
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile_dir}",
                             "--remote-debugging-port=0", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (os.path.isfile(port_file) and len(open(port_file).read().split()) >= 2):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Chromium did not start its DevTools server")
            time.sleep(0.1)
        port, path = open(port_file).read().split()[:2]
        yield f"ws://127.0.0.1:{port}{path}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def _page(profile_dir: str):
    """A new blank page in a fresh headless Chromium: (DevTools session, page session id),
    with the runtime, log, network and page events on."""
    from websockets.sync.client import connect

    with chromium(profile_dir) as browser_ws, connect(browser_ws, max_size=None) as ws:
        cdp = _Session(ws)
        target = cdp.call("Target.createTarget", url="about:blank")["targetId"]
        session = cdp.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            cdp.call(f"{domain}.enable", session)
        yield cdp, session


def load(url: str, profile_dir: str, script: str = "null") -> PageLoad:
    """Open ``url``, wait for its load event (and a moment for late errors), evaluate
    ``script`` in the page; what was logged and fetched on the way."""
    with _page(profile_dir) as (cdp, session):
        cdp.call("Page.navigate", session, url=url)
        cdp.wait_for("Page.loadEventFired")
        time.sleep(0.5)
        value = cdp.call("Runtime.evaluate", session, expression=script,
                         returnByValue=True)["result"].get("value")
        return _collect(cdp.events, value)


def _collect(events: list[dict], value) -> PageLoad:
    page = PageLoad(result=value)
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            page.errors.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                      for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            page.errors.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            page.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Network.requestWillBeSent":
            page.requests.append(params["request"]["url"])
        elif method == "Page.javascriptDialogOpening":
            page.errors.append(f"dialog: {params.get('type')} {params.get('message')}")
        elif method == "Network.loadingFailed":
            page.errors.append(f"network: {params.get('errorText')}")
    return page


def screenshot(url: str, png: str, profile_dir: str, size: str = "1280,2000") -> None:
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile_dir}", f"--screenshot={png}",
                    f"--window-size={size}", "--hide-scrollbars", url],
                   check=True, capture_output=True, timeout=120)


def distinct_colours(png: str) -> int:
    from PIL import Image

    with Image.open(png) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 24) or [])


class Tab:
    """One open page that a test drives: navigate, evaluate, click, screenshot; what it
    logged and fetched is collected over the whole session (``collect``)."""

    def __init__(self, cdp: _Session, session: str):
        self.cdp, self.session = cdp, session

    def _call(self, method: str, **params):
        return self.cdp.call(method, self.session, **params)

    def navigate(self, url: str, settle: float = 0.5) -> None:
        self.cdp.events.clear()
        self._call("Page.navigate", url=url)
        self.cdp.wait_for("Page.loadEventFired")
        time.sleep(settle)

    def evaluate(self, script: str):
        reply = self._call("Runtime.evaluate", expression=script, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{script}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def pump(self, seconds: float) -> None:
        """Let the page run (and its events arrive) for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                self.cdp.events.append(json.loads(self.cdp.ws.recv(timeout=remaining)))
            except TimeoutError:
                return

    def click(self, selector: str, settle: float = 0.5) -> None:
        """A real mouse click (DevTools input events) in the middle of ``selector``'s
        first match, then wait for the page it opens, if it opens one."""
        box = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                            " e.scrollIntoView({block: 'center'}); const r = "
                            "e.getBoundingClientRect(); return [r.x + r.width / 2, "
                            "r.y + r.height / 2]; })()")
        self.cdp.events.clear()
        for kind in ("mousePressed", "mouseReleased"):
            self._call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1],
                       button="left", clickCount=1)
        try:
            self.cdp.wait_for("Page.loadEventFired", timeout=10)
        except TimeoutError:  # a click that opens nothing
            pass
        time.sleep(settle)

    def screenshot(self, png: str) -> None:
        import base64

        data = self._call("Page.captureScreenshot", format="png",
                          captureBeyondViewport=True)["data"]
        with open(png, "wb") as f:
            f.write(base64.b64decode(data))

    def collect(self) -> PageLoad:
        """What went wrong and what was fetched since the last navigation or click."""
        return _collect(self.cdp.events, None)


@contextlib.contextmanager
def tab(profile_dir: str, width: int = 1280, height: int = 1000):
    """A headless Chromium page to drive (see Tab)."""
    with _page(profile_dir) as (cdp, session):
        cdp.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                 deviceScaleFactor=1, mobile=False)
        yield Tab(cdp, session)
