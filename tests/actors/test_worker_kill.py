"""A worker process killed with SIGKILL mid-way: after a restart every event is processed once.

The worker runs as `python -m actors.worker` on a Redis broker with a private namespace and a
short heartbeat timeout, so the messages the dead worker held are redelivered quickly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from db.models import Event, OutboxMessage, RiskWarning, Role
from domain.messaging.publisher import split_url
from domain.monitoring.events import ingest_event
from tests.actors.conftest import redis_url
from tests.domain.monitoring.helpers import enterprise, user

pytestmark = [pytest.mark.redis, pytest.mark.slow]

FIRMS = 60
EVENTS_PER_FIRM = 3
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def broker_url() -> AsyncIterator[str]:
    """BROKER_URL for the worker: a private namespace, removed afterwards."""
    import redis.asyncio as aioredis

    base = redis_url()
    ns = f"ipcredit-test-{uuid.uuid4().hex[:10]}"
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}namespace={ns}&heartbeat_timeout=2000&maintenance_chance=100000"
    client = aioredis.Redis.from_url(split_url(base)[0])
    async for key in client.scan_iter(match=f"{ns}*"):
        await client.delete(key)
    await client.aclose()  # type: ignore[attr-defined]


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "actors.worker", "--threads", "4", "--queue", "default"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


async def processed() -> int:
    return await Event.filter(processed_at__isnull=False).count()


async def test_sigkill_mid_way_loses_nothing_and_duplicates_nothing(
    shared_db: str, broker_url: str, tmp_path: Path
) -> None:
    feed = await user("feed@bank.example", Role.SERVICE)
    firms = [await enterprise(700 + i, f"企业{i}") for i in range(FIRMS)]
    start = datetime.now(UTC) - timedelta(days=1)
    for round_ in range(EVENTS_PER_FIRM):
        for i, firm in enumerate(firms):
            await ingest_event(
                principal=feed, event_id=f"k-{i}-{round_}", uscc=firm.uscc, type="equity_frozen",
                occurred_at=start + timedelta(minutes=round_), payload={"round": round_},
            )  # fmt: skip
    total = FIRMS * EVENTS_PER_FIRM
    env: dict[str, Any] = {
        **os.environ, "BROKER_URL": broker_url, "DATABASE_URL": shared_db,
        "IPCREDIT_DATA_DIR": str(tmp_path / "data"), "IPCREDIT_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    deadline = time.monotonic() + 30
    while await processed() < total // 4:
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the worker made no progress\n" + log.read_text()
        await asyncio.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    done_at_kill = await processed()
    assert done_at_kill < total, "the kill came too late to test anything"

    worker = start_worker(env, log)
    try:
        deadline = time.monotonic() + 45
        while await processed() < total:
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"{await processed()}/{total}\n" + log.read_text()
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # let any redelivered duplicate run: it must change nothing
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=40)
        except subprocess.TimeoutExpired:
            worker.kill()

    warnings = await RiskWarning.all()
    assert len(warnings) == FIRMS
    assert sorted(w.enterprise_id for w in warnings) == sorted(f.id for f in firms)
    for w in warnings:
        events = [e["event_id"] for e in w.evidence["events"]]
        assert len(events) == len(set(events)) == EVENTS_PER_FIRM, events
        assert w.evidence["repeats"] == EVENTS_PER_FIRM - 1
    assert await OutboxMessage.filter(topic="warning").count() == FIRMS
    assert await OutboxMessage.filter(topic="process_event", published_at__isnull=True).count() == 0
