"""A real headless Chromium, driven over its DevTools pipe, for tests of HTML.

Why the DevTools protocol and not ``--window-size``: headless Chromium will
not make a window narrower than 500 CSS pixels, so a phone's 390-pixel
screen can only be had by device emulation
(``Emulation.setDeviceMetricsOverride`` with ``mobile``), which also makes
the page's viewport meta tag matter as it does on a phone.

``--remote-debugging-pipe`` speaks JSON messages ended by NUL over file
descriptors 3 (to the browser) and 4 (from it): no port, no network.
Every read has a deadline, and the browser is killed on the way out.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",  # we run as root; the pages are our own files
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium hangs trying to reach Google on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
)
MISSING = (
    "chromium is not installed, and the HTML report must be tested in a real browser. "
    "Install it with `sh tools/system-deps.sh` (as root), or `sudo apt-get install chromium`."
)

# Events that say the page logged something: console calls, uncaught
# exceptions, and the browser's entries (security, network, violations).
LOGGED = ("Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded")

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}


def find_chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    pass


class Browser:
    """One Chromium process with one tab. Use as a context manager."""

    def __init__(self, executable: str, profile_dir: Path, timeout: float = 30.0) -> None:
        self.timeout = timeout
        to_browser_r, self._out = os.pipe()
        self._in, from_browser_w = os.pipe()

        def place_fds() -> None:
            # In the child: the browser reads fd 3 and writes fd 4. Copy both
            # ends out of the way first, so that neither dup2 clobbers the other.
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self._proc = subprocess.Popen(
            [
                executable,
                *FLAGS,
                f"--user-data-dir={profile_dir}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Python's own descriptors are not inheritable: only 0-2, 3 and 4 pass.
            close_fds=False,
            preexec_fn=place_fds,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []  # every event read, for open_logged
        self.session = ""
        try:
            targets = self.send("Target.getTargets")["targetInfos"]
            page = next(t for t in targets if t["type"] == "page")
            attached = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)
            self.session = attached["sessionId"]
            self.send("Page.enable")
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._write({"id": -1, "method": "Browser.close"})
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait(timeout=5)
        for fd in (self._in, self._out):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _write(self, message: dict[str, Any]) -> None:
        os.write(self._out, json.dumps(message).encode() + b"\0")

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise BrowserError(f"chromium did not answer within {self.timeout} s")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed its DevTools pipe (it crashed or exited)")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        if "method" in message:
            self.log.append(message)
        return message

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result; events are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        self._write(message)
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if "method" in answer:
                self._events.append(answer)

    def wait_for(self, event: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            for i, seen in enumerate(self._events):
                if seen.get("method") == event:
                    del self._events[: i + 1]
                    return seen
            self._events.append(self._read(deadline))

    def open(self, path: Path, device: dict[str, Any]) -> None:
        """Show the file at ``path`` on ``device`` (PHONE or DESKTOP) and wait for load."""
        self.send("Emulation.setDeviceMetricsOverride", **device)
        self._events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")

    def open_logged(self, path: Path, device: dict[str, Any]) -> list[dict[str, Any]]:
        """``open``, returning what was logged while the page loaded: console
        calls, uncaught exceptions, and the browser's own entries (a resource
        the Content-Security-Policy refused, a failed load). Empty for a
        clean page."""
        self.send("Log.enable")
        self.send("Runtime.enable")
        self.log.clear()
        self.open(path, device)
        self.evaluate("0")  # a round trip: whatever was logged before it has been read
        return [m for m in self.log if m.get("method") in LOGGED]

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (run from outside it:
        the page's own Content-Security-Policy does not apply)."""
        answer = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression!r} raised: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        """A PNG of the page (all of it when ``full_page``)."""
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=full_page)[
            "data"
        ]
        path.write_bytes(base64.b64decode(data))
        return path
