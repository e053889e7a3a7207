"""Outbox topics: what each message is about, and who takes it.

A topic handled by an actor is spelled exactly as that actor; the other topics are published to
subscribers. `ACTOR_ARGUMENTS` is the one table from a topic to its actor's arguments: the
dispatcher, the in-process runtime and the inline drain all read it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from domain.messaging.outbox import Undeliverable


class Topic(StrEnum):
    """What an outbox message is about."""

    PROCESS_EVENT = "process_event"
    ASSESS_APPLICATION = "assess_application"
    MONITOR_BORROWERS = "monitor_borrowers"
    RUN_CONTAGION = "run_contagion"
    WARNING = "warning"
    APPLICATION_UPDATED = "application_updated"
    REFRESH_SNAPSHOTS = "refresh_snapshots"
    LOAN_POSTING = "loan_posting"


# published to subscribers (the warnings, applicationUpdated and loanEvents subscriptions)
PUBLISHED: frozenset[str] = frozenset(
    {Topic.WARNING, Topic.APPLICATION_UPDATED, Topic.LOAN_POSTING}
)

# topic (= actor name) -> the actor's positional arguments, read from the message's payload
ACTOR_ARGUMENTS: dict[Topic, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    Topic.PROCESS_EVENT: lambda p: (str(p["event_id"]),),
    Topic.ASSESS_APPLICATION: lambda p: (int(p["application_id"]),),
    Topic.MONITOR_BORROWERS: lambda p: ([int(i) for i in p["enterprise_ids"]],),
    Topic.RUN_CONTAGION: lambda p: (int(p["warning_id"]),),
    # (usccs or None for every enterprise, with their neighbours, after enterprise id, asked at)
    Topic.REFRESH_SNAPSHOTS: lambda p: (
        None if p.get("usccs") is None else [str(u) for u in p["usccs"]],
        bool(p.get("neighbours", False)),
        None if p.get("after") is None else int(p["after"]),
        None if p.get("asked_at") is None else str(p["asked_at"]),
    ),
}

# topics spelled differently before the rename to "topic = actor name": outbox rows written
# then are still stored under the old spelling and must still reach their actor
LEGACY_TOPICS: dict[str, Topic] = {"monitor_borrower": Topic.MONITOR_BORROWERS}


def actor_call(topic: str, payload: dict[str, Any]) -> tuple[Topic, tuple[Any, ...]]:
    """The actor and arguments of an outbox message; Undeliverable when there is none."""
    try:
        actor = LEGACY_TOPICS.get(topic) or Topic(topic)
        arguments = ACTOR_ARGUMENTS[actor]
    except (ValueError, KeyError):
        raise Undeliverable(f"no consumer for topic {topic!r}") from None
    try:
        return actor, arguments(payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise Undeliverable(f"bad {topic} payload: {exc!r}") from None
