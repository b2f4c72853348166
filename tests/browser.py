"""A headless Chromium driven over the DevTools protocol: enough to load a page of the Dagster UI, wait
until something is rendered, read the rendered text and keep a screenshot. Starts its own browser with
a fresh profile and stops exactly that process group."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1600,1000", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One page of a headless Chromium; use as a context manager."""

    def __init__(self, executable: str, timeout: float = 60.0) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="lester-chromium-"))
        with open(self.profile / "chromium.log", "w") as log:  # the child has its own descriptor
            self.process = subprocess.Popen(
                [executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True, preexec_fn=_default_signals,
            )
        port = self._devtools_port(timeout)
        pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(p for p in pages if p["type"] == "page")
        self.stack = ExitStack()
        self.socket = self.stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=timeout))
        self.ids = itertools.count(1)
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _devtools_port(self, timeout: float) -> int:
        # with port 0 Chromium picks a free port and writes it to the profile
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited: {(self.profile / 'chromium.log').read_text()[-2000:]}")
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def text(self) -> str:
        result = self.call("Runtime.evaluate", expression="document.body ? document.body.innerText : ''", returnByValue=True)
        return result["result"].get("value", "")

    def click_text(self, text: str) -> bool:
        """Clicks the innermost visible element whose text is exactly `text`."""
        script = f"""(() => {{
            const all = [...document.querySelectorAll('button, a, span, div')]
                .filter(e => e.innerText && e.innerText.trim() === {json.dumps(text)} && e.offsetParent !== null);
            if (!all.length) return false;
            all[all.length - 1].click();
            return true;
        }})()"""
        return bool(self.call("Runtime.evaluate", expression=script, returnByValue=True)["result"].get("value"))

    def scroll_to(self, text: str) -> bool:
        """Scrolls the innermost element whose text contains `text` into view."""
        script = f"""(() => {{
            const all = [...document.querySelectorAll('*')]
                .filter(e => e.children.length === 0 && e.textContent.includes({json.dumps(text)}));
            if (!all.length) return false;
            all[0].scrollIntoView({{block: 'start'}});
            return true;
        }})()"""
        return bool(self.call("Runtime.evaluate", expression=script, returnByValue=True)["result"].get("value"))

    def wait_for_text(self, *needles: str, timeout: float = 90.0, screenshot: Path | None = None) -> str:
        """The page's text once it shows every needle; else fails, keeping a screenshot of what it shows."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if all(n in text for n in needles):
                return text
            time.sleep(0.5)
        if screenshot is not None:
            self.screenshot(screenshot.with_name(f"FAILED-{screenshot.name}"))
        missing = [n for n in needles if n not in text]
        raise AssertionError(f"the page never showed {missing}; it shows:\n{text[:3000]}")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.stack.close()
        finally:
            for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
