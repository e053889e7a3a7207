"""Changes to a loan through GraphQL: one staff member asks, a risk manager who is not the maker
approves or rejects; reclassification; recoveries after a write-off; reversal of a repayment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.accounts.principal import Principal
from resolvers.ids import encode_id
from tests.schema.helpers import run, run_raw
from tests.schema.loanbook_world import BookWorld, make_book_world


@pytest.fixture
async def world(db: str) -> BookWorld:
    return await make_book_world()


def lid(world: BookWorld) -> str:
    return encode_id("Loan", world.loan.id)


CHANGE = "change { id kind status reason details requestedBy decidedBy loan { status } }"
ERRORS = "errors { code message }"
RESTRUCTURE = f"""mutation($id: ID!, $months: Int) {{
  restructureLoan(loanId: $id, extraMonths: $months, reason: "cash flow from a late contract") {{
    {CHANGE} {ERRORS} }} }}"""
WRITE_OFF = f"""mutation($id: ID!) {{ writeOffLoan(loanId: $id, reason: "borrower insolvent") {{
  {CHANGE} {ERRORS} }} }}"""
REVERSE = f"""mutation($id: ID!) {{ reverseRepayment(repaymentId: $id, reason: "transfer bounced") {{
  {CHANGE} {ERRORS} }} }}"""
APPROVE = f"""mutation($id: ID!) {{ approveLoanChange(id: $id, comment: "checked") {{
  {CHANGE} {ERRORS} }} }}"""
REJECT = f"""mutation($id: ID!) {{ rejectLoanChange(id: $id, comment: "not enough evidence") {{
  {CHANGE} {ERRORS} }} }}"""
INBOX = "{ loanChanges { kind status loan { id } } }"
LOAN = """query($id: ID!) { loan(id: $id) { status classification classificationReason
  outstanding principalOutstanding scheduleVersions { version current }
  changes { kind status } repayments { edges { node { id kind amount reversed } } } } }"""


def codes(result: Any) -> list[str]:
    found = [str((e.extensions or {}).get("code")) for e in result.errors or []]
    for payload in (result.data or {}).values():
        if isinstance(payload, dict):
            found += [e["code"] for e in payload.get("errors") or []]
    return found


async def ask(document: str, who: Principal, **variables: Any) -> dict[str, Any]:
    data = await run(document, who, **variables)
    (payload,) = data.values()
    assert payload["errors"] == [], payload["errors"]
    return dict(payload["change"])


async def test_a_restructure_waits_for_a_checker_who_is_not_the_maker(world: BookWorld) -> None:
    change = await ask(RESTRUCTURE, world.risk, id=lid(world), months=3)
    assert (change["kind"], change["status"]) == ("RESTRUCTURE", "PENDING")
    assert change["requestedBy"] == "user:risk@bank.example"
    assert (await run(INBOX, world.officer))["loanChanges"] == [
        {"kind": "RESTRUCTURE", "status": "PENDING", "loan": {"id": lid(world)}}
    ]

    officer = await run_raw(APPROVE, world.officer, id=change["id"])
    maker = await run_raw(APPROVE, world.risk, id=change["id"])
    assert codes(officer) == ["FORBIDDEN"]
    assert codes(maker) == ["FORBIDDEN"]

    done = await ask(APPROVE, world.risk2, id=change["id"])
    assert (done["status"], done["loan"]["status"]) == ("APPROVED", "RESTRUCTURED")
    assert done["decidedBy"] == "user:risk2@bank.example"
    again = await run_raw(APPROVE, world.risk2, id=change["id"])
    assert codes(again) == ["INVALID_STATE"]
    loan = (await run(LOAN, world.officer, id=lid(world)))["loan"]
    assert loan["scheduleVersions"][-1] == {"version": 2, "current": True}
    assert loan["classification"] == "SUBSTANDARD"
    assert loan["changes"] == [{"kind": "RESTRUCTURE", "status": "APPROVED"}]
    assert (await run(INBOX, world.officer))["loanChanges"] == []


async def test_a_rejected_change_leaves_the_loan_alone(world: BookWorld) -> None:
    change = await ask(WRITE_OFF, world.officer, id=lid(world))
    done = await ask(REJECT, world.risk, id=change["id"])
    assert (done["status"], done["loan"]["status"]) == ("REJECTED", "ACTIVE")


RECOVER = """mutation($id: ID!, $amount: Decimal!) {
  recordRecovery(loanId: $id, amount: $amount, receivedAt: "2026-03-01T02:00:00Z") {
    loan { status } repayment { kind amount allocation { recovery } } errors { code message } } }"""


async def test_write_off_then_recovery(world: BookWorld) -> None:
    change = await ask(WRITE_OFF, world.officer, id=lid(world))
    done = await ask(APPROVE, world.risk, id=change["id"])
    assert done["loan"]["status"] == "WRITTEN_OFF"
    loan = (await run(LOAN, world.risk, id=lid(world)))["loan"]
    assert (loan["classification"], Decimal(loan["outstanding"])) == ("LOSS", Decimal("0.00"))

    paid = (await run(RECOVER, world.feed, id=lid(world), amount="5000.00"))["recordRecovery"]
    assert paid["errors"] == []
    assert paid["repayment"] == {
        "kind": "RECOVERY", "amount": "5000.00", "allocation": {"recovery": "5000.00"}
    }  # fmt: skip
    refused = await run_raw(RECOVER, world.admin, id=lid(world), amount="1.00")
    assert codes(refused) == ["FORBIDDEN"]


REPAY = """mutation($id: ID!) { recordRepayment(loanId: $id, amount: "1000.00",
  receivedAt: "2026-01-20T02:00:00Z") { loan { outstanding } errors { code } } }"""


async def test_a_reversed_repayment_is_owed_again(world: BookWorld) -> None:
    await run(REPAY, world.feed, id=lid(world))
    loan = (await run(LOAN, world.officer, id=lid(world)))["loan"]
    repayment = loan["repayments"]["edges"][0]["node"]
    assert Decimal(loan["outstanding"]) < Decimal("120000.00")

    change = await ask(REVERSE, world.officer, id=repayment["id"])
    assert change["kind"] == "REVERSAL"
    await ask(APPROVE, world.risk, id=change["id"])

    after = (await run(LOAN, world.officer, id=lid(world)))["loan"]
    assert after["repayments"]["edges"][0]["node"]["reversed"] is True
    assert Decimal(after["principalOutstanding"]) == Decimal("120000.00")


RECLASSIFY = """mutation($id: ID!, $tier: LoanClassification!) {
  reclassifyLoan(loanId: $id, classification: $tier, reason: "supplier failed") {
    loan { classification classificationReason } errors { code field } } }"""


async def test_a_risk_manager_downgrades_but_never_upgrades_past_the_rule(
    world: BookWorld,
) -> None:
    down = (await run(RECLASSIFY, world.risk, id=lid(world), tier="DOUBTFUL"))["reclassifyLoan"]
    assert down["errors"] == []
    assert down["loan"]["classification"] == "DOUBTFUL"
    assert "supplier failed" in down["loan"]["classificationReason"]

    change = await ask(RESTRUCTURE, world.officer, id=lid(world), months=2)
    await ask(APPROVE, world.risk, id=change["id"])
    up = (await run(RECLASSIFY, world.risk, id=lid(world), tier="NORMAL"))["reclassifyLoan"]
    assert up["errors"] == [{"code": "INVALID_INPUT", "field": "classification"}]
    assert codes(await run_raw(RECLASSIFY, world.officer, id=lid(world), tier="LOSS")) == [
        "FORBIDDEN"
    ]
