"""Absurd amounts sent to every mutation that takes money answer INVALID_INPUT in the payload,
never a server error, and change nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from db.models import Event, LoanApplication, Repayment, Role, VerificationStatus
from domain.accounts.principal import Principal
from resolvers.ids import encode_id
from tests.domain.lending.repayment_fixtures import LoanWorld, make_loan_world
from tests.factories import uscc
from tests.schema.helpers import make_user, run_raw

# values the Decimal scalar parses: they reach the domain looking like numbers
ABSURD = ["1e30", "1E+999999999", "NaN", "sNaN", "Infinity", "-Infinity", "-5", "0", "1.001"]

CREATE = """mutation($amount: Decimal!) { createApplication(input: {productCode: "TECH_CREDIT",
  amount: $amount, termMonths: 12, pledgedPatentNumbers: []}) { application { id } errors { code field } } }"""
REPAY = """mutation($loan: ID!, $amount: Decimal!) { recordRepayment(loanId: $loan, amount: $amount) {
  loan { id } errors { code field } } }"""
CONFIRM = """mutation($amount: Decimal!) { confirmVerification(depositAmount: $amount, legalRepCode: "123456") {
  errors { code field } } }"""
INGEST = """mutation($payload: JSON!, $uscc: String!) { ingestEvent(input: {id: "evt-amount",
  uscc: $uscc, type: "tax_arrears", occurredAt: "2026-01-01T00:00:00Z", payload: $payload}) {
  accepted errors { code field } } }"""


@pytest.fixture
async def world(db: str) -> LoanWorld:
    return await make_loan_world()


Send = Callable[[LoanWorld, Any], Awaitable[Any]]


async def _create(world: LoanWorld, amount: Any) -> Any:
    result = await run_raw(CREATE, world.applicant, amount=amount)
    return result, result.data and result.data["createApplication"]


async def _repay(world: LoanWorld, amount: Any) -> Any:
    loan = encode_id("Loan", world.loan.id)
    result = await run_raw(REPAY, world.officer, loan=loan, amount=amount)
    return result, result.data and result.data["recordRepayment"]


async def _repay_by_feed(world: LoanWorld, amount: Any) -> Any:
    loan = encode_id("Loan", world.loan.id)
    result = await run_raw(REPAY, world.feed, loan=loan, amount=amount)
    return result, result.data and result.data["recordRepayment"]


async def _confirm(world: LoanWorld, amount: Any) -> Any:
    unverified = await _unverified_applicant()
    result = await run_raw(CONFIRM, unverified, amount=amount)
    return result, result.data and result.data["confirmVerification"]


async def _ingest(world: LoanWorld, amount: Any) -> Any:
    result = await run_raw(INGEST, world.feed, payload={"amount": amount}, uscc=uscc(301))
    return result, result.data and result.data["ingestEvent"]


async def _unverified_applicant() -> Principal:
    found = await make_user(f"new{id(object())}@repay.example", Role.APPLICANT)
    return Principal.applicant(
        user_id=found.user_id,
        email=found.email,
        enterprise_id=None,
        verification=VerificationStatus.UNVERIFIED,
    )


MUTATIONS: dict[str, Send] = {
    "createApplication": _create,
    "recordRepayment": _repay,
    "recordRepayment(feed)": _repay_by_feed,
    "confirmVerification": _confirm,
    "ingestEvent": _ingest,
}


@pytest.mark.parametrize("amount", ABSURD)
@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
async def test_absurd_amounts_are_invalid_input(
    world: LoanWorld, mutation: str, amount: str
) -> None:
    if mutation == "ingestEvent" and amount in ("0", "1.001"):
        pytest.skip("an event reports an amount of 0 or more, to any precision")
    result, payload = await MUTATIONS[mutation](world, amount)

    assert result.errors is None, result.errors
    assert [e["code"] for e in payload["errors"]] == ["INVALID_INPUT"], payload
    assert await Repayment.all().count() == 0
    assert await LoanApplication.all().count() == 1  # the loan's own
    assert await Event.all().count() == 0


@pytest.mark.parametrize("amount", [1e30, float("1e308") * 10, -1.0])
async def test_absurd_json_numbers_in_an_event_are_invalid_input(
    world: LoanWorld, amount: float
) -> None:
    result, payload = await _ingest(world, amount if amount != float("inf") else "Infinity")
    assert result.errors is None, result.errors
    assert [e["code"] for e in payload["errors"]] == ["INVALID_INPUT"]
