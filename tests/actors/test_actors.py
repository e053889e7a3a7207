"""Actors through their coroutines, the outbox routing, and round trips on the embedded broker."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from dramatiq import Broker, Message

from actors.application import do_assess_application
from actors.dispatch import broker_send, drain_inline
from actors.graph_risk import do_run_contagion
from actors.monitoring import do_monitor_borrowers, do_process_event
from db.models import DeadLetter, Event, OutboxMessage, RiskWarning
from domain.messaging import publisher as pub
from domain.messaging.outbox import Undeliverable, dispatch_pending
from domain.monitoring.events import ingest_event
from domain.monitoring.feed import subscribe_warnings
from tests.domain.monitoring.helpers import T0, Portfolio, appraise, make_portfolio


@pytest.fixture
async def portfolio(db: str, data_dir: Any) -> Portfolio:
    return await make_portfolio()


async def ingest(p: Portfolio, event_id: str, type_: str, **payload: Any) -> None:
    await ingest_event(principal=p.feed, event_id=event_id, uscc=p.a.uscc, type=type_,
                       occurred_at=T0, payload=payload)  # fmt: skip


async def test_actor_coroutines_call_the_domain(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    import domain.monitoring.contagion as contagion

    async def no_model(uscc: str, *, hops: int) -> contagion.Exposures:
        return contagion.Exposures(
            tuple(await contagion.walk_exposures(uscc, hops=hops, kinds=["guarantee"])),
            "walk", None, "graph model not available (test)",
        )  # fmt: skip

    monkeypatch.setattr(contagion, "find_exposures", no_model)
    await ingest(portfolio, "ev-1", "dishonest_listed")
    await do_process_event("ev-1")
    await do_process_event("ev-1")
    [warning] = await RiskWarning.all()
    await do_run_contagion(warning.id)
    assert await RiskWarning.filter(kind="contagion").count() == 1
    await appraise(portfolio.patents["a"], "100")
    await do_monitor_borrowers([portfolio.a.id])
    assert await RiskWarning.filter(kind="ltv_shortfall").count() == 1
    # an application that is not submitted is left alone
    await do_assess_application(portfolio.loans["a"].application_id)  # type: ignore[attr-defined]


class Recorder:
    """Stands in for a broker: records what would be sent to which actor."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def get_actor(self, name: str) -> Any:
        outer = self

        class _Actor:
            def send_with_options(self, *, args: tuple[Any, ...], **options: Any) -> None:
                outer.sent.append((name, args, options))

        return _Actor()


async def test_outbox_topics_go_to_their_actor_or_the_subscribers(
    db: str, hub: pub.InProcessPublisher
) -> None:
    recorder = Recorder()
    send = broker_send(recorder)  # type: ignore[arg-type]
    sub = await hub.subscribe({"warning"})
    await send("process_event", {"event_id": "ev-1", "request_id": "rq-7"})
    await send("assess_application", {"application_id": 3, "request_id": None})
    await send("monitor_borrowers", {"enterprise_ids": [4, 5]})
    await send("run_contagion", {"warning_id": 6})
    await send("warning", {"warning_id": 6})
    assert recorder.sent == [
        ("process_event", ("ev-1",), {"request_id": "rq-7"}),
        ("assess_application", (3,), {}),
        ("monitor_borrowers", ([4, 5],), {}),
        ("run_contagion", (6,), {}),
    ]
    assert (await sub.get()).payload == {"warning_id": 6}
    for topic, payload in (("mystery", {}), ("process_event", {"nope": 1})):
        with pytest.raises(Undeliverable):
            await send(topic, payload)


