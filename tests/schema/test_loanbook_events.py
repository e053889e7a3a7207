"""The `loanEvents` subscription: a loan's postings, replayed after a cursor, then live."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import strawberry

from db.models import JournalEntry
from domain.loanbook.feed import LOAN_POSTING
from domain.loanbook.repayments import record_repayment
from domain.messaging.outbox import dispatch_pending
from domain.messaging.publisher import InProcessPublisher
from domain.messaging.topics import PUBLISHED, Topic
from resolvers.ids import encode_cursor, encode_id
from schema import IpcreditSchema, Mutation, Query, Subscription
from schema.context import Context
from schema.loanbook import LoanbookSubscription
from tests.schema.helpers import SCHEMA
from tests.schema.loanbook_world import BookWorld, make_book_world


def _served_or_joined() -> Any:
    """The served schema once it carries loanEvents; until then, one that joins it in."""
    served = SCHEMA._schema.subscription_type
    if served is not None and "loanEvents" in served.fields:
        return SCHEMA

    @strawberry.type(description="Live feeds over graphql-transport-ws.")
    class Joined(Subscription, LoanbookSubscription):  # type: ignore[misc,valid-type]
        pass

    return IpcreditSchema(query=Query, mutation=Mutation, subscription=Joined)


LIVE = _served_or_joined()
EVENTS = """subscription($id: ID!, $after: String) { loanEvents(loanId: $id, after: $after) {
  cursor kind businessDate loan { outstanding } entry { kind lines { account debit credit } } } }"""


@pytest.fixture
async def world(db: str, hub: InProcessPublisher) -> BookWorld:
    return await make_book_world()


async def _repay(world: BookWorld, amount: str) -> None:
    await record_repayment(principal=world.officer, loan_id=world.loan.id,
                           amount=Decimal(amount),
                           received_at=datetime(2026, 1, 20, 2, tzinfo=UTC))  # fmt: skip


async def test_events_replay_after_a_cursor_and_hide_the_journal_from_the_borrower(
    world: BookWorld,
) -> None:
    disbursement = await JournalEntry.get(loan_id=world.loan.id, kind="DISBURSEMENT")
    await _repay(world, "500.00")
    stream = await LIVE.subscribe(
        EVENTS,
        variable_values={"id": encode_id("Loan", world.loan.id),
                         "after": encode_cursor(disbursement.id)},
        context_value=Context(world.applicant),
    )  # fmt: skip
    events: list[dict[str, Any]] = []
    while not events or events[-1]["kind"] != "REPAYMENT":
        result = await asyncio.wait_for(stream.__anext__(), 5)
        assert result.errors is None, result.errors
        events.append(result.data["loanEvents"])
    await stream.aclose()

    assert events[-1]["businessDate"] == "2026-01-20"
    assert all(e["entry"] is None for e in events)
    assert Decimal(events[-1]["loan"]["outstanding"]) < Decimal("120000.00")


async def test_live_postings_reach_staff_with_their_lines(
    world: BookWorld, hub: InProcessPublisher
) -> None:
    stream = await LIVE.subscribe(
        EVENTS,
        variable_values={"id": encode_id("Loan", world.loan.id)},
        context_value=Context(world.officer),
    )
    waiting = asyncio.ensure_future(stream.__anext__())
    for _ in range(500):  # the subscription is taken when the first event is asked for
        if hub.subscribers:
            break
        await asyncio.sleep(0.01)
    await _repay(world, "800.00")
    entry = await JournalEntry.filter(loan_id=world.loan.id, kind="REPAYMENT").first()
    assert entry is not None
    # what the ledger's outbox message delivers after commit (another loan's notice is skipped)
    await hub.publish(LOAN_POSTING, {"loan_id": world.loan.id + 1, "entry_id": entry.id})
    await hub.publish(LOAN_POSTING, {"loan_id": world.loan.id, "entry_id": entry.id})
    # the notice makes the feed send every entry since it started, in order: the rest of the
    # current installment's interest recognised by the payment, then the payment
    first = await asyncio.wait_for(waiting, 5)
    result = await asyncio.wait_for(stream.__anext__(), 5)
    await stream.aclose()

    assert first.errors is None, first.errors
    assert first.data["loanEvents"]["kind"] == "ACCRUAL"
    assert result.errors is None, result.errors
    event = result.data["loanEvents"]
    assert event["cursor"] == encode_cursor(entry.id)
    assert event["entry"]["kind"] == "REPAYMENT"
    lines = event["entry"]["lines"]
    assert sum(Decimal(x["debit"]) for x in lines) == Decimal("800.00")
    assert lines[0] == {"account": "1002_SETTLEMENT", "debit": "800.00", "credit": "0.00"}


async def test_another_enterprise_cannot_follow_the_loan(world: BookWorld) -> None:
    stream = await LIVE.subscribe(
        EVENTS,
        variable_values={"id": encode_id("Loan", world.loan.id)},
        context_value=Context(world.other_applicant),
    )
    result = await asyncio.wait_for(stream.__anext__(), 5)
    assert [e.extensions["code"] for e in result.errors] == ["BAD_USER_INPUT"]


@pytest.mark.skipif(
    not hasattr(Topic, "LOAN_POSTING"), reason="the ledger does not queue loan postings yet"
)
async def test_a_posting_reaches_subscribers_through_the_outbox(
    world: BookWorld, hub: InProcessPublisher
) -> None:
    async def send(topic: str, payload: dict[str, Any]) -> None:
        if topic in PUBLISHED:
            await hub.publish(topic, payload)

    await dispatch_pending(send)  # the disbursement's notice went out before anyone listened
    stream = await LIVE.subscribe(
        EVENTS,
        variable_values={"id": encode_id("Loan", world.loan.id)},
        context_value=Context(world.risk),
    )
    waiting = asyncio.ensure_future(stream.__anext__())
    for _ in range(500):
        if hub.subscribers:
            break
        await asyncio.sleep(0.01)
    await _repay(world, "300.00")
    await dispatch_pending(send)
    kinds = [(await asyncio.wait_for(waiting, 5)).data["loanEvents"]["kind"]]
    while kinds[-1] != "REPAYMENT":
        kinds.append((await asyncio.wait_for(stream.__anext__(), 5)).data["loanEvents"]["kind"])
    await stream.aclose()

    assert kinds == ["ACCRUAL", "REPAYMENT"]  # the current interest recognised, then paid
