"""The warnings subscription reads only what its subscriber may see: an applicant's feed never
reads another enterprise's warnings, and what it reads is filtered in the database."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator
from pathlib import Path

from db.models import RiskWarning
from domain.messaging.publisher import InProcessPublisher
from domain.messaging.topics import Topic
from schema.context import Context
from tests.schema.helpers import SCHEMA, count_queries
from tests.schema.lean_world import LeanWorld, make_lean_world

FEED = "subscription { warnings { level enterprise { id } } }"


async def _raise(
    enterprise_id: int, n: int, hub: InProcessPublisher, *, announced: bool = True
) -> RiskWarning:
    warning = await RiskWarning.create(
        enterprise_id=enterprise_id, level="RED", kind="dishonest_listed", message="x",
        status="OPEN", open_key=f"{enterprise_id}|filter|{n}",
    )  # fmt: skip
    # the stored notice names the enterprise (domain.monitoring.store); an older one may not
    notice = {"warning_id": warning.id, "level": "RED"}
    if announced:
        notice["enterprise_id"] = enterprise_id
    await hub.publish(Topic.WARNING, notice)
    return warning


async def test_an_applicants_feed_never_reads_other_enterprises_warnings(
    db: str, tmp_path: Path, hub: InProcessPublisher
) -> None:
    world: LeanWorld = await make_lean_world(tmp_path / "w")
    stream = await SCHEMA.subscribe(FEED, context_value=Context(world.applicant))
    assert isinstance(stream, AsyncGenerator)
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.05)  # the feed is live

    with count_queries() as announced:
        for n in range(5):
            await _raise(world.b, n, hub)
        await asyncio.sleep(0.1)
    with count_queries() as unannounced:
        for n in range(5, 8):
            await _raise(world.b, n, hub, announced=False)
        await asyncio.sleep(0.1)
    assert not first.done()
    await _raise(world.a, 99, hub)
    result = await asyncio.wait_for(first, 5)
    await stream.aclose()

    def reads(seen: list[str]) -> list[str]:
        return [q for q in seen if "risk_warning" in q and "INSERT" not in q.upper()]

    # a notice naming another enterprise is dropped unread; one that names none is read
    # only through the subscriber's own filter
    assert reads(announced) == []
    assert len(reads(unannounced)) == 3
    # filtered in the database by the caller's enterprise (`?` on SQLite, `$n` on PostgreSQL)
    assert all(re.search(r'"enterprise_id"=(\?|\$\d+)', q) for q in reads(unannounced))
    assert result.errors is None and result.data is not None
    assert result.data["warnings"]["level"] == "RED"
