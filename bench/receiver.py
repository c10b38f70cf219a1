"""A webhook receiver for `bench/delivery.py`, run in a process of its own: it answers 200 to
every POST and keeps (path, webhook-id, receipt time); `GET /stats` returns them, `DELETE
/stats` forgets them. `POST /close` holds every webhook's answer until `POST /open`, so a
backlog can pile up in the sender's outbox. A raw ASGI app under uvicorn: the sender, not
the receiver, is measured.

Usage: python -m bench.receiver PORT
"""

import asyncio
import sys
import time
from typing import Any

import orjson
import uvicorn

received: list[tuple[str, str, float]] = []
gate = asyncio.Event()  # bound to the server's loop when first awaited
gate.set()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    method, path = scope["method"], scope["path"]
    body = b"ok"
    if method == "POST" and path == "/close":
        gate.clear()
    elif method == "POST" and path == "/open":
        gate.set()
    elif method == "POST":
        await gate.wait()
        at = time.time()
        headers = dict(scope["headers"])
        received.append((path, headers.get(b"webhook-id", b"").decode(), at))
    elif path == "/stats" and method == "GET":
        body = orjson.dumps(received)
    elif path == "/stats" and method == "DELETE":
        received.clear()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", loop="uvloop")
