"""Snapshots kept fresh: after an import (in chunks, in the background), after each event (the
firm and its neighbours), and before a decision (a stale snapshot is recomputed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db.models import Enterprise, Event, IndicatorSnapshot, OutboxMessage
from domain.indicators import refresh
from domain.indicators.refresh import (
    ensure_fresh_snapshot,
    neighbours_of,
    queue_refresh,
    refresh_snapshots,
    snapshot_is_stale,
)
from domain.indicators.service import compute_and_store_snapshots
from domain.messaging.topics import Topic, actor_call
from domain.monitoring.events import process_event
from domain.world.importer import import_world_rows
from tests.factories import A, B, C, tiny_world


async def _run_refreshes() -> int:
    """Run every waiting refresh message as its actor would (the walk queues its next step)."""
    done = 0
    while True:
        row = (
            await OutboxMessage.filter(topic=Topic.REFRESH_SNAPSHOTS, published_at__isnull=True)
            .order_by("id")
            .first()
        )
        if row is None:
            return done
        await OutboxMessage.filter(id=row.id).update(published_at=datetime.now(UTC))
        _, args = actor_call(row.topic, dict(row.payload))
        await refresh.refresh_step(*args)
        done += 1


async def test_every_snapshot_is_refreshed_in_chunks_in_the_background(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await import_world_rows(tiny_world())
    monkeypatch.setattr(refresh, "SNAPSHOT_CHUNK", 2)
    asked = datetime.now(UTC)
    assert await queue_refresh(None, now=asked)
    assert not await queue_refresh(None)  # the same refresh is already waiting
    assert await _run_refreshes() == 2  # 3 enterprises, 2 at a time
    snaps = await IndicatorSnapshot.all()
    assert len(snaps) == 3 and {s.as_of for s in snaps} == {asked}


async def test_refresh_here_reports_progress(db: str) -> None:
    await import_world_rows(tiny_world())
    seen: list[tuple[int, int]] = []
    stored = await refresh_snapshots(progress=lambda done, total: seen.append((done, total)))
    assert stored == 3 and seen == [(3, 3)]
    seen.clear()
    await compute_and_store_snapshots(
        as_of=datetime.now(UTC), progress=lambda d, t: seen.append((d, t)), chunk=2
    )
    assert seen == [(2, 3), (3, 3)]


async def test_an_event_refreshes_the_firm_and_its_neighbours(db: str) -> None:
    await import_world_rows(tiny_world())
    # C supplies A and A holds shares in C; B is A's guarantee partner, not C's neighbour
    assert await neighbours_of([C]) == {A}
    assert await neighbours_of([A]) == {B, C}
    await Event.create(event_id="ev-x", uscc=C, occurred_at=datetime.now(UTC) - timedelta(hours=2),
                       type="enforcement_listed", payload={}, source="api")  # fmt: skip
    await process_event(event_id="ev-x")
    [message] = await OutboxMessage.filter(topic=Topic.REFRESH_SNAPSHOTS)
    assert message.payload["usccs"] == [C] and message.payload["neighbours"] is True
    await _run_refreshes()
    refreshed = await IndicatorSnapshot.all().prefetch_related("enterprise")
    by_firm = {s.enterprise.uscc: s for s in refreshed}
    assert set(by_firm) == {A, C}
    assert by_firm[A].values["net.nb.any.enforcement_listed.count"] == 1.0
    assert by_firm[C].values["evt.enforcement_listed.90d.count"] == 1.0
    # asked again for the same firms: they were refreshed since, nothing is recomputed
    assert await refresh.refresh_step([C], True, None, message.payload["asked_at"]) == 0


async def test_a_refresh_after_an_event_takes_along_the_other_firms_waiting(db: str) -> None:
    """Events on C and on B each queue a refresh; the first to run computes both firms and
    their neighbours in one pass, and the second finds nothing left to do."""
    await import_world_rows(tiny_world())
    at = datetime.now(UTC) - timedelta(hours=2)
    for event_id, firm in (("ev-c", C), ("ev-b", B)):
        await Event.create(event_id=event_id, uscc=firm, occurred_at=at,
                           type="enforcement_listed", payload={}, source="api")  # fmt: skip
        await process_event(event_id=event_id)
    first, second = await OutboxMessage.filter(topic=Topic.REFRESH_SNAPSHOTS).order_by("id")
    assert await refresh.waiting_after_events() == [C, B]  # oldest event first
    assert await refresh.waiting_after_events(exclude={C}) == [B]
    assert await refresh.refresh_step(*actor_call(first.topic, dict(first.payload))[1]) == 3
    assert await refresh.waiting_after_events() == []
    refreshed = await IndicatorSnapshot.all().prefetch_related("enterprise")
    by_firm = {s.enterprise.uscc: s for s in refreshed}
    assert by_firm[B].values["evt.enforcement_listed.90d.count"] == 1.0
    assert by_firm[A].values["net.nb.any.enforcement_listed.count"] == 2.0
    assert await refresh.refresh_step(*actor_call(second.topic, dict(second.payload))[1]) == 0


async def test_a_refresh_after_an_event_waits_to_settle_and_takes_the_next_events_firms(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass that starts waits `settle_s` first: B's event, processed meanwhile, hands its
    firm over, and one computation covers both firms and their neighbours."""
    import asyncio

    await import_world_rows(tiny_world())
    computed: list[list[str]] = []
    real = refresh.compute_and_store_snapshots

    async def counting(*, as_of: datetime, usccs: list[str]) -> int:
        computed.append(sorted(usccs))
        return await real(as_of=as_of, usccs=usccs)

    monkeypatch.setattr(refresh, "compute_and_store_snapshots", counting)
    at = datetime.now(UTC) - timedelta(hours=2)
    await Event.create(event_id="ev-c", uscc=C, occurred_at=at,
                       type="enforcement_listed", payload={}, source="api")  # fmt: skip
    await process_event(event_id="ev-c")
    [first] = await OutboxMessage.filter(topic=Topic.REFRESH_SNAPSHOTS)
    args = actor_call(first.topic, dict(first.payload))[1]
    running = asyncio.ensure_future(refresh.refresh_step(*args, settle_s=0.5))
    await asyncio.sleep(0.05)
    await Event.create(event_id="ev-b", uscc=B, occurred_at=at,
                       type="enforcement_listed", payload={}, source="api")  # fmt: skip
    await process_event(event_id="ev-b")
    second = await OutboxMessage.filter(topic=Topic.REFRESH_SNAPSHOTS).order_by("-id").first()
    assert second is not None
    assert await refresh.refresh_step(*actor_call(second.topic, dict(second.payload))[1]) == 0
    assert not running.done() and computed == []  # still settling: nothing computed yet
    assert await running == 3
    assert computed == [sorted([A, B, C])]
    assert await refresh.waiting_after_events() == []


