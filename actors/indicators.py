"""Indicator actors: keeping snapshots fresh in the background."""

from __future__ import annotations

from actors.broker import BATCH_PRIORITY, DEFAULT_QUEUE, declare
from config import settings
from domain.indicators import refresh
from domain.messaging.topics import Topic
from domain.monitoring.urgency import yield_to_urgent


async def do_refresh_snapshots(
    usccs: list[str] | None, neighbours: bool, after: int | None, asked_at: str | None
) -> None:
    """Recompute listed snapshots (and their neighbours'), or the next chunk of all of them;
    events and decisions being processed in this process go first between chunks."""
    await refresh.refresh_step(
        usccs, neighbours, after, asked_at, pause=yield_to_urgent,
        settle_s=settings().refresh_settle_seconds,
    )  # fmt: skip


refresh_snapshots = declare(
    do_refresh_snapshots,
    name=Topic.REFRESH_SNAPSHOTS.value,
    queue=DEFAULT_QUEUE,
    time_limit_ms=600_000,
    priority=BATCH_PRIORITY,
)
