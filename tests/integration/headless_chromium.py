"""Debian's chromium, headless, driven over the DevTools protocol (aiohttp's websocket client):
open a page, collect its console messages and exceptions, look at its images, screenshot it.

Started with a fresh profile, no background networking, on loopback; stopped by its pid."""

import asyncio
import base64
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)


@dataclass
class PageLook:
    images: list[dict[str, Any]]
    console: list[str] = field(default_factory=list)
    screenshot: bytes = b""


def look_at(page: Path, timeout: float = 60) -> PageLook:
    with tempfile.TemporaryDirectory() as profile:
        browser = subprocess.Popen(
            ["chromium", *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout
            while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
                assert browser.poll() is None, "chromium exited"
                assert time.monotonic() < deadline, "chromium did not open its DevTools port"
                time.sleep(0.1)
            port = int(port_file.read_text().splitlines()[0])
            return asyncio.run(asyncio.wait_for(_drive(port, page), timeout))
        finally:
            _stop(browser)


def _stop(browser: subprocess.Popen[bytes]) -> None:
    """Kill the browser's own process group (its renderers too) and wait until it is gone,
    so that its profile can be removed."""
    group = browser.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    browser.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


async def _drive(port: int, page: Path) -> PageLook:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/json/list") as answer:
            targets = await answer.json(content_type=None)
        url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        async with http.ws_connect(url, max_msg_size=0) as socket:
            cdp = _Cdp(socket)
            for domain in ("Page", "Runtime", "Log"):
                await cdp.call(f"{domain}.enable")
            await cdp.call("Page.navigate", url=page.resolve().as_uri())
            await cdp.wait_for("Page.loadEventFired")
            found = await cdp.call(
                "Runtime.evaluate",
                expression="JSON.stringify(Array.from(document.images).map(i => ({alt: i.alt, "
                "complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})))",
                returnByValue=True,
            )
            shot = await cdp.call(
                "Page.captureScreenshot", format="png", captureBeyondViewport=True
            )
            return PageLook(
                json.loads(found["result"]["value"]), cdp.console, base64.b64decode(shot["data"])
            )


class _Cdp:
    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.next_id = 0
        self.console: list[str] = []
        self.events: list[str] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        await self.socket.send_json({"id": self.next_id, "method": method, "params": params})
        while True:
            message = await self._receive()
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result

    async def wait_for(self, method: str) -> None:
        while method not in self.events:
            await self._receive()

    async def _receive(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads((await self.socket.receive()).data)
        method = message.get("method")
        if method is not None:
            self.events.append(method)
            params = message.get("params", {})
            if method == "Runtime.consoleAPICalled":
                self.console.append(f"console.{params.get('type')}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                self.console.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                self.console.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        return message
