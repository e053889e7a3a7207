"""`ipcredit serve`: the API process stays quiet, its worker process does the work.

Served for real: a seeded SQLite file, a graph model in the data directory, a free port.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.models import Event, Role
from domain.accounts import service as accounts
from domain.world.importer import import_world_dir
from gnn import registry
from tests.factories import tiny_world, write_world
from tests.gnn.conftest import Trained, trained  # noqa: F401 - the shared trained model
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
INGEST = """mutation($input: MonitoringEventInput!) {
  ingestEvent(input: $input) { accepted errors { code message } } }"""


@contextmanager
def serving(database_url: str, data_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`ipcredit serve` on a free port; stopped (by its pid) whatever happens."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "IPCREDIT_DATA_DIR": str(data_dir),
        "IPCREDIT_LOG_LEVEL": "WARNING",
    }
    env.pop("BROKER_URL", None)
    command = [sys.executable, "-m", "cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def _ready(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while True:
        assert process.poll() is None, "serve exited"
        assert time.monotonic() < deadline, "never ready"
        try:
            answer = await client.get("/readyz")
        except httpx.TransportError:
            answer = None
        if answer is not None and answer.status_code == 200:
            body: dict[str, Any] = answer.json()
            return body
        await asyncio.sleep(0.1)


async def _processed(event_id: str) -> bool:
    """Read through this process's own connection to the served database (SQLite or PG)."""
    return await Event.filter(event_id=event_id, processed_at__isnull=False).exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _parent_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("PPid:")[1].split()[0])


@pytest.fixture
async def seeded(shared_db: str, data_dir: Path, tmp_path: Path, trained: Trained) -> str:  # noqa: F811
    """The tiny world, a staff member and a graph model; returns the staff member's token."""
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await accounts.create_staff_user(email="feed@bank.cn", password=PASSWORD, role=Role.SERVICE)
    registry.save_model(trained.model, data_dir, metrics={}, data_hash="0" * 64)
    token = (await accounts.login(email="feed@bank.cn", password=PASSWORD)).token
    assert token is not None
    return token


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads process parents from /proc")
async def test_serve_runs_the_work_in_a_worker_process_it_stops(
    seeded: str, shared_db: str, data_dir: Path
) -> None:
    with serving(shared_db, data_dir) as (process, url):
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            ready = await _ready(client, process)
            graph = ready["models"]["graph"]
            assert graph["state"] == "scored" and graph["enterprises"] == 3
            assert ready["workers"] == "ok"
            child = ready["worker_process"]["pid"]
            assert _parent_of(child) == process.pid
            metrics = (await client.get("/metrics")).text
            assert "ipcredit_worker_threads 0.0" in metrics
            uscc = tiny_world()["enterprises"][0]["uscc"]
            event = {"id": "served-1", "uscc": uscc, "type": "equity_frozen",
                     "occurredAt": datetime.now(UTC).isoformat(), "payload": {}}  # fmt: skip
            answer = await client.post(
                "/graphql",
                json={"query": INGEST, "variables": {"input": event}},
                headers={"Authorization": f"Bearer {seeded}"},
            )
            assert answer.json()["data"]["ingestEvent"] == {"accepted": True, "errors": []}
            deadline = time.monotonic() + 30
            while not await _processed("served-1"):
                assert time.monotonic() < deadline, json.dumps(ready)
                await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then dies of the signal it caught
        assert await asyncio.to_thread(process.wait, 60) in (0, -signal.SIGTERM)
        assert not _alive(child)
