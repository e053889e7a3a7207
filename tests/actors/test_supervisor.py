"""The app's worker process: the control channel, supervision, and readiness."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from actors import supervisor
from actors.control import ControlChannel
from actors.supervisor import WorkerProcess
from domain.messaging import outbox

# stands in for actors.embedded: reports ready, then serves until SIGTERM or end of file
FAKE_WORKER = r"""
import json, os, signal, socket, sys, time
fd = int(sys.argv[sys.argv.index("--control-fd") + 1])
sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET, fileno=fd)
mode = os.environ.get("FAKE_MODE", "ok")
if mode == "crash":
    sys.exit(3)
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(float(os.environ.get("FAKE_DELAY", "0")))
sock.send(json.dumps({"type": "ready", "graph": {"state": "scored"}}).encode())
while True:
    data = sock.recv(100)
    if not data:
        sys.exit(0)
    if json.loads(data)["type"] == "wake":
        sock.send(b'{"type": "wake"}')
"""


def _fake(mode: str = "ok", delay: float = 0.0) -> WorkerProcess:
    env = {**os.environ, "FAKE_MODE": mode, "FAKE_DELAY": str(delay)}
    return WorkerProcess(command=[sys.executable, "-c", FAKE_WORKER], env=env)


async def _until(check: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(supervisor, "BACKOFF_SECONDS", (0.05, 0.1))
    monkeypatch.setattr(supervisor, "STOP_SECONDS", 1.0)


async def test_the_channel_carries_messages_and_reports_the_end() -> None:
    ours, theirs = ControlChannel.pair()
    other = ControlChannel(theirs)
    got: list[dict[str, Any]] = []
    closed = asyncio.Event()
    ours.listen(asyncio.get_running_loop(), got.append, closed.set)
    assert other.send({"type": "ready", "graph": {"state": "none"}})
    other.wake()
    await _until(lambda: len(got) == 2)
    assert got == [{"type": "ready", "graph": {"state": "none"}}, {"type": "wake"}]
    other.close()
    await asyncio.wait_for(closed.wait(), 5)
    assert not other.send({"type": "wake"})
    ours.close()


async def test_not_ready_until_the_worker_says_so_then_woken_both_ways() -> None:
    workers = _fake(delay=0.5)
    woken: list[int] = []
    local = outbox.wake_local

    def counting() -> None:
        woken.append(1)
        local()

    await workers.start()
    try:
        assert workers.state == "starting" and not workers.ready
        await _until(lambda: workers.ready)
        assert workers.report == {"graph": {"state": "scored"}}
        outbox.wake_local = counting  # type: ignore[assignment]
        outbox.notify()  # reaches the worker, whose answer wakes this process's dispatchers
        await _until(lambda: len(woken) >= 1)
    finally:
        outbox.wake_local = local  # type: ignore[assignment]
        await workers.stop()
    assert workers.state == "stopped"


async def test_a_dead_worker_is_restarted() -> None:
    workers = _fake()
    await workers.start()
    try:
        await _until(lambda: workers.ready)
        first = workers.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        await _until(lambda: workers.state == "restarting")
        await _until(lambda: workers.ready and workers.pid != first)
        assert workers.restarts == 1
    finally:
        await workers.stop()


async def test_a_crashing_worker_is_retried_with_pauses() -> None:
    workers = _fake(mode="crash")
    started = time.monotonic()
    await workers.start()
    try:
        # the fourth restart is counted after three pauses (0.05, 0.1, 0.1) have passed; the
        # third is counted before its own pause, so waiting for it alone was a race
        await _until(lambda: workers.restarts >= 4)
    finally:
        await workers.stop()
    assert not workers.ready
    assert time.monotonic() - started >= 0.05 + 0.1 + 0.1


async def test_stop_kills_a_worker_that_ignores_sigterm() -> None:
    workers = _fake(mode="stubborn")
    await workers.start()
    await _until(lambda: workers.ready)
    pid = workers.pid
    assert pid is not None
    started = time.monotonic()
    await workers.stop()
    assert time.monotonic() - started >= supervisor.STOP_SECONDS
    assert _gone(pid)


async def test_readyz_waits_for_the_worker_process(db: str) -> None:
    from app import readyz

    app = Starlette(routes=[Route("/readyz", readyz)])
    app.state.workers = _fake(delay=0.5)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    await app.state.workers.start()
    try:
        starting = await client.get("/readyz")
        assert starting.status_code == 503
        assert starting.json()["workers"] == "starting"
        await _until(lambda: app.state.workers.ready)
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        body = ready.json()
        assert body["workers"] == "ok" and body["models"] == {"graph": {"state": "scored"}}
        assert body["worker_process"]["pid"] == app.state.workers.pid
    finally:
        await app.state.workers.stop()


def _spawn(fd: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [*supervisor.worker_command(), "--control-fd", str(fd)]
    return subprocess.Popen(command, pass_fds=(fd,), env=env)


async def test_the_worker_process_stops_when_the_app_is_gone(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path / 'w.sqlite3'}",
        "IPCREDIT_DATA_DIR": str(tmp_path / "data"),
        "IPCREDIT_LOG_LEVEL": "WARNING",
    }
    env.pop("BROKER_URL", None)
    ours, theirs = ControlChannel.pair()
    process = _spawn(theirs.fileno(), env)
    theirs.close()
    got: list[dict[str, Any]] = []
    ours.listen(asyncio.get_running_loop(), got.append, lambda: None)
    try:
        await _until(lambda: any(m["type"] == "ready" for m in got), within=120)
        [ready] = [m for m in got if m["type"] == "ready"]
        assert ready["graph"]["state"] == "none" and ready["scorecard"]["state"] == "none"
        ours.close()  # as if the app died
        await asyncio.to_thread(process.wait, 30)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