def test_importing_actors_does_not_load_torch() -> None:
    code = (
        "import sys, actors.all, actors.worker, actors.runtime, actors.scheduler, cli.workers,"
        " actors.embedded, actors.supervisor, actors.control;"
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


async def wait_for(check: Any, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_round_trip_on_worker_threads_to_a_subscriber(
    shared_db: str, stub_broker: Broker, hub: pub.InProcessPublisher
) -> None:
    from actors.runtime import Runtime

    p = await make_portfolio()
    runtime = Runtime(database_url=shared_db, worker_threads=2, scheduler=False)
    await runtime.start()
    try:
        assert runtime.mode == "threads"
        feed = subscribe_warnings(principal=p.staff, after_id=0)
        started = time.perf_counter()
        await ingest(p, "ev-1", "dishonest_listed")
        warning = await asyncio.wait_for(anext(feed), timeout=10)
        latency = time.perf_counter() - started
        assert (warning.kind, warning.enterprise_id) == ("dishonest_listed", p.a.id)
        # contagion ran on the gnn queue (no trained model here: the relation walk)
        contagion = await asyncio.wait_for(anext(feed), timeout=60)
        assert contagion.kind == "contagion" and contagion.enterprise_id == p.b.id
        await feed.aclose()
        assert latency < 5
        # a business error is not retried and is kept as a dead letter
        stub_broker.get_actor("process_event").send("no-such-event")

        async def dead() -> bool:
            return await DeadLetter.filter(actor="process_event").exists()

        await wait_for(dead)
        letter = await DeadLetter.get(actor="process_event")
        assert letter.args == ["no-such-event"] and "not retried" in letter.error
    finally:
        await runtime.stop()
    assert (await Event.get(event_id="ev-1")).processed_at is not None


async def test_in_memory_database_runs_actors_on_the_app_loop(
    db: str, portfolio: Portfolio, hub: pub.InProcessPublisher
) -> None:
    from actors.runtime import Runtime

    if ":memory:" not in db:
        pytest.skip("only for an in-memory database")
    runtime = Runtime(database_url=db, scheduler=False, poll_interval=0.02)
    await runtime.start()
    try:
        assert runtime.mode in ("loop", "broker")
        if runtime.mode != "loop":
            pytest.skip("BROKER_URL is set")
        await ingest(portfolio, "ev-1", "equity_frozen")

        async def raised() -> bool:
            return await RiskWarning.filter(kind="equity_frozen").exists()

        await wait_for(raised)
    finally:
        await runtime.stop()


async def test_inline_drain_runs_everything_here(portfolio: Portfolio) -> None:
    await ingest(portfolio, "ev-1", "equity_frozen")
    ran = await drain_inline()
    # process_event, then its warning, contagion and re-evaluation messages
    assert ran >= 4
    assert await OutboxMessage.filter(published_at__isnull=True).count() == 0
    assert await RiskWarning.filter(kind="equity_frozen").count() == 1


def queued(broker: Broker, queue: str) -> list[Message[Any]]:
    """The messages waiting on an embedded broker's queue."""
    return [Message.decode(raw) for raw in broker.queues[queue].queue]  # type: ignore[attr-defined]


async def test_scheduler_sweeps_once_per_interval(
    portfolio: Portfolio, stub_broker: Broker
) -> None:
    from actors.scheduler import sweep_once

    moment = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    first = await sweep_once(interval=3600, batch_size=2, now=moment)
    second = await sweep_once(interval=3600, batch_size=2, now=moment.replace(minute=30))
    assert first is not None and (first.borrowers, first.batches) == (3, 2)
    assert second is None
    default = queued(stub_broker, "default")
    # the loan book's end of day through yesterday, then the borrowers in batches
    assert [m.actor_name for m in default] == ["close_business_day"] + ["monitor_borrowers"] * 2
    assert default[0].args == ("2025-05-31",)
    assert [m.actor_name for m in queued(stub_broker, "gnn")] == ["score_graph_risk"]
    assert await sweep_once(interval=3600, now=moment.replace(hour=13)) is not None


async def test_dispatch_pending_feeds_the_embedded_broker(
    portfolio: Portfolio, stub_broker: Broker
) -> None:
    await ingest(portfolio, "ev-1", "equity_frozen")
    assert await dispatch_pending(broker_send(stub_broker)) == 1
    [message] = queued(stub_broker, "default")
    assert (message.actor_name, message.args) == ("process_event", ("ev-1",))
