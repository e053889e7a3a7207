"""Feeds: replay from a cursor, then live, with no gap and no duplicate; permission per item."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from typing import Any

import pytest

from db.models import LoanApplication, RiskWarning, WarningLevel
from domain.errors import DomainError, ErrorCode
from domain.messaging import publisher as pub
from domain.messaging.outbox import dispatch_pending
from domain.monitoring.feed import subscribe_application_updates, subscribe_warnings
from domain.monitoring.rules import WarningDraft
from domain.monitoring.store import in_retried_transaction, raise_warning
from tests.domain.monitoring.helpers import Portfolio


async def put(enterprise_id: int, level: str = "RED", kind: str | None = None) -> RiskWarning:
    n = await RiskWarning.all().count()
    draft = WarningDraft(WarningLevel(level), kind or f"k{n}", "m", "T", {})
    result = await in_retried_transaction(
        lambda conn: raise_warning(draft, enterprise_id=enterprise_id, conn=conn)
    )
    assert result.warning is not None
    return result.warning


async def publish_all(hub: pub.Publisher) -> int:
    """What the dispatcher does for warnings: publish each outbox notice."""

    async def send(topic: str, payload: dict[str, Any]) -> None:
        if topic in ("warning", "application_updated"):
            await hub.publish(topic, payload)

    return await dispatch_pending(send)


async def take(feed: AsyncIterator[Any], n: int) -> list[Any]:
    return [await asyncio.wait_for(anext(feed), timeout=5) for _ in range(n)]


async def test_replay_then_live_without_gap_or_duplicate(
    portfolio: Portfolio, hub: pub.InProcessPublisher
) -> None:
    w1, w2, w3 = [await put(portfolio.a.id) for _ in range(3)]
    await publish_all(hub)  # these notices went out before anyone listened

    class Racing(pub.InProcessPublisher):
        """A warning commits and is published between subscribing and the replay query."""

        async def subscribe(self, topics: Collection[str]) -> pub.Subscription:
            sub = await hub.subscribe(topics)
            raced.append(await put(portfolio.b.id))
            await publish_all(hub)
            return sub

    raced: list[RiskWarning] = []
    feed = subscribe_warnings(principal=portfolio.staff, after_id=w1.id, publisher=Racing())
    got = await take(feed, 3)
    assert [w.id for w in got] == [w2.id, w3.id, raced[0].id]
    # a duplicate notice (a resend after a crash) and the raced one's notice are skipped
    await hub.publish("warning", {"warning_id": w3.id})
    w5 = await put(portfolio.a.id)
    await publish_all(hub)
    assert [w.id for w in await take(feed, 1)] == [w5.id]
    await feed.aclose()
    assert hub.subscribers == 0


async def test_without_a_cursor_only_live_warnings(
    portfolio: Portfolio, hub: pub.InProcessPublisher
) -> None:
    await put(portfolio.a.id)
    await publish_all(hub)
    feed = subscribe_warnings(principal=portfolio.staff)
    waiting = asyncio.ensure_future(anext(feed))
    await asyncio.sleep(0.05)
    fresh = await put(portfolio.a.id)
    await publish_all(hub)
    assert (await asyncio.wait_for(waiting, 5)).id == fresh.id
    await feed.aclose()


async def test_filters_and_permission_on_every_warning(
    portfolio: Portfolio, hub: pub.InProcessPublisher
) -> None:
    start = await put(portfolio.a.id, "YELLOW")
    await put(portfolio.b.id, "RED")
    mine = await put(portfolio.a.id, "RED")
    await put(portfolio.a.id, "YELLOW")
    feed = subscribe_warnings(
        principal=portfolio.applicant_a, after_id=start.id, min_level="ORANGE"
    )
    assert [w.id for w in await take(feed, 1)] == [mine.id]
    await put(portfolio.b.id, "RED")
    live = await put(portfolio.a.id, "ORANGE")
    await publish_all(hub)
    assert [w.id for w in await take(feed, 1)] == [live.id]
    await feed.aclose()
    staff_feed = subscribe_warnings(
        principal=portfolio.staff, after_id=0, enterprise_id=portfolio.b.id
    )
    assert {w.enterprise_id for w in await take(staff_feed, 2)} == {portfolio.b.id}
    await staff_feed.aclose()
    with pytest.raises(DomainError) as err:
        await anext(subscribe_warnings(principal=portfolio.applicant_a,
                                       enterprise_id=portfolio.b.id))  # fmt: skip
    assert err.value.code == ErrorCode.FORBIDDEN


async def test_a_subscriber_too_far_behind_is_cut_off(
    portfolio: Portfolio, hub: pub.InProcessPublisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pub, "QUEUE_LIMIT", 2)
    sub = await hub.subscribe({"warning"})
    for i in range(4):
        await hub.publish("warning", {"warning_id": i})
    assert (await sub.get()).payload == {"warning_id": 0}
    await sub.get()
    with pytest.raises(pub.SubscriptionLost):
        await sub.get()


async def test_application_updates_current_first_then_each_change(
    portfolio: Portfolio, hub: pub.InProcessPublisher
) -> None:
    application = await LoanApplication.get(id=portfolio.loans["a"].application_id)  # type: ignore[attr-defined]
    feed = subscribe_application_updates(
        principal=portfolio.applicant_a, application_id=application.id
    )
    [now] = await take(feed, 1)
    assert now.version == application.version
    await LoanApplication.filter(id=application.id).update(version=application.version + 1)
    await hub.publish("application_updated", {"application_id": application.id + 100, "version": 9})
    await hub.publish(
        "application_updated", {"application_id": application.id, "version": application.version}
    )
    await hub.publish(
        "application_updated",
        {"application_id": application.id, "version": application.version + 1},
    )
    [changed] = await take(feed, 1)
    assert changed.version == application.version + 1
    await feed.aclose()
    with pytest.raises(DomainError) as err:
        await anext(subscribe_application_updates(principal=portfolio.applicant_b,
                                                  application_id=application.id))  # fmt: skip
    assert err.value.code == ErrorCode.NOT_FOUND


async def test_staff_subscribers_of_a_process_share_one_read_per_warning(
    portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fifty staff subscribers told about one warning cost one query, not fifty; a warning
    that is not there yet is read again by the next subscriber, not remembered as missing."""
    from domain.monitoring import feed

    warning = await put(portfolio.a.id, "RED")
    reads: list[int] = []
    real = RiskWarning.get_or_none

    async def counted(**kwargs: Any) -> RiskWarning | None:
        reads.append(kwargs["id"])
        return await real(**kwargs)

    monkeypatch.setattr(RiskWarning, "get_or_none", counted)
    found = await asyncio.gather(*(feed._shared_read(warning.id) for _ in range(50)))
    assert reads == [warning.id] and {w.id for w in found if w is not None} == {warning.id}
    missing = warning.id + 1000
    assert await feed._shared_read(missing) is None
    assert await feed._shared_read(missing) is None
    assert reads.count(missing) == 2
