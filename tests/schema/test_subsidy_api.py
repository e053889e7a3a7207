"""End to end through the API: a subsidised loan, a quarter of end-of-day batches, the
statement equal to the ledger to the fen, the claim filed once, the XLSX carrying the same
figures."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette

import schema.credit_exports as download
from db.models import Enterprise, JournalLine, Role
from domain.accounts.principal import Principal
from domain.loanbook.eod import close_through
from domain.products import seed_products
from tests.domain.credit.subsidy_world import subsidised_loan
from tests.factories import uscc
from tests.schema.helpers import run, run_raw
from tests.schema.loanbook_world import make_user

STATEMENT = """query($q: String!) { subsidyStatement(programmeCode: "ZXD_SUBSIDY", quarter: $q) {
  programmeCode quarter periodStart periodEnd subsidyRate total ledgerTotal reconciled
  lines { loanId enterpriseName days amount } claim { id status total } } }"""
FILE = """mutation($q: String!) { fileSubsidyClaim(programmeCode: "ZXD_SUBSIDY", quarter: $q) {
  statement { total reconciled claim { id status total } } errors { code field } } }"""
PAY = """mutation($id: ID!) { recordSubsidyPayment(claimId: $id) {
  claim { status paidAt } errors { code } } }"""


def _client(monkeypatch: pytest.MonkeyPatch, who: Principal | None) -> httpx.AsyncClient:
    async def caller(*_: Any, **__: Any) -> tuple[Principal | None, None]:
        return who, None

    monkeypatch.setattr(download, "current_principal", caller)
    app = Starlette(routes=download.ROUTES)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def _check_exports(
    monkeypatch: pytest.MonkeyPatch, officer: Any, applicant: Any, loan_id: int, ledger: Decimal
) -> None:
    """The statement's XLSX and CSV carry the ledger's figures, for staff only."""
    async with _client(monkeypatch, officer) as client:
        xlsx = await client.get("/subsidy-statement.xlsx?programme=ZXD_SUBSIDY&quarter=2026Q3")
        text = await client.get("/subsidy-statement.csv?programme=ZXD_SUBSIDY&quarter=2026Q3")
        missing = await client.get("/subsidy-statement.csv?programme=NOPE&quarter=2026Q3")
        bad = await client.get("/subsidy-statement.csv?programme=ZXD_SUBSIDY&quarter=Q3")
    assert xlsx.status_code == 200 and text.status_code == 200
    assert (missing.status_code, bad.status_code) == (404, 400)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True) if r and r[0] is not None}
    assert rows[loan_id][4] == 92
    assert Decimal(str(rows[loan_id][5])).quantize(Decimal("0.01")) == ledger
    assert Decimal(str(rows["total"][5])).quantize(Decimal("0.01")) == ledger
    assert rows["reconciled"][5] == "yes"
    assert f"total,,,,,{ledger}" in text.text
    assert f"{loan_id},政信科技," in text.text
    async with _client(monkeypatch, applicant) as client:
        assert (
            await client.get("/subsidy-statement.xlsx?programme=ZXD_SUBSIDY&quarter=2026Q3")
        ).status_code == 403
    async with _client(monkeypatch, None) as client:
        assert (await client.get("/subsidy-statement.csv")).status_code == 401


async def test_a_quarter_of_subsidy_claimed_through_the_api(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_products()
    officer = await make_user("officer@zxd.example", Role.LOAN_OFFICER)
    risk = await make_user("risk@zxd.example", Role.RISK_MANAGER)
    tech = await Enterprise.create(uscc=uscc(811), name="政信科技", high_tech=True)
    applicant = await make_user("cfo@zxd.example", Role.APPLICANT, tech.id)
    loan = await subsidised_loan(
        tech, by=officer.user_id, amount="2400000.00", on=date(2026, 6, 20)
    )
    await close_through(date(2026, 9, 30))

    figures = (await run(STATEMENT, officer, q="2026Q3"))["subsidyStatement"]
    credits = await JournalLine.filter(
        loan_id=loan.id, account="6013_SUBSIDY_INTEREST_INCOME",
        entry__business_date__gte=date(2026, 7, 1), entry__business_date__lte=date(2026, 9, 30),
    ).values_list("credit", flat=True)  # fmt: skip
    ledger = sum((Decimal(c) for c in credits), Decimal("0.00"))
    assert Decimal(figures["total"]) == Decimal(figures["ledgerTotal"]) == ledger > 0
    assert figures["reconciled"] is True and figures["claim"] is None
    assert [(line["days"], Decimal(line["amount"])) for line in figures["lines"]] == [(92, ledger)]
    assert Decimal(figures["subsidyRate"]) == Decimal("0.01")

    result = await run_raw(STATEMENT, applicant, q="2026Q3")
    assert [e.extensions["code"] for e in result.errors] == ["FORBIDDEN"]
    refused = (await run(FILE, applicant, q="2026Q3"))["fileSubsidyClaim"]
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]

    filed = (await run(FILE, officer, q="2026Q3"))["fileSubsidyClaim"]
    assert filed["errors"] == []
    claim = filed["statement"]["claim"]
    assert claim["status"] == "CLAIMED" and Decimal(claim["total"]) == ledger
    again = (await run(FILE, risk, q="2026Q3"))["fileSubsidyClaim"]
    assert again["statement"] is None
    assert again["errors"] == [{"code": "PERIOD_CLOSED", "field": "quarter"}]
    open_q = (await run(FILE, risk, q="2099Q4"))["fileSubsidyClaim"]
    assert [e["code"] for e in open_q["errors"]] == ["PERIOD_OPEN"]

    await _check_exports(monkeypatch, officer, applicant, loan.id, ledger)

    paid = (await run(PAY, risk, id=claim["id"]))["recordSubsidyPayment"]
    assert paid["errors"] == [] and paid["claim"]["status"] == "PAID"
    twice = (await run(PAY, risk, id=claim["id"]))["recordSubsidyPayment"]
    assert [e["code"] for e in twice["errors"]] == ["INVALID_STATE"]
