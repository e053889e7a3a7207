"""A real data platform for tests: `ipcredit provider serve`'s application under uvicorn in a
thread, in front of which a test can plan misbehaviour (slow, failing, malformed answers)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cli.provider import build_app
from tests.live_server import free_port


@dataclass
class Faults:
    """Planned answers by path prefix, used up one per request, and the requests counted."""

    plans: dict[str, deque[str]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)

    def plan(self, prefix: str, *actions: str) -> None:
        """Answer the next requests under `prefix` so: `ok`, `slow:<seconds>`, `500`,
        `malformed`, `shape`, `404`, `403`."""
        self.plans.setdefault(prefix, deque()).extend(actions)

    def next(self, path: str) -> str:
        for prefix, actions in self.plans.items():
            if path.startswith(prefix) and actions:
                return actions.popleft()
        return "ok"

    def count(self, prefix: str) -> int:
        """Requests seen under `prefix`."""
        return sum(n for path, n in self.hits.items() if path.startswith(prefix))

    def reset(self) -> None:
        self.plans.clear()
        self.hits.clear()


class Faulty:
    """Passes requests to the platform unless a fault is planned for them."""

    def __init__(self, app: ASGIApp, faults: Faults):
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        self.faults.hits[path] += 1
        action = self.faults.next(path)
        response: Response | None = None
        if action.startswith("slow:"):
            await asyncio.sleep(float(action.split(":", 1)[1]))
        elif action in ("500", "403", "404"):
            response = JSONResponse({"error": "planned"}, status_code=int(action))
        elif action == "malformed":
            response = Response(b'{"uscc": "91', media_type="application/json")
        elif action == "shape":
            uscc = path.rsplit("/", 1)[1]
            response = JSONResponse({"uscc": uscc, "source": path.split("/")[2], "rows": [1, 2]})
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)


@contextmanager
def platform(world: Path, *, token: str | None = None) -> Iterator[tuple[str, Faults]]:
    """Serve `world` on a free loopback port; yields its base URL and its fault plan."""
    faults = Faults()
    app = Faulty(build_app(world, token=token), faults)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test data platform did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", faults
    finally:
        server.should_exit = True
        thread.join(10)
