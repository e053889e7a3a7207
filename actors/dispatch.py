"""Where each outbox topic goes: an actor message, or a notice to subscribers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from dramatiq import Broker

from db.models import OutboxMessage
from domain.monitoring.outbox import Undeliverable
from domain.monitoring.publisher import current_publisher

PUBLISHED = frozenset({"warning", "application_updated"})
# topic -> (actor name, positional arguments from the payload)
ACTOR_TOPICS: dict[str, tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]] = {
    "process_event": ("process_event", lambda p: (str(p["event_id"]),)),
    "assess_application": ("assess_application", lambda p: (int(p["application_id"]),)),
    "monitor_borrower": ("monitor_borrowers", lambda p: ([int(i) for i in p["enterprise_ids"]],)),
    "run_contagion": ("run_contagion", lambda p: (int(p["warning_id"]),)),
}


def actor_call(topic: str, payload: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """The actor and arguments of an outbox message; Undeliverable when there is none."""
    spec = ACTOR_TOPICS.get(topic)
    if spec is None:
        raise Undeliverable(f"no consumer for topic {topic!r}")
    name, args = spec
    try:
        return name, args(payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise Undeliverable(f"bad {topic} payload: {exc!r}") from None


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
    from actors.gnn import do_run_contagion
    from actors.lending import do_assess_application
    from actors.monitoring import do_monitor_borrowers, do_process_event

    handlers: dict[str, Callable[..., Any]] = {
        "process_event": do_process_event,
        "assess_application": do_assess_application,
        "monitor_borrowers": do_monitor_borrowers,
        "run_contagion": do_run_contagion,
    }
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
                name, args = actor_call(row.topic, payload)
            except Undeliverable:
                name, args = "", ()
            if name:
                await handlers[name](*args)
        await OutboxMessage.filter(id=row.id).update(published_at=datetime.now(UTC))
        done += 1
    return done
