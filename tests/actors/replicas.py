"""A production deployment in miniature: API replicas (`ipcredit serve`) and workers
(`python -m actors.worker`) as real processes over one database, a broker and a pub/sub.

Everything started here is stopped by its process id when the block ends, whatever happens.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.models import Enterprise, Role
from domain.accounts import service as accounts
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
INGEST = """mutation($input: MonitoringEventInput!) {
  ingestEvent(input: $input) { accepted errors { code message } } }"""
WARNINGS = "subscription($after: String) { warnings(after: $after) { id cursor } }"
RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def port_open(url: str, default: int) -> bool:
    """Whether something listens where the URL points."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default), 1):
            return True
    except OSError:
        return False


def with_query(url: str, **params: str) -> str:
    """The URL with query parameters added."""
    sep = "&" if "?" in url else "?"
    return url + sep + "&".join(f"{k}={v}" for k, v in params.items())


def namespace() -> str:
    """A private key prefix / channel for one test."""
    return f"ipcredit-test-{uuid.uuid4().hex[:10]}"


async def drop_namespace(name: str) -> None:
    """Remove a namespace's keys from the shared Redis (when the run has one)."""
    url = os.environ.get("REDIS_URL")
    if url:
        import redis.asyncio as aioredis

        from domain.messaging.publisher import split_url

        client = aioredis.Redis.from_url(split_url(url)[0])
        async for key in client.scan_iter(match=f"{name}*"):
            await client.delete(key)
        await client.aclose()  # type: ignore[attr-defined]


@dataclass
class Seeded:
    """Tokens of an event feed (SERVICE) and a risk manager, and a firm to raise events on."""

    feed: str
    staff: str
    usccs: list[str] = field(default_factory=list)


async def seed(firms: int = 3) -> Seeded:
    """Users and firms in the current database (the one the processes will share)."""
    from tests.domain.accounts.otp import enrol, fresh_code
    from tests.domain.monitoring.helpers import enterprise

    made: list[Enterprise] = [await enterprise(800 + i, f"企业{i}") for i in range(firms)]
    await accounts.create_staff_user(email="feed@bank.cn", password=PASSWORD, role=Role.SERVICE)
    feed = (await accounts.login(email="feed@bank.cn", password=PASSWORD)).token
    risk = await accounts.create_staff_user(
        email="risk@bank.cn", password=PASSWORD, role=Role.RISK_MANAGER
    )
    code = await fresh_code(risk.id, await enrol(risk))
    staff = (await accounts.login(email="risk@bank.cn", password=PASSWORD, otp=code)).token
    assert feed is not None and staff is not None
    return Seeded(feed, staff, [e.uscc for e in made])


def environment(tmp: Path, **extra: str | None) -> dict[str, str]:
    """The processes' environment: this one's, with `extra` set (None removes a variable)."""
    env = {**os.environ, "IPCREDIT_DATA_DIR": str(tmp / "data"), "IPCREDIT_LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    for key in ("BROKER_URL", "PUBSUB_URL"):
        env.pop(key, None)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class Processes:
    """Started processes, each with its log; `stop` ends them all."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.env = env
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = self.tmp / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.started.append((process, log))
        return process

    def api(self, name: str) -> str:
        """Start `ipcredit serve` on a free port; its base URL."""
        port = free_port()
        self.start(name, [sys.executable, "-m", "cli", "serve", "--port", str(port)])
        return f"http://127.0.0.1:{port}"

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        """Start one worker process on the light queue (no torch)."""
        command = [sys.executable, "-m", "actors.worker", "--threads", "2", "--queue", "default"]
        return self.start(name, command)

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for _, log in self.started)

    def check(self) -> None:
        for process, log in self.started:
            assert process.poll() is None, f"{log.name} exited\n{self.logs()}"

    def stop(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.terminate()
        for process, _ in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def deployment(tmp: Path, **env: str | None) -> Iterator[Processes]:
    """Processes started in the block, stopped at its end."""
    processes = Processes(tmp, environment(tmp, **env))
    try:
        yield processes
    finally:
        processes.stop()


async def wait_ready(processes: Processes, url: str, *, path: str = "/readyz") -> None:
    """Wait until the API answers 200 on `path`."""
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        while True:
            processes.check()
            assert time.monotonic() < deadline, "never ready\n" + processes.logs()
            try:
                if (await client.get(path)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


def event(event_id: str, uscc: str) -> dict[str, Any]:
    """An ingestEvent input that raises a warning."""
    return {"id": event_id, "uscc": uscc, "type": "equity_frozen",
            "occurredAt": datetime.now(UTC).isoformat(), "payload": {}}  # fmt: skip


async def ingest(client: httpx.AsyncClient, token: str, event_id: str, uscc: str) -> float:
    """Ingest one event over HTTP; the seconds the request took."""
    started = time.monotonic()
    answer = await client.post(
        "/graphql",
        json={"query": INGEST, "variables": {"input": event(event_id, uscc)}},
        headers={"Authorization": f"Bearer {token}"},
    )
    took = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["ingestEvent"] == {"accepted": True, "errors": []}, answer.text
    return took


class WarningsFeed:
    """The `warnings` subscription on one replica, over graphql-transport-ws."""

    def __init__(self, url: str, token: str, after: str | None = None) -> None:
        self.url = url.replace("http://", "ws://") + "/graphql"
        self.token = token
        self.after = after
        self.socket: Any = None
        self.errors: list[Any] = []

    async def __aenter__(self) -> WarningsFeed:
        from websockets.asyncio.client import connect

        self.socket = await connect(self.url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
        auth = {"authorization": f"Bearer {self.token}"}
        await self.socket.send(json.dumps({"type": "connection_init", "payload": auth}))
        ack = json.loads(await asyncio.wait_for(self.socket.recv(), 30))
        assert ack.get("type") == "connection_ack", ack
        payload = {"query": WARNINGS, "variables": {"after": self.after}}
        await self.socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.socket.close()

    async def next(self, seconds: float) -> dict[str, Any] | None:
        """The next warning pushed (`id`, `cursor`); None when the stream ended (an error
        result, kept in `errors`, or the end of the subscription)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), seconds))
            if message.get("type") == "next":
                if message["payload"].get("errors"):
                    self.errors.append(message["payload"]["errors"])
                    return None
                warning: dict[str, Any] = message["payload"]["data"]["warnings"]
                return warning
            if message.get("type") in ("error", "complete"):
                return None


class BlackHole:
    """A TCP server that accepts every connection and never answers (nor closes)."""

    def __init__(self, port: int | None = None) -> None:
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", port or 0))
        self.server.listen(128)
        self.port: int = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        """Stop accepting and drop every held connection (the port is free afterwards)."""
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self.held:
            conn.close()
        self.server.close()


@contextmanager
def redis_server(port: int, directory: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A Redis of this test's own on `port`, persisting every write (stopped by its pid)."""
    directory.mkdir(parents=True, exist_ok=True)
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "yes", "--appendfsync", "always", "--dir", str(directory)]  # fmt: skip
    with (directory / "redis.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not port_open(f"redis://127.0.0.1:{port}", port):
            assert process.poll() is None, (directory / "redis.log").read_text()
            assert time.monotonic() < deadline, "Redis did not start"
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def need_own_redis() -> None:
    """Skip when there is no redis-server to start (or no REDIS_URL: no Redis in this run)."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set")
    import shutil

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
