"""Outbox topics and actors: one spelling, one table."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from dramatiq import Broker, Message

from actors.all import HANDLERS
from actors.broker import get_broker
from actors.dispatch import broker_send
from domain.messaging.outbox import Undeliverable
from domain.messaging.topics import (
    ACTOR_ARGUMENTS,
    LEGACY_TOPICS,
    PUBLISHED,
    Topic,
    actor_call,
)


def test_every_handled_topic_is_an_actor_of_the_same_name() -> None:
    broker = get_broker()
    assert {t.value for t in ACTOR_ARGUMENTS} <= broker.get_declared_actors()
    assert set(HANDLERS) == set(ACTOR_ARGUMENTS)
    for topic, handler in HANDLERS.items():
        # work run on the loop or inline does what the actor of that name does on a worker
        assert inspect.unwrap(broker.get_actor(topic.value).fn) is handler


def test_every_topic_is_either_handled_or_published() -> None:
    assert set(Topic) == set(ACTOR_ARGUMENTS) | PUBLISHED
    assert not set(ACTOR_ARGUMENTS) & PUBLISHED


def test_actor_call_reads_the_payload() -> None:
    assert actor_call("monitor_borrowers", {"enterprise_ids": ["4", 5]}) == (
        Topic.MONITOR_BORROWERS,
        ([4, 5],),
    )


async def test_a_row_with_the_old_topic_spelling_still_reaches_its_actor(
    stub_broker: Broker,
) -> None:
    assert LEGACY_TOPICS == {"monitor_borrower": Topic.MONITOR_BORROWERS}
    assert actor_call("monitor_borrower", {"enterprise_ids": [4]}) == (
        Topic.MONITOR_BORROWERS,
        ([4],),
    )
    await broker_send(stub_broker)("monitor_borrower", {"enterprise_ids": [4, 5]})
    raw: Any = stub_broker.queues["default"].queue  # type: ignore[attr-defined]
    [message] = [Message.decode(m) for m in raw]
    assert (message.actor_name, message.args) == ("monitor_borrowers", ([4, 5],))


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("no_such_topic", {}),
        ("warning", {}),
        ("run_contagion", {}),
        ("assess_application", {"application_id": "x"}),
    ],
)
def test_undeliverable_messages(topic: str, payload: dict[str, object]) -> None:
    with pytest.raises(Undeliverable):
        actor_call(topic, payload)
