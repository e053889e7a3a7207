"""The loan book through GraphQL: a loan's state and balances, repayments and the journal,
payoff quotes and prepayment, the maker-checker changes, reclassification and recoveries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from db.models import Loan
from resolvers.ids import encode_id
from tests.schema.helpers import run, run_raw
from tests.schema.loanbook_world import BookWorld, make_book_world


@pytest.fixture
async def world(db: str) -> BookWorld:
    return await make_book_world()


def lid(world: BookWorld) -> str:
    return encode_id("Loan", world.loan.id)


LOAN = """query($id: ID!) { loan(id: $id) {
  status daysPastDue classification classificationReason outstanding principalOutstanding
  interestOutstanding penaltyOutstanding feesOutstanding creditBalance
  schedule { number startsOn dueOn principal interest paid }
  scheduleVersions { version current installments { number } }
  repayments(first: 5) { totalCount edges { node { kind amount allocation {
    fees penalty overdueInterest overduePrincipal currentInterest currentPrincipal credit } } } }
} }"""

JOURNAL = """query($id: ID!) { loan(id: $id) { journal(first: 20) { totalCount edges { node {
  kind businessDate lines { account debit credit } } } } } }"""

REPAY = """mutation($id: ID!, $amount: Decimal!, $at: DateTime) {
  recordRepayment(loanId: $id, amount: $amount, receivedAt: $at) {
    loan { outstanding principalOutstanding } errors { code message } } }"""


async def test_a_borrower_reads_status_balances_and_schedule(world: BookWorld) -> None:
    data = (await run(LOAN, world.applicant, id=lid(world)))["loan"]

    assert data["status"] == "ACTIVE"
    assert data["daysPastDue"] == 0
    assert data["classification"] == "NORMAL"
    assert Decimal(data["outstanding"]) == Decimal("120000.00")
    assert Decimal(data["principalOutstanding"]) == Decimal("120000.00")
    assert [Decimal(data[k]) for k in ("interestOutstanding", "penaltyOutstanding",
            "feesOutstanding", "creditBalance")] == [Decimal("0.00")] * 4  # fmt: skip
    assert [i["number"] for i in data["schedule"]] == [1, 2, 3, 4, 5, 6]
    assert data["schedule"][0]["startsOn"] == "2026-01-15"
    assert data["schedule"][1]["startsOn"] == data["schedule"][0]["dueOn"]
    assert data["scheduleVersions"] == [
        {"version": 1, "current": True, "installments": [{"number": n} for n in range(1, 7)]}
    ]
    assert data["repayments"] == {"totalCount": 0, "edges": []}


async def test_the_journal_shows_to_loan_officers_and_risk_managers_only(world: BookWorld) -> None:
    for reader in (world.officer, world.risk):
        journal = (await run(JOURNAL, reader, id=lid(world)))["loan"]["journal"]
        assert journal["totalCount"] == 1
        entry = journal["edges"][0]["node"]
        assert entry["kind"] == "DISBURSEMENT"
        assert entry["businessDate"] == "2026-01-15"
        assert entry["lines"] == [
            {"account": "1303_LOAN_PRINCIPAL", "debit": "120000.00", "credit": "0.00"},
            {"account": "1002_SETTLEMENT", "debit": "0.00", "credit": "120000.00"},
        ]
    for outsider in (world.applicant, world.admin):
        journal = (await run(JOURNAL, outsider, id=lid(world)))["loan"]["journal"]
        assert journal == {"totalCount": 0, "edges": []}


async def test_a_repayment_is_listed_with_its_allocation_and_posted(world: BookWorld) -> None:
    installment = (await run(LOAN, world.applicant, id=lid(world)))["loan"]["schedule"][0]
    due = Decimal(installment["principal"]) + Decimal(installment["interest"])

    paid = await run(REPAY, world.officer, id=lid(world), amount=str(due),
                     at=f"{installment['dueOn']}T02:00:00Z")  # fmt: skip

    assert paid["recordRepayment"]["errors"] == []
    loan = (await run(LOAN, world.applicant, id=lid(world)))["loan"]
    assert loan["schedule"][0]["paid"] is True
    assert Decimal(loan["principalOutstanding"]) == Decimal("120000.00") - Decimal(
        installment["principal"]
    )
    node = loan["repayments"]["edges"][0]["node"]
    assert (node["kind"], Decimal(node["amount"])) == ("REPAYMENT", due)
    split = {k: Decimal(v) for k, v in node["allocation"].items()}
    assert sum(split.values()) == due
    assert split["overdueInterest"] + split["currentInterest"] == Decimal(installment["interest"])
    journal = (await run(JOURNAL, world.risk, id=lid(world)))["loan"]["journal"]
    kinds = [e["node"]["kind"] for e in journal["edges"]]
    assert kinds[0] == "DISBURSEMENT" and kinds[-1] == "REPAYMENT"
    for edge in journal["edges"]:
        lines = edge["node"]["lines"]
        assert sum(Decimal(x["debit"]) for x in lines) == sum(Decimal(x["credit"]) for x in lines)


async def test_another_enterprise_does_not_see_the_loan(world: BookWorld) -> None:
    assert (await run(LOAN, world.other_applicant, id=lid(world)))["loan"] is None


def codes(result: Any) -> list[str]:
    found = [e.extensions.get("code") for e in result.errors or []]
    for payload in (result.data or {}).values():
        if isinstance(payload, dict):
            found += [e["code"] for e in payload.get("errors") or []]
    return found


async def loan_row(world: BookWorld) -> Loan:
    return await Loan.get(id=world.loan.id)


QUOTE = """query($id: ID!, $on: Date!) { payoffQuote(loanId: $id, date: $on) {
  principal interest penalty fees total } }"""

PREPAY = """mutation($id: ID!, $amount: Decimal, $mode: PrepaymentMode!, $at: DateTime) {
  prepay(loanId: $id, amount: $amount, mode: $mode, receivedAt: $at) {
    loan { status outstanding principalOutstanding schedule { number dueOn principal }
           scheduleVersions { version current } }
    repayment { kind amount allocation { currentInterest currentPrincipal fees } }
    errors { code message } } }"""


async def test_payoff_quote_then_full_prepayment_closes_the_loan(world: BookWorld) -> None:
    quote = (await run(QUOTE, world.applicant, id=lid(world), on="2026-02-01"))["payoffQuote"]
    parts = {k: Decimal(v) for k, v in quote.items()}
    assert parts["principal"] == Decimal("120000.00")
    assert parts["interest"] > 0
    assert (
        parts["total"] == parts["principal"] + parts["interest"] + parts["penalty"] + parts["fees"]
    )

    done = (await run(PREPAY, world.applicant, id=lid(world), amount=None,
                      mode="SHORTEN_TERM", at="2026-02-01T02:00:00Z"))["prepay"]  # fmt: skip

    assert done["errors"] == []
    assert done["loan"]["status"] == "CLOSED"
    assert Decimal(done["loan"]["outstanding"]) == Decimal("0.00")
    assert done["repayment"]["kind"] == "PREPAYMENT"
    assert Decimal(done["repayment"]["amount"]) == parts["total"]


async def test_a_partial_prepayment_makes_a_new_schedule_version(world: BookWorld) -> None:
    done = (await run(PREPAY, world.applicant, id=lid(world), amount="30000.00",
                      mode="SHORTEN_TERM", at="2026-02-01T02:00:00Z"))["prepay"]  # fmt: skip

    assert done["errors"] == []
    loan = done["loan"]
    assert loan["status"] == "ACTIVE"
    assert loan["scheduleVersions"] == [
        {"version": 1, "current": False},
        {"version": 2, "current": True},
    ]
    # the term is shorter: the last installment falls due before the first version's last
    assert loan["schedule"][-1]["dueOn"] < "2026-07-15"
    assert Decimal(loan["principalOutstanding"]) < Decimal("120000.00") - Decimal("29000.00")
    assert sum(Decimal(i["principal"]) for i in loan["schedule"]) == Decimal("120000.00")


async def test_a_quote_for_someone_elses_loan_is_refused(world: BookWorld) -> None:
    result = await run_raw(QUOTE, world.other_applicant, id=lid(world), on="2026-02-01")
    assert codes(result) in (["FORBIDDEN"], ["BAD_USER_INPUT"])
    prepaid = await run_raw(PREPAY, world.other_applicant, id=lid(world), amount="10.00",
                            mode="SHORTEN_TERM", at="2026-02-01T02:00:00Z")  # fmt: skip
    assert prepaid.data["prepay"]["repayment"] is None
    assert codes(prepaid) in (["FORBIDDEN"], ["NOT_FOUND"])
