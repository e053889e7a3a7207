"""Commands and broker set-up: replay from the command line, brokers by URL, retries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import dramatiq
import pytest
from dramatiq import Broker

from db.models import DeadLetter
from tests.domain.monitoring.helpers import make_portfolio

ROOT = Path(__file__).resolve().parents[2]

CLI = """
import argparse, sys
from actors.commands import register, register_world
parser = argparse.ArgumentParser(prog="ipcredit")
sub = parser.add_subparsers(dest="command", required=True)
register(sub)
world = sub.add_parser("world").add_subparsers(dest="world_command", required=True)
register_world(world)
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""


def cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *argv], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


async def test_world_replay_command_ingests_and_processes_inline(
    shared_db: str, tmp_path: Path
) -> None:
    if not shared_db.startswith("sqlite"):
        pytest.skip("runs on the SQLite file")
    p = await make_portfolio()
    world = tmp_path / "world"
    world.mkdir()
    rows = [
        {"id": "r2", "uscc": p.a.uscc, "occurred_at": "2025-02-01T00:00:00+00:00",
         "type": "equity_frozen", "payload": {}},
        {"id": "r1", "uscc": p.b.uscc, "occurred_at": "2025-01-01T00:00:00+00:00",
         "type": "legal_rep_changed", "payload": {}},
    ]  # fmt: skip
    (world / "events.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    env = {**os.environ, "DATABASE_URL": shared_db, "IPCREDIT_DATA_DIR": str(tmp_path / "d")}
    env.pop("BROKER_URL", None)
    done = cli("world", "replay", str(world), "--inline", "--json", env=env)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert (counts["accepted"], counts["rejected"]) == (2, 0)
    assert counts["processed_inline"] >= 2
    assert "replayed 2 events" in done.stderr
    from db.models import RiskWarning

    kinds = await RiskWarning.all().order_by("id").values_list("kind", flat=True)
    assert kinds[:2] == ["legal_rep_changed", "equity_frozen"]
    again = cli("world", "replay", str(world), "--json", env=env)
    assert json.loads(again.stdout)["duplicates"] == 2
    missing = cli("world", "replay", str(tmp_path / "nowhere"), env=env)
    assert missing.returncode == 2


def test_worker_and_scheduler_need_a_real_broker(tmp_path: Path) -> None:
    env = {**os.environ, "IPCREDIT_DATA_DIR": str(tmp_path)}
    env.pop("BROKER_URL", None)
    for command in (("worker",), ("scheduler",)):
        done = cli(*command, env=env)
        assert done.returncode == 2 and "BROKER_URL is not set" in done.stderr


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (None, "StubBroker"),
        ("redis://127.0.0.1:6379/15?namespace=x&heartbeat_timeout=5000", "RedisBroker"),
        ("amqp://guest:guest@127.0.0.1:5672/", "RabbitmqBroker"),
    ],
)
def test_brokers_by_url(url: str | None, kind: str) -> None:
    from actors.broker import build_broker
    from actors.middleware import AsyncOrm, DeadLetters

    broker = build_broker(url)
    assert type(broker).__name__ == kind
    names = [type(m).__name__ for m in broker.middleware]
    assert names.index("DeadLetters") < names.index("Retries")
    assert any(isinstance(m, AsyncOrm) for m in broker.middleware)
    assert any(isinstance(m, DeadLetters) for m in broker.middleware)
    if kind == "RedisBroker":
        assert broker.namespace == "x" and broker.heartbeat_timeout == 5000  # type: ignore[attr-defined]


def test_an_unknown_broker_url_is_refused() -> None:
    from actors.broker import build_broker

    with pytest.raises(ValueError, match="BROKER_URL"):
        build_broker("kafka://somewhere")


async def test_transient_failures_retry_then_land_in_dead_letters(
    shared_db: str, stub_broker: Broker
) -> None:
    from actors.runtime import Runtime

    calls: list[int] = []

    async def flaky(n: int) -> None:
        calls.append(n)
        raise ConnectionError("database went away")

    if "flaky_for_test" not in stub_broker.get_declared_actors():
        dramatiq.actor(
            actor_name="flaky_for_test", broker=stub_broker, max_retries=2, min_backoff=10,
            max_backoff=20,
        )(flaky)  # fmt: skip
    actor: Any = stub_broker.get_actor("flaky_for_test")
    actor.fn = dramatiq.asyncio.async_to_sync(flaky)
    runtime = Runtime(database_url=shared_db, worker_threads=1, scheduler=False)
    await runtime.start()
    try:
        actor.send(7)
        deadline = time.monotonic() + 20
        while not await DeadLetter.filter(actor="flaky_for_test").exists():
            assert time.monotonic() < deadline, calls
            await _sleep()
    finally:
        await runtime.stop()
    letter = await DeadLetter.get(actor="flaky_for_test")
    assert calls == [7, 7, 7]
    assert letter.args == [7] and "gave up after 3 failed attempts" in letter.error


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.05)
