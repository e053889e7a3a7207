"""Repayments: absurd amounts are refused, and a repayment under an idempotency key lands once
even when the request dies between the business change and its response."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from db.models import AuditEntry, IdempotencyRecord, Repayment
from domain import idempotency
from domain.errors import Conflict, DomainError, ErrorCode
from domain.lending.loans import get_repaid_loan_or_raise, record_repayment
from domain.money import parse_amount, parse_rate
from tests.domain.lending.repayment_fixtures import LoanWorld, make_loan_world

ABSURD = ["1e30", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "-5", "0", "1.001", "1e-3",
          "abc", "", "  ", "1" * 80, "1e999999999", "0x10"]  # fmt: skip


@pytest.fixture
async def world(db: str) -> LoanWorld:
    return await make_loan_world()


class Crash(Exception):
    """The process dies here."""


def _repay(world: LoanWorld, amount: str = "1000.00") -> Any:
    async def call() -> dict[str, Any]:
        result = await record_repayment(
            principal=world.feed,
            loan_id=world.loan.id,
            amount=amount,
            received_at=datetime.now(UTC),
        )
        return {"id": result.loan.id, "errors": []}

    return call


@pytest.mark.parametrize("amount", ABSURD)
def test_absurd_amounts_are_invalid_input(amount: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_amount(amount)
    assert err.value.code is ErrorCode.INVALID_INPUT


@pytest.mark.parametrize("rate", ["1e30", "NaN", "Infinity", "-0.01", "0", "0.37", "5", "0.0000001",
                                  float("inf"), float("nan"), True])  # fmt: skip
def test_absurd_rates_are_invalid_input(rate: Any) -> None:
    with pytest.raises(DomainError) as err:
        parse_rate(rate)
    assert err.value.code is ErrorCode.INVALID_INPUT


def test_sane_amounts_and_rates_pass() -> None:
    assert parse_amount("1000") == Decimal("1000.00")
    assert parse_amount(Decimal("0.01")) == Decimal("0.01")
    assert parse_rate(0.0395) == Decimal("0.0395")


@pytest.mark.parametrize("amount", ABSURD)
async def test_absurd_repayments_are_invalid_input_and_write_nothing(
    world: LoanWorld, amount: str
) -> None:
    with pytest.raises(DomainError) as err:
        await _repay(world, amount)()
    assert err.value.code is ErrorCode.INVALID_INPUT
    assert await Repayment.all().count() == 0


async def test_a_crash_after_the_business_change_leaves_nothing_and_the_retry_runs_once(
    world: LoanWorld,
) -> None:
    repay = _repay(world)

    async def dies_after_the_change() -> dict[str, Any]:
        await repay()  # the repayment's own transaction has finished here
        raise Crash

    with pytest.raises(Crash):
        await idempotency.run_once(
            key="feed-42", user_id=world.feed.user_id, operation="recordRepayment",
            arguments={"amount": "1000.00"}, call=dies_after_the_change,
        )  # fmt: skip
    assert await Repayment.all().count() == 0
    assert await IdempotencyRecord.all().count() == 0

    retried = await idempotency.run_once(
        key="feed-42", user_id=world.feed.user_id, operation="recordRepayment",
        arguments={"amount": "1000.00"}, call=repay,
    )  # fmt: skip
    replayed = await idempotency.run_once(
        key="feed-42", user_id=world.feed.user_id, operation="recordRepayment",
        arguments={"amount": "1000.00"}, call=repay,
    )  # fmt: skip

    assert retried == replayed == {"id": world.loan.id, "errors": []}
    assert await Repayment.all().count() == 1
    assert await AuditEntry.filter(action="loan.repayment").count() == 1


async def test_a_crash_while_storing_the_response_rolls_the_change_back(
    world: LoanWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = idempotency.save_response

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise Crash

    monkeypatch.setattr(idempotency, "save_response", crash)
    with pytest.raises(Crash):
        await idempotency.run_once(
            key="k", user_id=world.feed.user_id, operation="recordRepayment",
            arguments={}, call=_repay(world),
        )  # fmt: skip
    monkeypatch.setattr(idempotency, "save_response", real)
    assert await Repayment.all().count() == 0

    again = await idempotency.run_once(
        key="k", user_id=world.feed.user_id, operation="recordRepayment",
        arguments={}, call=_repay(world),
    )  # fmt: skip
    assert again["id"] == world.loan.id
    assert await Repayment.all().count() == 1


async def test_a_key_left_running_by_a_dead_request_is_taken_over(
    world: LoanWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what a request that died between its claim and its response used to leave behind
    digest = idempotency.request_hash("recordRepayment", {})
    stale = await IdempotencyRecord.create(
        key="k", user_id=world.feed.user_id, operation="recordRepayment", request_hash=digest
    )
    await IdempotencyRecord.filter(id=stale.id).update(
        created_at=datetime.now(UTC) - idempotency.LEASE - timedelta(seconds=1)
    )
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.5)

    result = await idempotency.run_once(
        key="k", user_id=world.feed.user_id, operation="recordRepayment",
        arguments={}, call=_repay(world),
    )  # fmt: skip

    assert result["id"] == world.loan.id
    assert await Repayment.all().count() == 1
    assert (await IdempotencyRecord.get(key="k")).response == result


async def test_a_fresh_unanswered_key_is_still_running(
    world: LoanWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = idempotency.request_hash("recordRepayment", {})
    await IdempotencyRecord.create(
        key="k", user_id=world.feed.user_id, operation="recordRepayment", request_hash=digest
    )
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.2)
    with pytest.raises(Conflict, match="still running"):
        await idempotency.run_once(
            key="k", user_id=world.feed.user_id, operation="recordRepayment",
            arguments={}, call=_repay(world),
        )  # fmt: skip
    assert await Repayment.all().count() == 0


async def test_a_payment_feed_reads_back_the_loan_it_paid_into(world: LoanWorld) -> None:
    await _repay(world)()
    loan = await get_repaid_loan_or_raise(principal=world.feed, loan_id=world.loan.id)
    assert loan.outstanding < world.loan.principal
    with pytest.raises(DomainError) as err:
        await get_repaid_loan_or_raise(principal=world.applicant, loan_id=world.loan.id)
    assert err.value.code is ErrorCode.FORBIDDEN
