"""Where each outbox topic goes: an actor message, or a notice to subscribers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from dramatiq import Broker

from db.models import OutboxMessage
from domain.messaging.outbox import Undeliverable
from domain.messaging.publisher import current_publisher
from domain.messaging.topics import PUBLISHED, actor_call


def broker_send(broker: Broker) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """Send actor topics to the broker and published topics to the pub/sub."""
    from actors import all as _declared  # noqa: F401 - the actors must be declared to be found

    async def send(topic: str, payload: dict[str, Any]) -> None:
        if topic in PUBLISHED:
            await current_publisher().publish(topic, payload)
            return
        name, args = actor_call(topic, payload)
        options = {"request_id": payload["request_id"]} if payload.get("request_id") else {}
        broker.get_actor(name).send_with_options(args=args, **options)

    return send


async def drain_inline(*, limit: int = 100_000) -> int:
    """Run every pending outbox message right here, without a broker (a CLI with --inline).

    Not for a process where a dispatcher runs: this does not lock the rows it handles.
    """
    from actors.all import HANDLERS

    done = 0
    while done < limit:
        row = await OutboxMessage.filter(published_at__isnull=True).order_by("id").first()
        if row is None:
            break
        payload = dict(row.payload)
        if row.topic in PUBLISHED:
            await current_publisher().publish(row.topic, payload)
        else:
            try:
                actor, args = actor_call(row.topic, payload)
            except Undeliverable:
                pass
            else:
                await HANDLERS[actor](*args)
        await OutboxMessage.filter(id=row.id).update(published_at=datetime.now(UTC))
        done += 1
    return done
