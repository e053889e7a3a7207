"""Live notices over PostgreSQL LISTEN/NOTIFY: fan-out in order, namespaces apart, and a lost
listening connection ends the subscriptions (clients resume by cursor)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from domain.messaging.pg_pubsub import PostgresPublisher
from domain.messaging.publisher import SubscriptionLost
from tests.actors.conftest import end_listening_connection

pytestmark = pytest.mark.postgres


def pubsub_url(database: str, namespace: str) -> str:
    if not database.startswith("postgres"):
        pytest.skip("LISTEN/NOTIFY needs the PostgreSQL test database")
    return f"{database}?namespace={namespace}"


async def test_notices_reach_every_subscriber_in_order(db: str) -> None:
    ns = f"t{uuid.uuid4().hex[:10]}"
    sender = PostgresPublisher(pubsub_url(db, ns))
    receiver = PostgresPublisher(pubsub_url(db, ns))
    other = PostgresPublisher(pubsub_url(db, ns + "x"))
    try:
        first = await receiver.subscribe({"warning"})
        second = await receiver.subscribe({"warning", "application_updated"})
        await other.publish("warning", {"warning_id": 99})  # another namespace: not heard
        for i in range(1, 6):
            await sender.publish("warning", {"warning_id": i})
        await sender.publish("application_updated", {"application_id": 9})
        got = [(await asyncio.wait_for(first.get(), 5)).payload["warning_id"] for _ in range(5)]
        assert got == [1, 2, 3, 4, 5]
        topics = [(await asyncio.wait_for(second.get(), 5)).topic for _ in range(6)]
        assert topics == ["warning"] * 5 + ["application_updated"]
    finally:
        for pub in (sender, receiver, other):
            await pub.close()


async def test_a_lost_listening_connection_ends_subscriptions_then_recovers(db: str) -> None:
    ns = f"t{uuid.uuid4().hex[:10]}"
    pub = PostgresPublisher(pubsub_url(db, ns))
    try:
        sub = await pub.subscribe({"warning"})
        await end_listening_connection(db, pub)
        with pytest.raises(SubscriptionLost):
            await asyncio.wait_for(sub.get(), 10)
        again = await pub.subscribe({"warning"})  # listens anew
        await pub.publish("warning", {"warning_id": 7})
        assert (await asyncio.wait_for(again.get(), 5)).payload == {"warning_id": 7}
    finally:
        await pub.close()
