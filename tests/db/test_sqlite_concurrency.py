"""SQLite under concurrency: API writes and a worker process's writes on one database file.

A transaction begins IMMEDIATE (it takes the write lock first, waiting under the busy
timeout), so a read-then-write transaction never fails with "database is locked" because the
other process committed between its read and its write.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from tortoise.transactions import in_transaction

from app import create_app
from config import settings
from db.models import Enterprise, Event, Role
from domain.accounts.standing import session_cache
from domain.accounts.tokens import issue_token
from domain.world.importer import import_world_dir
from tests.factories import A, B, tiny_world, write_world
from tests.schema.helpers import make_user

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 24
COUNTER_ROUNDS = 150
INGEST = """mutation($input: MonitoringEventInput!) { ingestEvent(input: $input) {
  accepted duplicate errors { field code message } } }"""

# the worker process: processes each ingested event as it appears, and between events runs
# read-then-write transactions on a counter, as fast as it can
WORKER = textwrap.dedent(
    """
    import asyncio, json, sys
    from tortoise.transactions import in_transaction
    from db.connection import close_db, init_db
    from db.models import Event
    from domain.monitoring.events import process_event

    async def main(url, events, rounds):
        await init_db(url, create_schema=False)
        print("ready", flush=True)
        errors, done, counted = [], set(), 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while (len(done) < events or counted < rounds) and loop.time() < deadline:
            try:
                pending = await Event.filter(processed_at__isnull=True).values_list(
                    "event_id", flat=True)
                for event_id in pending:
                    await process_event(event_id=event_id)
                    if event_id.startswith("lock-"):
                        done.add(event_id)
                if counted < rounds:
                    async with in_transaction() as conn:
                        _, rows = await conn.execute_query("SELECT n FROM counter WHERE id = 1")
                        await asyncio.sleep(0.001)
                        await conn.execute_query(
                            "UPDATE counter SET n = ? WHERE id = 1", [rows[0]["n"] + 1])
                    counted += 1
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        await close_db()
        print(json.dumps({"errors": errors, "processed": len(done), "counted": counted,
                          "seconds": loop.time() - deadline + 60}))

    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
    """
)


def _event(n: int, uscc: str) -> dict[str, object]:
    return {"id": f"lock-{n}", "uscc": uscc, "type": "dishonest_listed",
            "occurredAt": "2025-03-01T08:00:00+00:00", "payload": {"n": n}}  # fmt: skip


async def _count_in_api_process(rounds: int) -> None:
    for _ in range(rounds):
        async with in_transaction() as conn:
            _, rows = await conn.execute_query("SELECT n FROM counter WHERE id = 1")
            await asyncio.sleep(0.001)
            await conn.execute_query("UPDATE counter SET n = ? WHERE id = 1", [rows[0]["n"] + 1])


async def test_api_and_worker_process_write_together_without_lock_errors(
    shared_db: str, tmp_path: Path
) -> None:
    if not shared_db.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    write_world(tiny_world(), tmp_path / "w")
    await import_world_dir(tmp_path / "w")
    await Enterprise.filter(uscc__in=[A, B]).update(registered=True)
    async with in_transaction() as conn:
        await conn.execute_script(
            "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
            "INSERT INTO counter VALUES (1, 0);"
        )
    feed = await make_user("feed@bank.cn", Role.SERVICE)
    s = settings()
    token = issue_token(
        feed,
        secret=s.jwt_secret, issuer=s.jwt_issuer, audience=s.jwt_audience, ttl_seconds=600,
    )  # fmt: skip
    session_cache.clear()
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER, shared_db, str(EVENTS), str(COUNTER_ROUNDS),
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert worker.stdout is not None
    assert (await asyncio.wait_for(worker.stdout.readline(), 60)).strip() == b"ready"
    app = create_app(init_database=False, background=False)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:

        async def ingest(n: int) -> dict[str, object]:
            await asyncio.sleep(0.02 * n)  # spread over the worker's run
            body = {"query": INGEST, "variables": {"input": _event(n, A if n % 2 else B)}}
            resp = await http.post("/graphql", json=body, headers=headers)
            return dict(resp.json())

        answers = await asyncio.gather(
            *(ingest(n) for n in range(EVENTS)), _count_in_api_process(COUNTER_ROUNDS)
        )
    out, err = await asyncio.wait_for(worker.communicate(), 90)
    assert worker.returncode == 0, err.decode()[-2000:]
    report = json.loads(out.decode().strip().splitlines()[-1])

    assert report["errors"] == []
    for answer in answers[:EVENTS]:
        assert answer == {"data": {"ingestEvent": {"accepted": True, "duplicate": False,
                                                   "errors": []}}}  # fmt: skip
    assert report["processed"] == EVENTS
    assert await Event.filter(processed_at__isnull=True).count() == 0
    async with in_transaction() as conn:
        _, rows = await conn.execute_query("SELECT n FROM counter WHERE id = 1")
    assert rows[0]["n"] == 2 * COUNTER_ROUNDS  # no update lost either