async def test_a_stale_snapshot_is_recomputed_before_a_decision(db: str) -> None:
    await import_world_rows(tiny_world())
    ent = await Enterprise.get(uscc=A)
    now = datetime.now(UTC)
    assert await snapshot_is_stale(enterprise_id=ent.id, uscc=A)  # none yet
    assert await ensure_fresh_snapshot(enterprise=ent)
    assert not await snapshot_is_stale(enterprise_id=ent.id, uscc=A)
    assert not await ensure_fresh_snapshot(enterprise=ent)
    assert await IndicatorSnapshot.filter(enterprise_id=ent.id).count() == 1
    # too old a day later; stale at once when an event about the firm arrives
    assert await snapshot_is_stale(enterprise_id=ent.id, uscc=A, now=now + timedelta(hours=25))
    await Event.create(event_id="ev-y", uscc=A, occurred_at=now, type="tax_arrears", payload={})
    assert await snapshot_is_stale(enterprise_id=ent.id, uscc=A)
    assert await ensure_fresh_snapshot(enterprise=ent)
    assert await IndicatorSnapshot.filter(enterprise_id=ent.id).count() == 2
    # a snapshot of another registry version is stale too
    await IndicatorSnapshot.filter(enterprise_id=ent.id).update(registry_version="old")
    assert await snapshot_is_stale(enterprise_id=ent.id, uscc=A)


async def test_a_refresh_after_an_event_asked_while_one_runs_is_done_by_the_running_one(
    db: str,
) -> None:
    """One refresh after events runs at a time in a loop: a second message hands its firm to
    it and returns at once, and the running one computes it before it ends, between pauses."""
    import asyncio

    await import_world_rows(tiny_world())
    at = datetime.now(UTC) - timedelta(hours=2)
    await Event.create(event_id="ev-c", uscc=C, occurred_at=at,
                       type="enforcement_listed", payload={}, source="api")  # fmt: skip
    await process_event(event_id="ev-c")
    [first] = await OutboxMessage.filter(topic=Topic.REFRESH_SNAPSHOTS)
    paused, go_on = asyncio.Event(), asyncio.Event()
    pauses = []

    async def pause() -> None:
        pauses.append(1)
        paused.set()
        await go_on.wait()

    args = actor_call(first.topic, dict(first.payload))[1]
    running = asyncio.ensure_future(refresh.refresh_step(*args, pause=pause))
    await paused.wait()
    # B's event comes while C's refresh waits at its pause
    await Event.create(event_id="ev-b", uscc=B, occurred_at=at,
                       type="enforcement_listed", payload={}, source="api")  # fmt: skip
    await process_event(event_id="ev-b")
    second = await OutboxMessage.filter(topic=Topic.REFRESH_SNAPSHOTS).order_by("-id").first()
    assert second is not None and second.payload["usccs"] == [B]
    assert await refresh.refresh_step(*actor_call(second.topic, dict(second.payload))[1]) == 0
    go_on.set()
    # C and its neighbour A (computed after B's event: it counts it), then B
    assert await running == 3
    assert len(pauses) == 2
    assert await refresh.waiting_after_events() == []
    by_firm = {
        s.enterprise.uscc: s
        for s in await IndicatorSnapshot.all().order_by("id").prefetch_related("enterprise")
    }
    assert by_firm[B].values["evt.enforcement_listed.90d.count"] == 1.0
    assert by_firm[A].values["net.nb.any.enforcement_listed.count"] == 2.0
