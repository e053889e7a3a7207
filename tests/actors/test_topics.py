"""Outbox topics and actors: one spelling, one table."""

from __future__ import annotations

import pytest

from actors.all import HANDLERS
from actors.broker import get_broker
from domain.messaging.outbox import Undeliverable
from domain.messaging.topics import ACTOR_ARGUMENTS, PUBLISHED, Topic, actor_call


def test_every_handled_topic_is_an_actor_of_the_same_name() -> None:
    broker = get_broker()
    for topic in ACTOR_ARGUMENTS:
        assert broker.get_actor(topic.value).actor_name == topic.value
    assert set(HANDLERS) == set(ACTOR_ARGUMENTS)


def test_every_topic_is_either_handled_or_published() -> None:
    assert set(Topic) == set(ACTOR_ARGUMENTS) | PUBLISHED
    assert not set(ACTOR_ARGUMENTS) & PUBLISHED


def test_actor_call_reads_the_payload() -> None:
    assert actor_call("monitor_borrowers", {"enterprise_ids": ["4", 5]}) == (
        Topic.MONITOR_BORROWERS,
        ([4, 5],),
    )


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
