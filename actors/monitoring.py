"""Monitoring actors: thin calls into domain.monitoring, taking ids only."""

from __future__ import annotations

from actors.broker import BATCH_PRIORITY, DEFAULT_QUEUE, declare
from domain.messaging.topics import Topic
from domain.monitoring import events, sweep


async def do_process_event(event_id: str) -> None:
    """Process one event (a replayed or redelivered id changes nothing)."""
    await events.process_event(event_id=event_id)


async def do_monitor_borrowers(enterprise_ids: list[int]) -> None:
    """Re-evaluate a batch of borrowers."""
    await sweep.monitor_borrowers(enterprise_ids=enterprise_ids)


process_event = declare(
    do_process_event, name=Topic.PROCESS_EVENT.value, queue=DEFAULT_QUEUE, time_limit_ms=120_000
)
monitor_borrowers = declare(
    do_monitor_borrowers,
    name=Topic.MONITOR_BORROWERS.value,
    queue=DEFAULT_QUEUE,
    time_limit_ms=600_000,
    priority=BATCH_PRIORITY,
)
